"""Where one synchronous report's CPU goes: `POST /api/v1/cases` called in process, profiled.

    .venv/bin/python bench/intake_profile.py [--db URL] [--reports 300] [--top 40] [--sort tottime]

Uses `bench/intake.py`'s database (run that once first: it seeds it) and its reporting token, points and classes.
Each report goes through the whole Django stack (middleware, ninja, the service, PostgreSQL) via
`django.test.Client`, with `DEBUG=false` as served. Prints the CPU per report of this process (the server's share,
PostgreSQL's not included), the queries of one report, and the functions that take that CPU (cProfile).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import secrets
import time

import benchlib
from intake import DEFAULT_DB, prepare_run


def main() -> None:
    args = _parse_args()
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    # The catalogue policy copy lives 5 s: a server taking hundreds of reports a second reloads it once every few
    # hundred reports, one process here (slower, and profiled) every few dozen; keep it for the whole run.
    os.environ.setdefault("CITYOPS_POLICY_CACHE_SECONDS", "3600")
    benchlib.setup_django(args.db)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    token, points, classes = prepare_run()
    client = Client()
    run = f"p{int(time.time())}"
    rng = random.Random()

    def report(n: int) -> None:
        lon, lat = rng.choice(points)
        body = {"class": rng.choice(classes), "description": "bench: 路边堆放垃圾", "lon": lon, "lat": lat,
                "source": "video_ai"}
        response = client.post("/api/v1/cases", body, content_type="application/json", HTTP_AUTHORIZATION=token,
                               HTTP_IDEMPOTENCY_KEY=f"{run}-{n}")
        if response.status_code != 201:
            raise SystemExit(f"report {n}: {response.status_code} {response.content[:300]!r}")

    for n in range(20):  # warm-up: the policy copy, the locate index, the token's last-use stamp
        report(-n - 1)
    with CaptureQueriesContext(connection) as queries:
        report(0)
    print(f"queries of one report: {len(queries.captured_queries)}")
    for query in queries.captured_queries:
        print(f"  {query['time']} s  {query['sql'][:150]}")

    wall, cpu = time.perf_counter(), time.process_time()
    for n in range(1, args.reports + 1):
        report(n)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{args.reports} reports, unprofiled: {cpu / args.reports * 1000:.2f} ms CPU of this process and "
          f"{wall / args.reports * 1000:.2f} ms wall each (load average {os.getloadavg()[0]:.1f})")

    profiler = cProfile.Profile(time.process_time)  # CPU, not the waits on PostgreSQL (the machine may be busy)
    profiler.enable()
    for n in range(args.reports + 1, 2 * args.reports + 1):
        report(n)
    profiler.disable()
    pstats.Stats(profiler).strip_dirs().sort_stats(args.sort).print_stats(args.top)


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=os.environ.get("BENCH_INTAKE_DATABASE_URL") or DEFAULT_DB)
    parser.add_argument("--reports", type=int, default=300, help="Reports measured (and as many profiled).")
    parser.add_argument("--top", type=int, default=40, help="Functions listed.")
    parser.add_argument("--sort", default="tottime", help="pstats order: tottime, cumulative, …")
    return parser.parse_args()


if __name__ == "__main__":
    main()
