"""A synthetic square city of unit grids for the geo tests (fast: bulk inserts, no per-row saves).

Layout for a side of n grids (~100 m each, starting at 103.95°E 30.55°N): districts are vertical strips
(up to 6), each split into streets from north to south (up to 6), each street into 2 × 2 communities, each
community into its grids numbered row by row from the north-west corner.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from shapely.geometry import box

from cityops.geo.geometry import region_geometry_fields
from cityops.geo.models import Level, Region
from cityops.geo.services import region_set_changed

ORIGIN_LON, ORIGIN_LAT = 103.95, 30.55
GRID_DLON, GRID_DLAT = 0.00104, 0.0009  # ~100 m × 100 m at 30.6°N
CITY_CODE = "510100"


@dataclass(frozen=True)
class Block:
    """A rectangle of grid cells: columns [c0, c1) west → east, rows [r0, r1) north → south."""

    c0: int
    c1: int
    r0: int
    r1: int

    def polygon(self, side: int):
        return box(*cell_bounds(self.c0, self.r1 - 1, side)[:2], *cell_bounds(self.c1 - 1, self.r0, side)[2:])

    def split(self, cols: int, rows: int) -> Iterator[Block]:
        for rs in np.array_split(np.arange(self.r0, self.r1), rows):
            for cs in np.array_split(np.arange(self.c0, self.c1), cols):
                if len(rs) and len(cs):
                    yield Block(int(cs[0]), int(cs[-1]) + 1, int(rs[0]), int(rs[-1]) + 1)


def cell_bounds(col: int, row: int, side: int) -> tuple[float, float, float, float]:
    """(min_lon, min_lat, max_lon, max_lat) of the grid cell at `col`, `row` (row 0 is the northern edge)."""
    # Each edge from its own index (not edge + step), so neighbours share bit-identical edges.
    return (ORIGIN_LON + col * GRID_DLON, ORIGIN_LAT + (side - row - 1) * GRID_DLAT,
            ORIGIN_LON + (col + 1) * GRID_DLON, ORIGIN_LAT + (side - row) * GRID_DLAT)


def build_grid_city(*, side: int, districts: int = 6, streets: int = 6) -> Region:
    """Create a side × side grid city with its districts, streets and communities; returns the city."""
    if side < 2 or side * side > 12 * 12 * 999 * 36:
        raise ValueError("side must be between 2 and 2000")
    whole = Block(0, side, 0, side)
    city = _create([_region(Level.CITY, CITY_CODE, "网格市", whole.polygon(side), None)])[0]
    pending = [(city, whole)]
    for level, cols, rows in [(Level.DISTRICT, min(districts, side), 1), (Level.STREET, 1, min(streets, side)),
                              (Level.COMMUNITY, 2, 2)]:
        pending = _create_children(level, pending, cols, rows, side)
    grids: list[Region] = []
    for community, block in pending:
        seq = 0
        for row in range(block.r0, block.r1):
            for col in range(block.c0, block.c1):
                seq += 1
                code = f"{community.code}{seq:03d}"
                grids.append(_region(Level.GRID, code, f"{community.name}{seq}号网格", box(*cell_bounds(col, row, side)),
                                     community))
    _create(grids)
    return city


def _create_children(level: str, parents: list[tuple[Region, Block]], cols: int, rows: int,
                     side: int) -> list[tuple[Region, Block]]:
    blocks: list[Block] = []
    regions: list[Region] = []
    for parent, parent_block in parents:
        for i, block in enumerate(parent_block.split(cols, rows), start=1):
            code = f"5101{i + 3:02d}" if level == Level.DISTRICT else f"{parent.code}{i:03d}"
            suffix = {Level.DISTRICT: "区", Level.STREET: "街道", Level.COMMUNITY: "社区"}[level]
            regions.append(_region(level, code, f"{parent.name}{i}{suffix}", block.polygon(side), parent))
            blocks.append(block)
    return list(zip(_create(regions), blocks, strict=True))


def _region(level: str, code: str, name: str, geom, parent: Region | None) -> Region:
    # bulk_create skips Region.save(), so the materialised path is set here.
    path = f"{parent.path if parent else '/'}{code}/"
    return Region(level=level, code=code, name=name, parent=parent, path=path, **region_geometry_fields(geom))


def _create(regions: list[Region]) -> list[Region]:
    created = Region.objects.bulk_create(regions, batch_size=2000)
    region_set_changed()
    return created
