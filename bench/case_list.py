"""Benchmark of the case list/search API with 1 M cases.

Target (DESIGN §7): p95 ≤ 100 ms for GET /api/v1/cases.

    .venv/bin/python bench/case_list.py [--db URL] [--rounds N]

Requests go through Django's test Client (routing, session authentication, the endpoint, JSON) as the demo's
city-wide leader and as a district dispatcher (department scope), with a few filters (none, a state, overdue
only, a class, a district, a source, the last week, a class in a district, earliest deadline first, a case
number), each followed for five keyset pages (`cursor` = the previous page's `next_cursor`), 50 cases a page.
Words of the description (`text`) are measured on their own: a substring search has no index to use.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from datetime import timedelta

import benchlib

TARGET_P95_MS = 100.0
PAGES = 5


def main() -> None:
    args = _parse_args()
    benchlib.setup_django(args.db)
    from django.test import Client
    from django.utils import timezone

    from cityops.cases.models import Case
    from cityops.geo.models import Level, Region
    from cityops.org.models import User

    district = Region.objects.filter(level=Level.DISTRICT).order_by("code").first()
    week_ago = (timezone.localdate() - timedelta(days=7)).isoformat()
    number = Case.objects.order_by("-id").values_list("number", flat=True).first()
    queries = {
        "none": {}, "state=dispatched": {"state": "dispatched"}, "overdue": {"overdue": "true"},
        "class=06010": {"class": "06010"}, "district": {"region": district.code}, "source=citizen": {"source": "citizen"},
        "last week": {"from": week_ago}, "class in district": {"class": "09006", "region": district.code},
        "open by deadline": {"state": "dispatched,handled,checking", "order": "due_at"}, "case number": {"text": number},
    }
    text_queries = {"text words": {"text": "暴露垃圾"}}
    clients = {}
    for username in (args.user, args.district_user):
        client = Client()
        client.force_login(User.objects.get(username=username))
        clients[username] = client

    def pages(client: Client, params: dict) -> list[float]:
        times, cursor = [], None
        for _page in range(PAGES):
            query = {**params, "limit": "50", **({"cursor": cursor} if cursor else {})}
            ms, response = benchlib.timed(lambda q=query: client.get("/api/v1/cases", q))
            if response.status_code != 200:
                raise SystemExit(f"GET /api/v1/cases {query} answered {response.status_code}: {response.content[:300]}")
            times.append(ms)
            cursor = response.json()["next_cursor"]
            if not cursor:
                break
        return times

    for client in clients.values():  # warm up
        pages(client, {})
    by_query, first_pages, every = defaultdict(list), [], []
    for _round in range(args.rounds):
        for username, client in clients.items():
            for name, params in queries.items():
                times = pages(client, params)
                by_query[f"{name} ({username})"].extend(times)
                first_pages.append(times[0])
                every.extend(times)
    for name, values in by_query.items():
        print(f"cases {name}: {benchlib.summary(values)}")
    text_times = [t for _r in range(max(1, args.rounds // 2)) for params in text_queries.values()
                  for t in pages(clients[args.user], params)]
    print(f"cases text search (substring of the description, separate): {benchlib.summary(text_times)}")
    p95 = benchlib.percentile(every, 95)
    print(f"case list first pages: {benchlib.summary(first_pages)}")
    print(f"case list all pages: {benchlib.summary(every)}")
    print(f"case list API p95: {p95:.0f} ms (target ≤ {TARGET_P95_MS:.0f} ms: {benchlib.verdict(p95, TARGET_P95_MS)})")
    print(f"database: {benchlib.database_size()}")
    print(f"machine: {benchlib.machine()}")


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=benchlib.url_1m(), help="database URL (default: BENCH_DATABASE_URL)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--user", default="leader", help="a city-wide user of the demo")
    parser.add_argument("--district-user", default="dispatcher-510104", help="a district-scoped user of the demo")
    return parser.parse_args()


if __name__ == "__main__":
    main()
