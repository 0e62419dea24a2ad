"""What the database benchmarks share: Django set up on a benchmark database, timing, percentiles, the machine.

The benchmark databases are made by `bench/prepare.sh` (PostgreSQL): `cityops_bench_1m` (1 M historical cases
over a year and 100 k open) and `cityops_bench_3m` (a 3 M-case year). Each script takes `--db URL` or reads
`BENCH_DATABASE_URL` (the 1 M database) / `BENCH_3M_DATABASE_URL`.
"""

from __future__ import annotations

import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

DEFAULT_1M = "postgresql://postgres@127.0.0.1:5432/cityops_bench_1m"
DEFAULT_3M = "postgresql://postgres@127.0.0.1:5432/cityops_bench_3m"


def setup_django(url: str) -> None:
    """Point Django at the benchmark database `url` (never migrated or written here, except the fact refresh)."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DEBUG", "true")
    os.environ["DJANGO_SETTINGS_MODULE"] = "cityops.settings"
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import django

    django.setup()


def url_1m() -> str:
    return os.environ.get("BENCH_DATABASE_URL") or DEFAULT_1M


def url_3m() -> str:
    return os.environ.get("BENCH_3M_DATABASE_URL") or DEFAULT_3M


def timed(run: Callable[[], Any]) -> tuple[float, Any]:
    """(milliseconds, result) of one call."""
    started = time.perf_counter()
    result = run()
    return (time.perf_counter() - started) * 1000, result


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of `values`."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(values: list[float]) -> str:
    return (f"n={len(values)} p50={percentile(values, 50):.0f} ms p95={percentile(values, 95):.0f} ms "
            f"max={max(values):.0f} ms mean={statistics.fmean(values):.0f} ms")


def verdict(figure: float, target: float) -> str:
    return "MET" if figure <= target else "MISSED"


def machine() -> str:
    """CPU model, cores, RAM, Python and the database server's version, and the load while measuring."""
    from django.db import connection

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
        server = f"{connection.vendor} {cursor.fetchone()[0]}"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{cpu}, {os.cpu_count()} CPUs, {ram:.0f} GiB, Python {platform.python_version()}, {server}; "
            f"load average {load}")


def database_size() -> str:
    """Cases, open cases and facts in the database (what the figures were measured against)."""
    from cityops.cases.models import OPEN_STATES, Case
    from cityops.evaluation.models import CaseFact

    def estimate(model: Any) -> int:
        # pg_class.reltuples: an exact count(*) of millions of rows would take longer than the benchmark.
        from django.db import connection

        if connection.vendor != "postgresql":
            return model.objects.count()
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [model._meta.db_table])
            return int(cursor.fetchone()[0])

    open_cases = Case.objects.filter(state__in=OPEN_STATES).count()
    return f"~{estimate(Case):,} cases ({open_cases:,} open), ~{estimate(CaseFact):,} facts"
