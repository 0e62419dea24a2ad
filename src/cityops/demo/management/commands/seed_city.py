"""`cityops seed-city`: write only the demo geography (regions and grids), e.g. for the benchmarks."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from cityops.core.errors import DomainError
from cityops.demo.city import build_city


class Command(BaseCommand):
    help = "Build the demo city's regions and unit grids into an empty region table (216 × 216 = 46,656 grids by default)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--grids", type=int, default=216 * 216, help="About how many unit grids.")
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            report = build_city(grids=options["grids"], seed=options["seed"], actor="cityops seed-city")
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        counts = ", ".join(f"{level} {n}" for level, n in report.counts.items())
        self.stdout.write(self.style.SUCCESS(
            _("Built %(counts)s in %(seconds).1f s.") % {"counts": counts, "seconds": time.monotonic() - started}
        ))
