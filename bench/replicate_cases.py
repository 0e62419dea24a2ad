"""Grow a seeded benchmark database by copying its finished cases inside PostgreSQL: 1 M → 3 M in minutes.

    .venv/bin/python bench/replicate_cases.py --db postgresql://…/cityops_bench_3m [--copies 2]

`cityops seed-cases` makes about 700–2,000 cases/s on the shared 2-core machine, so a 3 M-case year would take
hours; `bench/prepare.sh` therefore makes `cityops_bench_3m` as a copy of `cityops_bench_1m` (CREATE DATABASE …
TEMPLATE) and runs this script, which adds `--copies` copies of every closed or voided case with everything it
owns — events, stage clocks, evaluation fact — in SQL (INSERT … SELECT, secondary indexes dropped meanwhile and
built again at the end). A copy keeps its original's times, place, class, actors and department (the same year
happens `copies + 1` times over), gets a new id and the next free number of its day (the day counters are
raised), so the facts still equal a rebuild from the clocks and events. The fact watermark is moved to the last
event. Open cases are not copied (the open backlog stays what `--open` made). Afterwards build the evaluation's
monthly rollups again: `cityops evaluation-rollup` (prepare.sh does).
"""

from __future__ import annotations

import argparse
import time

import psycopg

FINISHED = "('closed', 'voided')"
TABLES = ("cases_case", "cases_caseevent", "cases_casestageclock", "evaluation_casefact")


def main() -> None:
    args = _parse_args()
    started = time.perf_counter()
    with psycopg.connect(args.db, autocommit=True) as db:
        base = db.execute("SELECT max(id) FROM cases_case").fetchone()[0]
        if base is None:
            raise SystemExit("No cases to copy: seed the database first (cityops seed-cases).")
        indexes = _drop_indexes(db)
        try:
            for copy in range(1, args.copies + 1):
                _copy(db, base, copy)
                print(f"copy {copy}: done at {time.perf_counter() - started:.0f} s", flush=True)
        finally:
            print(f"creating {len(indexes)} indexes again…", flush=True)
            db.execute("SET maintenance_work_mem = '512MB'")
            for definition in indexes:
                db.execute(definition)
        db.execute("SELECT setval(pg_get_serial_sequence('cases_case', 'id'), (SELECT max(id) FROM cases_case))")
        db.execute("UPDATE evaluation_factwatermark SET last_event_id = (SELECT max(id) FROM cases_caseevent), "
                   "refreshed_at = now() WHERE id = 1")
        for table in TABLES:
            db.execute(f"ANALYZE {table}")
        total = db.execute("SELECT count(*) FROM cases_case").fetchone()[0]
    print(f"{total:,} cases after {args.copies} copies, in {time.perf_counter() - started:.0f} s")


def _copy(db: psycopg.Connection, base: int, copy: int) -> None:
    """One copy of the finished cases with id ≤ `base` (ids shifted past the current maximum), in one transaction."""
    with db.transaction():
        db.execute("LOCK TABLE cases_case IN EXCLUSIVE MODE")  # nobody else takes ids or numbers meanwhile
        offset = db.execute("SELECT max(id) FROM cases_case").fetchone()[0]
        chosen = f"SELECT id FROM cases_case WHERE id <= {base} AND state IN {FINISHED}"  # noqa: S608
        case_columns = _columns(db, "cases_case")
        values = ", ".join(
            f"id + {offset}" if c == '"id"'
            else "d || CASE WHEN s < 100000 THEN lpad(s::text, 5, '0') ELSE s::text END" if c == '"number"'
            else c for c in case_columns
        )
        # Each copied case takes the next free number of its day: the day's counter plus its rank in the day.
        db.execute(
            f"INSERT INTO cases_case ({', '.join(case_columns)}) "  # noqa: S608
            f"SELECT {values} FROM (SELECT c.*, left(c.number, 8) AS d, n.last + row_number() OVER "
            f"(PARTITION BY left(c.number, 8) ORDER BY c.id) AS s FROM cases_case c "
            f"JOIN cases_casenumbercounter n ON n.day = to_date(left(c.number, 8), 'YYYYMMDD') "
            f"WHERE c.id <= {base} AND c.state IN {FINISHED}) src"
        )
        db.execute(
            "UPDATE cases_casenumbercounter n SET last = n.last + x.copied FROM (SELECT left(number, 8) AS d, "  # noqa: S608
            f"count(*) AS copied FROM cases_case WHERE id <= {base} AND state IN {FINISHED} GROUP BY 1) x "
            "WHERE n.day = to_date(x.d, 'YYYYMMDD')"
        )
        for table, key in (("cases_caseevent", "case_id"), ("cases_casestageclock", "case_id"),
                           ("evaluation_casefact", "case_id")):
            columns = [c for c in _columns(db, table) if c != '"id"']  # events and clocks: ids from the sequence
            shifted = ", ".join(f"{c} + {offset}" if c == f'"{key}"' else c for c in columns)
            db.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {shifted} FROM {table} "  # noqa: S608
                       f"WHERE {key} IN ({chosen})")


def _columns(db: psycopg.Connection, table: str) -> list[str]:
    rows = db.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                      "ORDER BY ordinal_position", [table]).fetchall()
    return [f'"{name}"' for (name,) in rows]


def _drop_indexes(db: psycopg.Connection) -> list[str]:
    """Drop the secondary indexes of the four tables (not primary keys or unique ones); return their definitions."""
    rows = db.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid "
        "WHERE i.indrelid = ANY(%s::regclass[]) AND c.oid IS NULL AND NOT i.indisunique", [list(TABLES)]
    ).fetchall()
    for name, definition in rows:
        print(f"{definition};", flush=True)
        db.execute(f"DROP INDEX {name}")
    return [definition for _name, definition in rows]


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="PostgreSQL URL of the database to grow")
    parser.add_argument("--copies", type=int, default=2)
    return parser.parse_args()


if __name__ == "__main__":
    main()
