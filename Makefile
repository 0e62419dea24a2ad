# cityops — the two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEMO_DB ?= var/demo.sqlite3
PORT   ?= 8000
GRIDS  ?= 2500

.PHONY: demo test test-sqlite test-postgres venv bench lint clean

$(BIN)/cityops: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/cityops

venv: $(BIN)/cityops

## Build the demo city on SQLite and serve it at http://127.0.0.1:$(PORT)
demo: venv
	DEBUG=true $(BIN)/cityops demo --db $(DEMO_DB) --grids $(GRIDS) --port $(PORT)

## Run the suite on SQLite, and on PostgreSQL too when CITYOPS_TEST_DATABASE_URL is set
test: venv
	$(MAKE) --no-print-directory test-sqlite
	@if [ -n "$$CITYOPS_TEST_DATABASE_URL" ]; then $(MAKE) --no-print-directory test-postgres; \
	else echo "CITYOPS_TEST_DATABASE_URL not set: PostgreSQL run skipped"; fi

test-sqlite: venv
	env -u DATABASE_URL -u CITYOPS_TEST_DATABASE_URL $(BIN)/pytest $(PYTEST_ARGS)

test-postgres: venv
	$(BIN)/pytest $(PYTEST_ARGS)

bench: venv
	$(BIN)/python bench/geo_locate.py

lint: venv
	$(BIN)/ruff check src tests bench

clean:
	rm -rf $(VENV) var build *.egg-info
