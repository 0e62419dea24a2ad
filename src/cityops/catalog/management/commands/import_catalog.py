"""`cityops import-catalog [--components FILE] [--events FILE]`: (re)load the GB/T 47678.5 catalogue."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cityops.catalog.services import catalog_import
from cityops.core.errors import DomainError


class Command(BaseCommand):
    help = "Import or update the component and matter classes from CSV (defaults: the packaged GB/T 47678.5 lists)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--components", help="components CSV (default: the packaged components.csv)")
        parser.add_argument("--events", help="matters CSV (default: the packaged events.csv)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = catalog_import(
                components_path=options["components"], events_path=options["events"], actor="command:import-catalog"
            )
        except DomainError as exc:
            details = "".join(f"\n  row {e['row']}: {e['message']}" for e in exc.details if "row" in e)
            raise CommandError(f"{exc.message}{details}") from exc
        self.stdout.write(
            f"Catalogue imported: {result.created} created, {result.updated} updated, {result.unchanged} unchanged."
        )
