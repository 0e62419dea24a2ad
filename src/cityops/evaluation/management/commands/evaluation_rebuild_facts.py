"""`cityops evaluation-rebuild-facts`: rebuild every case's evaluation fact from its clocks and events."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from cityops.evaluation.facts import case_facts_rebuild_all


class Command(BaseCommand):
    help = "Rebuild the evaluation facts of every case from the case clocks and events."

    def handle(self, *args: Any, **options: Any) -> None:
        count = case_facts_rebuild_all()
        self.stdout.write(f"{count} case facts rebuilt")
