"""The one map's other layers: regions coloured by load, inspectors' positions and tracks, components."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cityops.assets import selectors as assets_selectors
from cityops.command import selectors
from cityops.core.errors import Forbidden, InvalidInput, NotFound
from cityops.org.models import Role
from cityops.testing import factories as f
from cityops.tracking import selectors as tracking_selectors
from cityops.tracking.models import PositionPing
from tests.cases.workflow_cast import local

from .conftest import CITY_BBOX

BBOX = (104.0, 30.0, 104.04, 30.03)


def load(user, zoom=15, level=None, **params):
    return selectors.region_load(user=user, bbox=BBOX, zoom=zoom, filters=selectors.map_filters(params), level=level)


def by_code(collection) -> dict[str, dict]:
    return {feature["properties"]["code"]: feature["properties"] for feature in collection["features"]}


# --- load ------------------------------------------------------------------------------------------------------


def test_grids_carry_their_open_and_overdue_counts(cast, handmade):
    result = load(cast["leader"])
    assert result["level"] == "grid"
    grids = by_code(result)
    assert len(grids) == 8
    assert (grids["510104001001001"]["open"], grids["510104001001001"]["overdue"]) == (4, 1)
    assert (grids["510105001001001"]["open"], grids["510105001001001"]["overdue"]) == (2, 0)
    assert grids["510104001001002"]["open"] == 0
    assert (result["max_open"], result["max_overdue"]) == (4, 1)
    assert result["features"][0]["geometry"]["type"] == "Polygon"


def test_the_level_follows_the_zoom_and_can_be_chosen(cast, handmade):
    assert load(cast["leader"], zoom=12)["level"] == "street"
    assert load(cast["leader"], zoom=13)["level"] == "community"
    districts = by_code(load(cast["leader"], zoom=10))
    assert (districts["510104"]["open"], districts["510105"]["open"]) == (4, 2)
    assert load(cast["leader"], zoom=15, level="district")["level"] == "district"
    with pytest.raises(InvalidInput) as refused:
        load(cast["leader"], level="city")
    assert refused.value.field == "level"


def test_load_is_scoped_and_filtered(cast, handmade):
    grids = by_code(load(cast["dispatcher"]))
    assert set(grids) == {f"510104001001{n:03d}" for n in range(1, 5)}
    overdue_only = by_code(load(cast["leader"], overdue="on"))
    assert overdue_only["510104001001001"]["open"] == 1 and overdue_only["510105001001001"]["open"] == 0


def test_the_load_api(as_user, handmade):
    response = as_user("dispatcher").get("/api/v1/command/load", {"bbox": CITY_BBOX, "zoom": "15"})
    assert response.status_code == 200 and len(response.json()["features"]) == 4
    assert as_user("handler").get("/api/v1/command/load", {"bbox": CITY_BBOX, "zoom": "15"}).status_code == 403
    bad = as_user("leader").get("/api/v1/command/load", {"bbox": CITY_BBOX, "zoom": "99"})
    assert bad.status_code == 422 and bad.json()["field"] == "zoom"


# --- inspectors ------------------------------------------------------------------------------------------------


@pytest.fixture
def patrols(cast, city):
    """The 东区 inspector's morning walk and a 西区 inspector's last position; NOW is noon."""
    west_inspector = f.make_user("west_inspector", Role.INSPECTOR, scope_region=city.districts[1])
    east_grid, west_grid = city.grids[0], city.grids[4]
    walk = [(local(2026, 3, 4, 9, m), 104.001 + m * 0.0001, 30.015) for m in (0, 10, 20)]
    for at, lon, lat in walk:
        PositionPing.objects.create(user=cast["inspector"], at=at, lon=lon, lat=lat, grid=east_grid)
    PositionPing.objects.create(user=cast["inspector"], at=local(2026, 3, 3, 16, 0), lon=104.005, lat=30.015,
                                grid=east_grid)  # yesterday
    PositionPing.objects.create(user=west_inspector, at=local(2026, 3, 4, 11, 0), lon=104.025, lat=30.015,
                                grid=west_grid)
    return {"west_inspector": west_inspector, "walk": walk, "now": local(2026, 3, 4, 12, 0)}


def positions(user, patrols, hours=8):
    return tracking_selectors.inspector_positions(user=user, hours=hours, now=patrols["now"])


def test_each_inspector_shows_at_their_last_position(cast, patrols):
    result = positions(cast["leader"], patrols)
    by_user = {f["properties"]["username"]: f for f in result["features"]}
    assert set(by_user) == {"inspector", "west_inspector"}
    assert by_user["inspector"]["geometry"]["coordinates"] == [104.003, 30.015]
    assert by_user["inspector"]["properties"]["at"] == local(2026, 3, 4, 9, 20)


def test_positions_older_than_the_window_are_left_out(cast, patrols):
    names = {f["properties"]["username"] for f in positions(cast["leader"], patrols, hours=2)["features"]}
    assert names == {"west_inspector"}
    with pytest.raises(InvalidInput) as refused:
        positions(cast["leader"], patrols, hours=0)
    assert refused.value.field == "hours"


def test_a_district_dispatcher_sees_only_their_districts_inspectors(cast, patrols):
    names = {f["properties"]["username"] for f in positions(cast["dispatcher"], patrols)["features"]}
    assert names == {"inspector"}


def test_a_track_is_the_inspectors_pings_of_one_day_in_order(cast, patrols):
    track = tracking_selectors.inspector_track(user=cast["dispatcher"], username="inspector", day="2026-03-04")
    assert track["geometry"]["coordinates"] == [[lon, lat] for _at, lon, lat in patrols["walk"]]
    assert track["properties"]["points"] == 3 and track["properties"]["day"] == "2026-03-04"
    yesterday = tracking_selectors.inspector_track(user=cast["dispatcher"], username="inspector", day="2026-03-03")
    assert yesterday["geometry"]["coordinates"] == [[104.005, 30.015]]


def test_a_track_outside_the_scope_or_of_a_non_inspector_is_not_found(cast, patrols):
    for username in ("west_inspector", "dispatcher", "ghost"):
        with pytest.raises(NotFound):
            tracking_selectors.inspector_track(user=cast["dispatcher"], username=username, day="2026-03-04")
    with pytest.raises(InvalidInput) as refused:
        tracking_selectors.inspector_track(user=cast["dispatcher"], username="inspector", day="4 March")
    assert refused.value.field == "day"


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_track_day_at_the_calendars_edge_is_refused_naming_it(as_user, cast, day):
    response = as_user("dispatcher").get("/api/v1/command/inspectors/inspector/track", {"day": day})
    assert response.status_code == 422 and response.json()["field"] == "day"


def test_the_inspector_apis(as_user, cast, city):
    at = timezone.now() - dt.timedelta(minutes=5)
    PositionPing.objects.create(user=cast["inspector"], at=at, lon=104.005, lat=30.015, grid=city.grids[0])
    client = as_user("dispatcher")
    assert [f["id"] for f in client.get("/api/v1/command/inspectors").json()["features"]] == ["inspector"]
    track = client.get("/api/v1/command/inspectors/inspector/track", {"day": timezone.localdate(at).isoformat()})
    assert track.status_code == 200 and track.json()["properties"]["points"] == 1
    assert client.get("/api/v1/command/inspectors/ghost/track").status_code == 404
    # Refused before the view (core.middleware), not a 500 on PostgreSQL.
    response = client.get("/api/v1/command/inspectors/%00/track")
    assert response.status_code == 422 and response.json()["field"] == "path"
    assert as_user("inspector").get("/api/v1/command/inspectors").status_code == 403


# --- components --------------------------------------------------------------------------------------------------


def test_components_appear_only_at_close_zoom(cast, city):
    from cityops.assets.models import Component
    from cityops.catalog.selectors import catalog_class_from_ref

    cover = catalog_class_from_ref("component:01001")
    Component.objects.create(ident="51010401001000001", catalog_class=cover, lon=104.003, lat=30.015,
                             grid=city.grids[0], region_path=city.grids[0].path, survey_date=dt.date(2026, 1, 5))
    far = assets_selectors.component_layer(user=cast["dispatcher"], bbox=BBOX, zoom=14)
    assert far["features"] == [] and far["zoom_in"] is True
    near = assets_selectors.component_layer(user=cast["dispatcher"], bbox=(104.0, 30.01, 104.01, 30.02), zoom=17)
    assert [feature["id"] for feature in near["features"]] == ["51010401001000001"] and near["zoom_in"] is False
    with pytest.raises(Forbidden):
        assets_selectors.component_layer(user=cast["handler"], bbox=BBOX, zoom=17)
