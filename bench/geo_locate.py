"""Benchmark of locate() on the reference city: 216 × 216 = 46,656 unit grids.

Targets (the design's quality targets): ≥ 50,000 single lookups/s, ≥ 300,000 points/s in bulk, index ≤ 200 MB.

    .venv/bin/python bench/geo_locate.py [--db PATH] [--single N] [--bulk N]

Without --db the city is built into a temporary SQLite database; with --db the database is created once and
reused (the city is built only when it holds no regions). Prints one line per measure and the machine.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

SIDE = 216


def main() -> None:
    args = _parse_args()
    _setup_django(args.db)

    import numpy as np

    from cityops.geo import locate as geo
    from cityops.geo.models import Level, Region

    if not Region.objects.exists():
        _build_city()
    grids = Region.objects.filter(level=Level.GRID)
    bounds = [
        grids.order_by("min_lon").values_list("min_lon", flat=True).first(),
        grids.order_by("min_lat").values_list("min_lat", flat=True).first(),
        grids.order_by("-max_lon").values_list("max_lon", flat=True).first(),
        grids.order_by("-max_lat").values_list("max_lat", flat=True).first(),
    ]
    n_grids = grids.count()

    memory_mb = _index_memory_mb(geo)
    rng = np.random.default_rng(0)
    lons = rng.uniform(bounds[0], bounds[2], args.bulk)
    lats = rng.uniform(bounds[1], bounds[3], args.bulk)

    single = _best_rate(lambda: _single(geo.locate, lons[: args.single].tolist(), lats[: args.single].tolist()),
                        args.single)
    bulk = _best_rate(lambda: geo.locate_many(lons, lats), args.bulk)
    found = int((geo.locate_many(lons, lats) >= 0).sum())
    answered, total, refused = _coverage(geo, Region, Level)

    print(f"locate single: {single:,.0f} lookups/s")
    print(f"locate bulk: {bulk:,.0f} points/s")
    print(f"locate index memory: {memory_mb:,.1f} MB")
    print(f"locate coverage: {answered:,} of {total:,} grids answered at their centre; "
          f"{refused} of 4 points outside refused")
    print(f"machine: {_machine()}; {n_grids:,} grids; {found / args.bulk:.0%} of random points inside")


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="SQLite file to build the city into once and reuse")
    parser.add_argument("--single", type=int, default=200_000, help="points looked up one by one")
    parser.add_argument("--bulk", type=int, default=1_000_000, help="points looked up in one call")
    return parser.parse_args()


def _setup_django(db: str | None) -> None:
    path = Path(db).resolve() if db else Path(tempfile.mkdtemp(prefix="cityops-bench-")) / "bench.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("CITYOPS_VAR_DIR", str(path.parent))
    os.environ["DJANGO_SETTINGS_MODULE"] = "cityops.settings"
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _build_city() -> None:
    """The benchmark city of the demo generator (`cityops seed-city --grids 46656`)."""
    started = time.perf_counter()
    from cityops.demo.city import build_city

    build_city(grids=SIDE * SIDE)
    print(f"(built the {SIDE} × {SIDE} grid city in {time.perf_counter() - started:.1f} s)", file=sys.stderr)


def _coverage(geo, Region, Level) -> tuple[int, int, int]:
    """(grids answered by their own centre point, grids, points outside the city refused)."""
    import numpy as np

    rows = list(Region.objects.filter(level=Level.GRID).values_list("id", "centroid_lon", "centroid_lat"))
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    hits = geo.locate_many([r[1] for r in rows], [r[2] for r in rows])
    box = Region.objects.filter(level=Level.CITY).values_list("min_lon", "min_lat", "max_lon", "max_lat").first()
    outside = [(box[0] - 0.01, box[1]), (box[2] + 0.01, box[3]), (box[0], box[1] - 0.01), (0.0, 0.0)]
    refused = sum(geo.locate(lon, lat) is None for lon, lat in outside)
    return int((hits == ids).sum()), len(rows), refused


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _index_memory_mb(geo) -> float:
    """Resident memory the process grows by while building the index (GEOS allocations included)."""
    geo.invalidate_index()
    gc.collect()
    before = _rss_bytes()
    geo.locate(0.0, 0.0)  # builds the index
    gc.collect()
    return (_rss_bytes() - before) / 2**20


def _single(locate, lons: list[float], lats: list[float]) -> None:
    for lon, lat in zip(lons, lats, strict=True):
        locate(lon, lat)


def _best_rate(run, n: int, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return n / best


def _machine() -> str:
    import numpy
    import shapely

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return (f"{cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}, shapely {shapely.__version__}, "
            f"numpy {numpy.__version__}, SQLite")


if __name__ == "__main__":
    main()
