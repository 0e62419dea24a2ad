#!/usr/bin/env bash
# Build the benchmark databases from scratch on PostgreSQL (`make bench-prepare`); see docs/benchmarks.md.
#
#   cityops_bench_1m  the reference city (46,656 unit grids, the demo's departments, staff and rules) with
#                     1 M historical cases over the past year and 100 k cases open now (cityops seed-cases)
#   cityops_bench_3m  a 3 M-case year: by default a copy of the 1 M database whose finished cases are copied
#                     twice more in SQL (bench/replicate_cases.py, minutes); BENCH_3M=generate seeds 3 M cases
#                     with the seeder instead (hours on a shared 2-core machine)
#
# Existing databases of these names are dropped first. Settings (environment):
#   BENCH_PG     server URL without the database   (postgresql://postgres@127.0.0.1:5432)
#   BENCH_JOBS   seeding processes                 (2)
#   BENCH_3M     replicate | generate               (replicate)
#   BENCH_ONLY   1m | 3m | both                      (both; 3m with replicate needs the 1m database)
set -euo pipefail
cd "$(dirname "$0")/.."

PG=${BENCH_PG:-postgresql://postgres@127.0.0.1:5432}
JOBS=${BENCH_JOBS:-2}
MODE=${BENCH_3M:-replicate}
ONLY=${BENCH_ONLY:-both}
BIN=.venv/bin
export DEBUG=true PYTHONUNBUFFERED=1

log() { echo "[$(date +%H:%M:%S)] $*"; }

fresh_city() {  # database: created empty, migrated, the reference city with people and rules, no cases
    dropdb --if-exists --maintenance-db="$PG/postgres" "$1"
    createdb --maintenance-db="$PG/postgres" "$1"
    DATABASE_URL="$PG/$1" $BIN/cityops migrate -v0
    DATABASE_URL="$PG/$1" $BIN/cityops demo --grids 46656 --cases 0 --no-serve >/dev/null
    log "$1: reference city built"
}

if [[ $ONLY != 3m ]]; then
    log "cityops_bench_1m: 1 M historical cases over a year + 100 k open"
    fresh_city cityops_bench_1m
    DATABASE_URL="$PG/cityops_bench_1m" $BIN/cityops seed-cases --count 1000000 --open 100000 --days 365 \
        --jobs "$JOBS" --defer-indexes | grep -v '^CREATE INDEX'
fi

if [[ $ONLY != 1m ]]; then
    if [[ $MODE == generate ]]; then
        log "cityops_bench_3m: 3 M cases over a year from the seeder"
        fresh_city cityops_bench_3m
        DATABASE_URL="$PG/cityops_bench_3m" $BIN/cityops seed-cases --count 3000000 --days 365 --seed 3 \
            --jobs "$JOBS" --defer-indexes | grep -v '^CREATE INDEX'
    else
        log "cityops_bench_3m: the 1 M database copied, its finished cases copied twice more"
        dropdb --if-exists --maintenance-db="$PG/postgres" cityops_bench_3m
        createdb --maintenance-db="$PG/postgres" --template=cityops_bench_1m cityops_bench_3m
        $BIN/python bench/replicate_cases.py --db "$PG/cityops_bench_3m" --copies 2 | grep -v '^CREATE INDEX'
        DATABASE_URL="$PG/cityops_bench_3m" $BIN/cityops evaluation-rollup  # the copies' facts, rolled up by month
    fi
fi
log "done"
