"""`cityops calendar-recompute [--from DATE] [--to DATE]`: bring open case clocks up to the current calendar.

Saving an override or an arrangement does this by itself; the command is for deadlines computed before the
calendar changed in a way no save announces: an upgrade of the holiday rules (the statutory fallback for years the
`chinesecalendar` package does not cover) or of that package.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from cityops.core.services import calendar_dates_changed


class Command(BaseCommand):
    help = ("Recompute the open working-time case clocks whose deadlines the current calendar moves, for changed "
            "dates from --from (default: 60 days ago) to --to (default: the end of next year).")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--from", dest="first", type=date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument("--to", dest="last", type=date.fromisoformat, help="YYYY-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        first = options["first"] or today - timedelta(days=60)
        last = options["last"] or date(today.year + 1, 12, 31)
        if last < first:
            raise CommandError("--to lies before --from.")
        with transaction.atomic():
            count = calendar_dates_changed(dates=[first, last], actor="command:calendar-recompute",
                                           reason="calendar recompute")
        self.stdout.write(f"{count} open cases' deadlines recomputed (dates {first} to {last}).")
