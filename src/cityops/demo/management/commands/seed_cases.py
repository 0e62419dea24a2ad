"""`cityops seed-cases --count N [--open M]`: bulk-generate case histories on the current database, for benchmarks.

The generator and writer are `cityops.demo.seeding` (its docstring says what each case gets).
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from cityops.demo.seeding import SeedingError, seed_cases


class Command(BaseCommand):
    help = (
        "Generate N historical cases (and M open ones) on the current database for benchmarks: "
        "bulk inserts of cases, events, stage clocks and evaluation facts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, required=True, help="How many historical cases.")
        parser.add_argument("--open", type=int, default=0, help="How many more cases open now (default 0).")
        parser.add_argument(
            "--seed", type=int, default=0, help="Seed of the generator (same seed, same cases)."
        )
        parser.add_argument(
            "--days", type=int, default=365, help="Spread the reports over this many past days."
        )
        parser.add_argument("--batch", type=int, default=10_000, help="Cases per insert transaction.")
        parser.add_argument(
            "--jobs",
            type=int,
            default=1,
            help="PostgreSQL: load the historical days in this many processes (default 1).",
        )
        parser.add_argument(
            "--defer-indexes",
            action="store_true",
            help="PostgreSQL: drop the secondary indexes of the tables written while loading and "
            "create them again at the end (much faster for millions of cases; the definitions "
            "are printed first).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["count"] < 0 or options["open"] < 0 or options["count"] + options["open"] < 1:
            raise CommandError(_("--count and --open must not be negative, and one of them positive."))
        if options["days"] < 1 or options["batch"] < 1 or options["jobs"] < 1:
            raise CommandError(_("--days, --batch and --jobs must be positive."))
        started = time.monotonic()
        try:
            report = seed_cases(
                count=options["count"],
                open_count=options["open"],
                seed=options["seed"],
                days=options["days"],
                batch=options["batch"],
                jobs=options["jobs"],
                defer_indexes=options["defer_indexes"],
                progress=self.stdout.write,
            )
        except SeedingError as exc:
            raise CommandError(str(exc)) from exc
        seconds = time.monotonic() - started
        states = ", ".join(f"{state} {n}" for state, n in sorted(report.states.items()))
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Seeded %(n)d cases, %(events)d events and %(clocks)d stage clocks in %(s).1f s (%(rate)d cases/s): "
                    "%(states)s."
                )
                % {
                    "n": report.cases,
                    "events": report.events,
                    "clocks": report.clocks,
                    "s": seconds,
                    "rate": report.cases / max(seconds, 1e-9),
                    "states": states,
                }
            )
        )
