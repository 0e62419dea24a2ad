from typing import Any

from django.core.management.base import BaseCommand

from cityops.open311.services import COMMON_CLASS_CODES, open311_services_expose


class Command(BaseCommand):
    help = "Expose matter classes as Open311 services (default: about twenty common classes)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("codes", nargs="*", help="class codes such as 06010 (default: the common classes)")

    def handle(self, *args: Any, codes: list[str], **options: Any) -> None:
        made = open311_services_expose(actor="cityops open311_expose", codes=codes or COMMON_CLASS_CODES)
        self.stdout.write(f"{len(made)} services exposed.")
