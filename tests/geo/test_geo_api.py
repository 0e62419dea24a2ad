"""/api/v1/geo: locate, regions as GeoJSON, region detail; with the can / can't / not-found trio."""

from __future__ import annotations

import hashlib

import pytest

from cityops.org.models import ApiToken

LOCATE = "/api/v1/geo/locate"
REGIONS = "/api/v1/geo/regions"


def _token(user, *scopes: str) -> str:
    secret = f"tok{user.pk}.s3cret-value"
    ApiToken.objects.create(user=user, name="test", prefix=f"tok{user.pk}",
                            key_hash=hashlib.sha256(secret.encode()).hexdigest(), scopes=list(scopes))
    return secret


@pytest.fixture
def inspector_client(client, personas):
    client.force_login(personas["inspector"])
    return client


def test_locate_answers_the_grid_and_its_ancestors(inspector_client, city):
    body = inspector_client.get(LOCATE, {"lon": 104.005, "lat": 30.015}).json()
    assert body["grid"]["code"] == "510104001001001"
    assert body["community"]["code"] == "510104001001"
    assert body["street"]["code"] == "510104001"
    assert body["district"] == {"id": city.districts[0].id, "code": "510104", "name": "东区"}
    assert body["city"]["code"] == "510100"
    assert (body["lon"], body["lat"]) == (104.005, 30.015)


def test_locate_answers_any_district_to_any_staff_user(client, personas):
    # Locating is not scoped: an east-district inspector may still learn a point is in the west district.
    client.force_login(personas["nobody"])
    assert client.get(LOCATE, {"lon": 104.035, "lat": 30.005}).json()["district"]["code"] == "510105"


def test_locate_refuses_a_point_outside_the_service_area(inspector_client):
    response = inspector_client.get(LOCATE, {"lon": 105.0, "lat": 30.0})
    assert response.status_code == 422
    assert response.json()["code"] == "outside_service_area"


@pytest.mark.parametrize("params, field", [
    ({"lon": 200, "lat": 30}, "lon"),
    ({"lon": 104, "lat": -95}, "lat"),
    ({"lon": "abc", "lat": 30}, "lon"),
    ({"lat": 30}, "lon"),
    ({"lon": 104.005, "lat": 30.015, "crs": "epsg3857"}, "crs"),
])
def test_locate_refuses_bad_input_naming_the_field(inspector_client, params, field):
    response = inspector_client.get(LOCATE, params)
    assert response.status_code == 422
    body = response.json()
    assert body.get("field") == field or field in [e["field"] for e in body.get("errors", [])]


def test_locate_accepts_gcj02(inspector_client, city):
    import prcoords

    shifted = prcoords.wgs_gcj(prcoords.Coords(30.015, 104.005))
    body = inspector_client.get(LOCATE, {"lon": shifted.lon, "lat": shifted.lat, "crs": "gcj02"}).json()
    assert body["grid"]["code"] == "510104001001001"


def test_anonymous_callers_get_401(client, city):
    assert client.get(LOCATE, {"lon": 104.005, "lat": 30.015}).status_code == 401
    assert client.get(REGIONS, {"level": "grid"}).status_code == 401


def test_a_token_with_geo_read_may_locate(client, personas):
    token = _token(personas["inspector"], "geo:read")
    response = client.get(LOCATE, {"lon": 104.005, "lat": 30.015}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200


def test_a_token_without_geo_read_gets_403(client, personas):
    token = _token(personas["inspector"], "cases:write")
    response = client.get(LOCATE, {"lon": 104.005, "lat": 30.015}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 403
    assert client.get(REGIONS, {"level": "grid"}, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 403


def test_regions_answers_geojson_within_the_bbox(client, personas):
    client.force_login(personas["leader"])
    body = client.get(REGIONS, {"level": "grid", "bbox": "104.001,30.011,104.009,30.019", "zoom": 16}).json()
    assert body["type"] == "FeatureCollection"
    assert [f["properties"]["code"] for f in body["features"]] == ["510104001001001"]
    feature = body["features"][0]
    assert feature["geometry"]["type"] == "Polygon"
    assert feature["properties"]["parent_code"] == "510104001001"
    whole = client.get(REGIONS, {"level": "grid", "bbox": "103,29,105,31"}).json()
    assert len(whole["features"]) == 8


def test_regions_are_limited_to_the_callers_scope(inspector_client):
    body = inspector_client.get(REGIONS, {"level": "grid", "bbox": "103,29,105,31"}).json()
    assert {f["properties"]["code"][:6] for f in body["features"]} == {"510104"}
    assert len(body["features"]) == 4


def test_regions_asks_to_zoom_in_when_too_many_match(client, personas, settings):
    settings.CITYOPS_GEO_MAX_FEATURES = 3
    client.force_login(personas["leader"])
    response = client.get(REGIONS, {"level": "grid", "bbox": "103,29,105,31"})
    assert response.status_code == 422
    assert "Zoom in" in response.json()["detail"] or "放大" in response.json()["detail"]


@pytest.mark.parametrize("bbox", ["1,2,3", "a,b,c,d", "105,30,104,31", "104,30,200,31"])
def test_regions_refuses_a_bad_bbox_naming_it(inspector_client, bbox):
    response = inspector_client.get(REGIONS, {"level": "grid", "bbox": bbox})
    assert response.status_code == 422
    assert response.json()["field"] == "bbox"


def test_regions_refuses_an_unknown_level(inspector_client):
    response = inspector_client.get(REGIONS, {"level": "planet"})
    assert (response.status_code, response.json()["field"]) == (422, "level")


def test_region_detail_shows_parents_counts_and_inspectors(client, personas, city):
    grid = city.grids[0]
    grid.inspectors.add(personas["inspector"])
    client.force_login(personas["leader"])
    body = client.get(f"{REGIONS}/{grid.code}").json()
    assert [p["code"] for p in body["parents"]] == ["510100", "510104", "510104001", "510104001001"]
    assert body["inspectors"] == ["inspector"]
    district = client.get(f"{REGIONS}/510104").json()
    assert district["children"] == 1
    assert district["descendants"] == {"street": 1, "community": 1, "grid": 4}


def test_region_detail_is_404_outside_the_callers_scope(inspector_client):
    assert inspector_client.get(f"{REGIONS}/510104").status_code == 200
    assert inspector_client.get(f"{REGIONS}/510105").status_code == 404
    assert inspector_client.get(f"{REGIONS}/510105001001001").status_code == 404
    assert inspector_client.get(f"{REGIONS}/999999").status_code == 404
