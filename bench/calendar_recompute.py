"""Benchmark of the calendar recompute: open case clocks replayed after a change of the working calendar.

Saving a holiday arrangement or an override recomputes, in the saving transaction, the open working-time clocks
whose span touches the changed dates (`cases.sla.clocks_recompute`). Measured, each in a transaction rolled back
afterwards (the database is left as it was):

- every open clock of a wide range of dates replayed with no calendar change (what `calendar-recompute` costs;
  none may change — the replay must reproduce the stored deadlines);
- one Tuesday made a day off (what an admin's override of a near date costs: the clocks running over it move).

    .venv/bin/python bench/calendar_recompute.py [--db URL] [--day YYYY-MM-DD]

`--db` defaults to the 1 M-case benchmark database (`bench/prepare.sh`); any database seeded with
`cityops seed-cases --open N` will do.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=None, help="database URL (default: BENCH_DATABASE_URL or the 1 M database)")
    parser.add_argument("--day", type=date.fromisoformat, help="the day made a day off (default: next Tuesday)")
    args = parser.parse_args()
    benchlib.setup_django(args.db or benchlib.url_1m())

    from django.db import transaction
    from django.utils import timezone

    from cityops.cases.sla import _candidate_case_ids
    from cityops.core.models import CalendarOverride, DayKind
    from cityops.core.services import calendar_dates_changed

    today = timezone.localdate()
    first, last = today - timedelta(days=60), date(today.year + 1, 12, 31)
    day = args.day or today + timedelta(days=(1 - today.weekday()) % 7 or 7)

    def recompute(dates: list[date], *, override: bool) -> int:
        with transaction.atomic():
            if override:
                CalendarOverride.objects.create(date=day, kind=DayKind.HOLIDAY)
            count = calendar_dates_changed(dates=dates, actor="bench", reason="bench")
            transaction.set_rollback(True)
        return count

    print(benchlib.database_size())
    candidates = len(_candidate_case_ids(first, last))
    ms, changed = benchlib.timed(lambda: recompute([first, last], override=False))
    print(f"no change, {first}..{last}: {candidates:,} open clocks replayed, {changed} changed, {ms / 1000:.2f} s "
          f"({ms / max(candidates, 1):.2f} ms a clock)")
    candidates = len(_candidate_case_ids(day, day))
    ms, changed = benchlib.timed(lambda: recompute([day], override=True))
    print(f"{day} made a day off: {candidates:,} candidates, {changed:,} cases moved, {ms / 1000:.2f} s "
          f"({ms / max(changed, 1):.2f} ms a moved case)")
    print(benchlib.machine())


if __name__ == "__main__":
    main()
