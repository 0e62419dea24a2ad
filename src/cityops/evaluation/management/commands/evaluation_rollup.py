"""`cityops evaluation-rollup`: build the monthly rollups of settled case facts (all months, or only changed ones)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cityops.evaluation.facts import case_facts_refresh
from cityops.evaluation.models import FactRollup
from cityops.evaluation.rollups import fact_rollups_refresh


class Command(BaseCommand):
    help = ("Build the evaluation's monthly rollups of settled (closed or voided) case facts: every month, or with "
            "--changed only the months whose facts changed since the last run (what the worker does).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--changed", action="store_true",
                            help="Only the months with settled facts built since the last rollup.")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        case_facts_refresh()
        months = fact_rollups_refresh(full=not options["changed"])
        self.stdout.write(f"{months} monthly rollups built ({FactRollup.objects.count()} rows) "
                          f"in {time.monotonic() - started:.1f} s")
