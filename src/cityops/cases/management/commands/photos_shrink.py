from typing import Any

from django.core.management.base import BaseCommand

from cityops.assets.services import component_photos_shrink
from cityops.cases.photos import case_photos_shrink


class Command(BaseCommand):
    help = ("Store again, downscaled to CITYOPS_PHOTO_MAX_EDGE, the case and component photos uploaded before the "
            "limit existed (case photos get a new thumbnail too).")

    def handle(self, *args: Any, **options: Any) -> None:
        cases = case_photos_shrink(actor="cityops photos_shrink")
        components = component_photos_shrink(actor="cityops photos_shrink")
        self.stdout.write(f"{cases} case photos and {components} component photos downscaled.")
