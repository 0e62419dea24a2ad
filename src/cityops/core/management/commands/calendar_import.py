"""`cityops calendar-import FILE [--year Y] [--reference TEXT] [--note TEXT]`: one year's holiday arrangement."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cityops.core.calendar_file import read_arrangement_file
from cityops.core.errors import DomainError
from cityops.core.services import arrangement_import


class Command(BaseCommand):
    help = ("Import the State Council's holiday arrangement for a year (days off and make-up working days) from a "
            "CSV file; all rows or none; a re-import replaces that year's days and reports what changed; open case "
            "clocks whose deadlines move are recomputed.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="CSV with the columns date,kind,name (see docs/import-formats.md)")
        parser.add_argument("--year", type=int, help="the arrangement's year (default: the latest year in the file)")
        parser.add_argument("--reference", default="", help="the notice, e.g. 国办发明电〔2026〕7号")
        parser.add_argument("--note", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            rows = read_arrangement_file(options["file"])
            result = arrangement_import(rows=rows, year=options["year"], reference=options["reference"],
                                        note=options["note"], source=options["file"], actor="command:calendar-import")
        except DomainError as exc:
            rows = [f"\n  {e['row']} ({e.get('field') or 'file'}): {e['message']}" for e in exc.details if "row" in e]
            summary = f"{len(rows)} row(s) refused, nothing imported:" if rows else f"Nothing imported: {exc.message}"
            raise CommandError(summary + "".join(rows)) from exc
        verb = "created" if result.created else "updated"
        self.stdout.write(
            f"Holiday arrangement {result.year} {verb}: {len(result.added)} days added, {len(result.changed)} "
            f"changed, {len(result.removed)} removed; {result.cases_recomputed} cases' deadlines recomputed."
        )
        for label, days in (("added", result.added), ("changed", result.changed), ("removed", result.removed)):
            if days:
                self.stdout.write(f"  {label}: " + ", ".join(day.isoformat() for day in sorted(days)))
