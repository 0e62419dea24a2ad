"""Benchmark of the one map's cluster API (指挥一张图) with 1 M historical and 100 k open cases.

Target (issue 5): p95 ≤ 300 ms for GET /api/v1/command/clusters.

    .venv/bin/python bench/command_clusters.py [--db URL] [--requests N] [--seed S]

Requests go through Django's test Client (URL routing, session authentication, the endpoint, JSON) as the
demo's city-wide leader, over a spread of zooms (11–17: the whole city down to a few streets), map views of
1280 × 800 pixels centred at random inside the city, and filters (none, a state, overdue only, a class, a
district, a source, a department, the last week). Prints the latency percentiles per zoom and filter, overall.
"""

from __future__ import annotations

import argparse
import random
from collections import defaultdict
from datetime import timedelta

import benchlib

TARGET_P95_MS = 300.0
ZOOMS = [11, 12, 13, 14, 15, 16, 17]
VIEW_PX = (1280, 800)


def main() -> None:
    args = _parse_args()
    benchlib.setup_django(args.db)
    from django.test import Client
    from django.utils import timezone

    from cityops.geo.models import Level, Region
    from cityops.geo.viewport import degrees_per_pixel
    from cityops.org.models import Department, User

    user = User.objects.get(username=args.user)
    client = Client()
    client.force_login(user)
    city = Region.objects.get(level=Level.CITY)
    district = Region.objects.filter(level=Level.DISTRICT).order_by("code").first()
    department = Department.objects.filter(code__startswith="CGJ-5").order_by("code").first()
    week_ago = (timezone.localdate() - timedelta(days=7)).isoformat()
    filters = {
        "none": {}, "state=dispatched": {"state": "dispatched"}, "overdue": {"overdue": "true"},
        "class=06010": {"class": "06010"}, "district": {"region": district.code}, "source=citizen": {"source": "citizen"},
        "department": {"department": department.code if department else "CGJ"}, "last week": {"from": week_ago},
    }
    rng = random.Random(args.seed)

    def request(zoom: int, name: str) -> tuple[float, int, dict]:
        width = VIEW_PX[0] * degrees_per_pixel(zoom)
        height = VIEW_PX[1] * degrees_per_pixel(zoom) * 0.87  # cos(30°): the city lies near 30° N
        lon = rng.uniform(city.min_lon, city.max_lon)
        lat = rng.uniform(city.min_lat, city.max_lat)
        params = {"bbox": f"{lon - width / 2:.6f},{lat - height / 2:.6f},{lon + width / 2:.6f},{lat + height / 2:.6f}",
                  "zoom": str(zoom), **filters[name]}
        ms, response = benchlib.timed(lambda: client.get("/api/v1/command/clusters", params))
        return ms, response.status_code, response.json() if response.status_code == 200 else {}

    for zoom in (11, 15, 17):  # warm up: URLconf, first queries, the planner's caches
        request(zoom, "none")
    by_zoom, by_filter, every, errors, sizes = defaultdict(list), defaultdict(list), [], 0, []
    for i in range(args.requests):
        zoom, name = ZOOMS[i % len(ZOOMS)], list(filters)[(i // len(ZOOMS)) % len(filters)]
        ms, status, body = request(zoom, name)
        if status != 200:
            errors += 1
            continue
        every.append(ms)
        by_zoom[zoom].append(ms)
        by_filter[name].append(ms)
        sizes.append(sum(c["count"] for c in body.get("clusters", [])) + len(body.get("points", [])))
    for zoom, values in sorted(by_zoom.items()):
        print(f"clusters zoom {zoom}: {benchlib.summary(values)}")
    for name, values in by_filter.items():
        print(f"clusters filter {name}: {benchlib.summary(values)}")
    p95 = benchlib.percentile(every, 95)
    print(f"clusters all: {benchlib.summary(every)}; {errors} non-200 answers; "
          f"mean {sum(sizes) / max(1, len(sizes)):,.0f} open cases in view")
    print(f"cluster API p95: {p95:.0f} ms (target ≤ {TARGET_P95_MS:.0f} ms: {benchlib.verdict(p95, TARGET_P95_MS)})")
    print(f"database: {benchlib.database_size()}")
    print(f"machine: {benchlib.machine()}")


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=benchlib.url_1m(), help="database URL (default: BENCH_DATABASE_URL)")
    parser.add_argument("--requests", type=int, default=280)
    parser.add_argument("--user", default="leader", help="a city-wide centre user of the demo")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args()


if __name__ == "__main__":
    main()
