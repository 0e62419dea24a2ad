"""locate(): point → grid → community → street → district → city."""

from __future__ import annotations

import time

import numpy as np
import prcoords
import pytest
from django.db.models import F

from cityops.core.errors import InvalidInput
from cityops.geo import locate as locate_module
from cityops.geo.locate import Location, locate, locate_many, locate_region
from cityops.geo.models import Level, Region, RegionSetVersion
from cityops.testing.gridcity import ORIGIN_LAT, ORIGIN_LON, cell_bounds


def _centre(grid: Region) -> tuple[float, float]:
    return (grid.min_lon + grid.max_lon) / 2, (grid.min_lat + grid.max_lat) / 2


def test_locate_answers_every_grid_at_its_centre_with_its_ancestors(grid_city):
    assert len(grid_city) == 400
    for grid in grid_city:
        location = locate(*_centre(grid))
        community = grid.parent
        street, district, city = community.parent, community.parent.parent, community.parent.parent.parent
        assert location is not None
        assert (location.grid.id, location.grid.code, location.grid.name) == (grid.id, grid.code, grid.name)
        assert location.community.code == community.code
        assert location.street.code == street.code
        assert location.district.code == district.code
        assert location.city.code == city.code == "510100"


def test_locate_many_answers_every_grid_at_its_centre(grid_city):
    lons, lats = zip(*(_centre(g) for g in grid_city), strict=True)
    ids = locate_many(lons, lats)
    assert ids.dtype == np.int64
    assert ids.tolist() == [g.id for g in grid_city]


def test_locate_refuses_a_point_outside_the_city(grid_city):
    assert locate(ORIGIN_LON - 0.01, ORIGIN_LAT + 0.005) is None
    assert locate(116.4, 39.9) is None
    assert locate_many([ORIGIN_LON - 0.01, 116.4], [ORIGIN_LAT, 39.9]).tolist() == [-1, -1]


def test_locate_answers_none_when_no_regions_exist(db):
    assert locate(104.0, 30.6) is None
    assert locate_many([104.0], [30.6]).tolist() == [-1]


def test_a_point_on_a_shared_edge_answers_the_lowest_code(grid_city):
    # The corner where four grids of the first community meet.
    lon, lat = cell_bounds(1, 0, 20)[:2]
    expected = min(
        (g for g in grid_city if g.min_lon <= lon <= g.max_lon and g.min_lat <= lat <= g.max_lat),
        key=lambda g: g.code,
    )
    assert locate(lon, lat).grid.code == expected.code
    assert locate_many([lon], [lat]).tolist() == [expected.id]


@pytest.mark.parametrize("crs, forward", [("gcj02", prcoords.wgs_gcj), ("bd09", prcoords.wgs_bd)])
def test_shifted_coordinates_land_in_the_same_grid_as_their_wgs84_original(grid_city, crs, forward):
    for grid in grid_city[::7]:
        lon, lat = _centre(grid)
        shifted = forward(prcoords.Coords(lat, lon))
        location = locate(shifted.lon, shifted.lat, crs=crs)
        assert location.grid.id == grid.id
        # The answer carries the converted WGS84 point, within a metre of the original.
        assert abs(location.lon - lon) < 1e-5 and abs(location.lat - lat) < 1e-5
    lons, lats = zip(*(_centre(g) for g in grid_city[:5]), strict=True)
    shifted = [forward(prcoords.Coords(la, lo)) for lo, la in zip(lons, lats, strict=True)]
    ids = locate_many([s.lon for s in shifted], [s.lat for s in shifted], crs=crs)
    assert ids.tolist() == [g.id for g in grid_city[:5]]


@pytest.mark.parametrize(
    "lon, lat, crs, field",
    [(181, 30, "wgs84", "lon"), (-180.5, 30, "wgs84", "lon"), (104, 91, "wgs84", "lat"),
     (float("nan"), 30, "wgs84", "lon"), ("east", 30, "wgs84", "lon"), (104, 30, "utm", "crs")],
)
def test_locate_refuses_invalid_input_naming_the_field(db, lon, lat, crs, field):
    with pytest.raises(InvalidInput) as err:
        locate(lon, lat, crs=crs)
    assert err.value.field == field


def test_locate_many_marks_invalid_points_as_outside(grid_city):
    lon, lat = _centre(grid_city[0])
    assert locate_many([lon, float("nan"), 500.0], [lat, lat, lat]).tolist() == [grid_city[0].id, -1, -1]


def test_location_as_dict_is_json_ready(grid_city):
    grid = grid_city[0]
    data = locate(*_centre(grid)).as_dict()
    assert data["grid"] == {"id": grid.id, "code": grid.code, "name": grid.name}
    assert set(data) == {"lon", "lat", "grid", "community", "street", "district", "city"}
    assert isinstance(locate(*_centre(grid)), Location)


def test_locate_region_answers_a_level_above_the_grid(grid_city):
    grid = grid_city[0]
    assert locate_region(*_centre(grid), Level.STREET).code == grid.parent.parent.code
    assert locate_region(ORIGIN_LON - 1, ORIGIN_LAT, Level.DISTRICT) is None


def test_the_index_is_rebuilt_when_a_region_changes_in_this_process(grid_city):
    grid = grid_city[0]
    assert locate(*_centre(grid)).grid.name == grid.name
    grid.name = "改名网格"
    grid.save()
    assert locate(*_centre(grid)).grid.name == "改名网格"
    grid.delete()
    assert locate(*_centre(grid)) is None


def test_the_index_follows_the_version_bumped_by_another_process(grid_city, settings, monkeypatch):
    grid = grid_city[0]
    settings.CITYOPS_GEO_INDEX_CHECK_SECONDS = 60
    assert locate(*_centre(grid)).grid.name == grid.name
    # Another process renames the grid and bumps the version: no signal reaches this process.
    Region.objects.filter(pk=grid.pk).update(name="别处改名")
    RegionSetVersion.objects.filter(pk=1).update(version=F("version") + 1)
    assert locate(*_centre(grid)).grid.name == grid.name  # still served from the index until the next check
    later = time.monotonic() + 61
    monkeypatch.setattr(locate_module.time, "monotonic", lambda: later)
    assert locate(*_centre(grid)).grid.name == "别处改名"
