# cityops — the two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEMO_DB ?= var/demo.sqlite3
PORT   ?= 8000
GRIDS  ?= 2500

.PHONY: demo test test-sqlite test-postgres test-awkward-days $(AWKWARD_RUNS) venv bench bench-prepare lint clean

$(BIN)/cityops: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/cityops

venv: $(BIN)/cityops

## Build the demo city on SQLite and serve it at http://127.0.0.1:$(PORT)
demo: venv
	DEBUG=true $(BIN)/cityops demo --db $(DEMO_DB) --grids $(GRIDS) --port $(PORT)

## Run the suite on SQLite, and on PostgreSQL too when CITYOPS_TEST_DATABASE_URL is set. The runs are separate
## processes with databases of their own, so they go side by side on the machine's cores (JOBS of them at a time);
## each run's output is printed whole when it ends.
JOBS ?= $(shell nproc 2>/dev/null || echo 1)
test: venv
	@if [ -n "$$CITYOPS_TEST_DATABASE_URL" ]; then \
		$(MAKE) --no-print-directory -j$(JOBS) --output-sync=target test-sqlite test-postgres; \
	else echo "CITYOPS_TEST_DATABASE_URL not set: PostgreSQL run skipped"; $(MAKE) --no-print-directory test-sqlite; fi

test-sqlite: venv
	env -u DATABASE_URL -u CITYOPS_TEST_DATABASE_URL $(BIN)/pytest $(PYTEST_ARGS)

test-postgres: venv
	$(BIN)/pytest $(PYTEST_ARGS)

## The suite (SQLite) once per awkward day, the clock pinned by CITYOPS_TEST_NOW and ticking: a year's last
## minutes, the eve of Spring Festival past the published calendars, a make-up working Sunday, 29 February of a
## year with no published calendar. Left out: the browser tests and those that run the platform in processes of
## their own (`own_process`), which the pinned clock does not reach. The days run side by side, as above.
AWKWARD_DAYS ?= 2026-12-31T23:50:00+08:00 2027-02-05T16:00:00+08:00 2026-09-20T09:00:00+08:00 2028-02-29T12:00:00+08:00
AWKWARD_RUNS := $(addprefix awkward-day-,$(shell seq 1 $(words $(AWKWARD_DAYS))))
test-awkward-days: venv
	@$(MAKE) --no-print-directory -j$(JOBS) --output-sync=target $(AWKWARD_RUNS)

awkward-day-%: venv
	@echo "== the suite on $(word $*,$(AWKWARD_DAYS))"
	@CITYOPS_TEST_NOW=$(word $*,$(AWKWARD_DAYS)) env -u DATABASE_URL -u CITYOPS_TEST_DATABASE_URL \
		$(BIN)/pytest -m "not browser and not own_process" -p no:cacheprovider $(PYTEST_ARGS)

## Benchmarks (bench/, results in docs/benchmarks.md): locate() always; the PostgreSQL ones when the
## databases of `make bench-prepare` answer at BENCH_DATABASE_URL (1 M) and BENCH_3M_DATABASE_URL (3 M)
BENCH_DATABASE_URL    ?= postgresql://postgres@127.0.0.1:5432/cityops_bench_1m
BENCH_3M_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/cityops_bench_3m
# The intake benchmark makes (and seeds, the first time: minutes) its own database; it needs wrk (apt-get install wrk)
BENCH_INTAKE_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/cityops_bench_intake
export BENCH_DATABASE_URL BENCH_3M_DATABASE_URL BENCH_INTAKE_DATABASE_URL
bench: venv
	$(BIN)/python bench/geo_locate.py
	@if psql "$(BENCH_DATABASE_URL)" -Atc 'SELECT 1 FROM cases_case LIMIT 1' 2>/dev/null | grep -q 1; then \
		$(BIN)/python bench/command_clusters.py && $(BIN)/python bench/case_list.py && \
		$(BIN)/python bench/evaluation.py --part month; \
	else echo "$(BENCH_DATABASE_URL) not seeded: run make bench-prepare (PostgreSQL benchmarks skipped)"; fi
	@if psql "$(BENCH_3M_DATABASE_URL)" -Atc 'SELECT 1 FROM cases_case LIMIT 1' 2>/dev/null | grep -q 1; then \
		$(BIN)/python bench/evaluation.py --part year; \
	else echo "$(BENCH_3M_DATABASE_URL) not seeded: run make bench-prepare (3 M benchmark skipped)"; fi
	@if psql "$${BENCH_INTAKE_DATABASE_URL%/*}/postgres" -Atc 'SELECT 1' 2>/dev/null | grep -q 1; then \
		$(BIN)/python bench/intake.py; \
	else echo "PostgreSQL not reachable at $${BENCH_INTAKE_DATABASE_URL%/*}: intake benchmark skipped"; fi

## Build the benchmark databases from scratch (PostgreSQL; long: see bench/prepare.sh)
bench-prepare: venv
	bench/prepare.sh

## Ruff, the layering of the apps (lint-imports: pyproject's [tool.importlinter]) and the types (mypy: [tool.mypy])
lint: venv
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports
	env -u DATABASE_URL DEBUG=true $(BIN)/mypy

clean:
	rm -rf $(VENV) var build *.egg-info
