"""`cityops import-regions LEVEL FILE`: import one level of regions from GeoJSON or an ESRI Shapefile."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from cityops.core.errors import DomainError
from cityops.geo.importers import FieldMap, read_region_file
from cityops.geo.models import Level
from cityops.geo.services import regions_import


class Command(BaseCommand):
    help = ("Import or update the regions of one level (city, district, street, community, grid) from a GeoJSON "
            "FeatureCollection or a polygon Shapefile in WGS84 lon/lat. All or nothing.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("level", choices=Level.values)
        parser.add_argument("file", help=".geojson/.json or .shp (with its .dbf and .shx)")
        parser.add_argument("--code-field", default="code", help="attribute holding the region code (code)")
        parser.add_argument("--name-field", default="name", help="attribute holding the name (name)")
        parser.add_argument("--parent-field", default="parent_code",
                            help="attribute holding the parent's code (parent_code); derived from the code if absent")
        parser.add_argument("--name-en-field", default="name_en", help="attribute holding the English name (name_en)")
        parser.add_argument("--encoding", help="text encoding of a Shapefile's .dbf (default: .cpg or UTF-8, then GBK)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")

    def handle(self, *args: Any, **options: Any) -> None:
        fields = FieldMap(code=options["code_field"], name=options["name_field"], parent=options["parent_field"],
                          name_en=options["name_en_field"])
        show = not options["no_progress"]

        def progress(items: Iterable, total: int, desc: str) -> Iterable:
            # Only worth a bar for big files; to stderr so stdout stays the report.
            return tqdm(items, total=total, desc=desc, file=sys.stderr, disable=not show or total < 1000,
                        leave=False)

        try:
            features = read_region_file(options["file"], fields=fields, encoding=options["encoding"])
            report = regions_import(level=options["level"], features=features, actor="command:import-regions",
                                    source=str(options["file"]), progress=progress)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"{report.level}: {report.total} features, {len(report.created)} created, "
                          f"{len(report.updated)} updated, {report.unchanged} unchanged.")
        if options["verbosity"] >= 2:
            for code in report.created:
                self.stdout.write(f"  created {code}")
            for code in report.updated:
                self.stdout.write(f"  updated {code}")
