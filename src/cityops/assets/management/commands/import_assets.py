"""`cityops import-assets FILE [--format csv|geojson] [--no-progress]`: import or update components."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from cityops.assets.importing import read_records
from cityops.assets.services import components_import
from cityops.core.errors import DomainError


class Command(BaseCommand):
    help = "Import component census records from CSV or GeoJSON; all rows or none; re-import updates by ident."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--format", choices=["csv", "geojson"], help="default: from the file extension")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            records = read_records(options["file"], fmt=options["format"])
            progress = tqdm(records, desc="components", unit="row", disable=options["no_progress"],
                            file=self.stderr._out)
            result = components_import(records=progress, source=options["file"], actor="command:import-assets")
        except DomainError as exc:
            rows = [f"\n  {e['row']}: {e['message']}" for e in exc.details if "row" in e]
            summary = f"{len(rows)} record(s) refused, nothing imported:" if rows else exc.message
            raise CommandError(summary + "".join(rows)) from exc
        self.stdout.write(f"Components imported: {result.created} created, {result.updated} updated.")
