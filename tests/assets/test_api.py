import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cityops.assets.models import Component, ComponentStatus
from cityops.core.models import AuditEvent

pytestmark = pytest.mark.django_db

URL = "/api/v1/assets"
CITY_BBOX = "104.0,30.0,104.04,30.02"


@pytest.fixture
def as_user(client, personas):
    def login(name):
        client.force_login(personas[name])
        return client

    return login


def idents(features):
    return sorted(f["id"] for f in features)


class TestMap:
    def test_anonymous_gets_401(self, client, census):
        assert client.get(URL, {"bbox": CITY_BBOX}).status_code == 401

    def test_returns_a_feature_collection_inside_the_bbox(self, as_user, census):
        body = as_user("admin").get(URL, {"bbox": "104.0,30.0,104.0052,30.02"}).json()
        assert body["type"] == "FeatureCollection"
        assert idents(body["features"]) == [census["east1"].ident]
        feature = body["features"][0]
        assert feature["geometry"] == {"type": "Point", "coordinates": [104.005, 30.015]}
        assert feature["properties"]["class_name"] == "供水井盖"

    def test_is_scoped_to_the_users_district(self, as_user, census):
        east = as_user("inspector").get(URL, {"bbox": CITY_BBOX}).json()["features"]
        assert idents(east) == sorted(census[k].ident for k in ("east1", "east2", "east_lamp"))

    def test_other_districts_handler_sees_only_the_west(self, as_user, census):
        west = as_user("other_handler").get(URL, {"bbox": CITY_BBOX}).json()["features"]
        assert idents(west) == [census["west1"].ident]

    def test_filters_by_class_and_status(self, as_user, census):
        client = as_user("admin")
        assert len(client.get(URL, {"bbox": CITY_BBOX, "class": "component:01032"}).json()["features"]) == 1
        assert len(client.get(URL, {"bbox": CITY_BBOX, "class": "01001"}).json()["features"]) == 3
        assert client.get(URL, {"bbox": CITY_BBOX, "status": "lost"}).json()["features"] == []

    @pytest.mark.parametrize("params", [{}, {"bbox": "1,2,3"}, {"bbox": "104.1,30,104.0,30.1"},
                                        {"bbox": CITY_BBOX, "class": "matter:06010"},
                                        {"bbox": CITY_BBOX, "status": "broken"}])
    def test_refuses_a_missing_or_bad_bbox_and_bad_filters_with_422(self, as_user, census, params):
        assert as_user("admin").get(URL, params).status_code == 422

    def test_asks_to_zoom_in_beyond_the_limit(self, as_user, census):
        response = as_user("admin").get(URL, {"bbox": CITY_BBOX, "limit": 2})
        assert response.status_code == 422
        assert "Zoom in" in response.json()["detail"] and response.json()["field"] == "bbox"


class TestNearest:
    def test_sorts_by_distance_within_the_radius(self, as_user, census):
        body = as_user("admin").get(f"{URL}/nearest", {"lon": 104.0051, "lat": 30.015, "radius": 200}).json()
        assert [b["ident"] for b in body] == [census[k].ident for k in ("east1", "east2", "east_lamp")]
        assert body[0]["distance_m"] < body[1]["distance_m"] < body[2]["distance_m"] < 200

    def test_filters_by_class_and_limit(self, as_user, census):
        client = as_user("admin")
        body = client.get(f"{URL}/nearest", {"lon": 104.0051, "lat": 30.015, "class": "01032"}).json()
        assert [b["ident"] for b in body] == [census["east_lamp"].ident]
        assert len(client.get(f"{URL}/nearest", {"lon": 104.0051, "lat": 30.015, "limit": 1}).json()) == 1

    def test_leaves_out_what_is_beyond_the_radius_or_scope(self, as_user, census):
        body = as_user("inspector").get(f"{URL}/nearest", {"lon": 104.02, "lat": 30.015, "radius": 5000}).json()
        assert census["west1"].ident not in [b["ident"] for b in body]
        near = as_user("admin").get(f"{URL}/nearest", {"lon": 104.025, "lat": 30.015, "radius": 50}).json()
        assert [b["ident"] for b in near] == [census["west1"].ident]

    def test_leaves_out_removed_components(self, as_user, census):
        Component.objects.filter(pk=census["east1"].pk).update(status=ComponentStatus.REMOVED)
        body = as_user("admin").get(f"{URL}/nearest", {"lon": 104.005, "lat": 30.015}).json()
        assert census["east1"].ident not in [b["ident"] for b in body]

    @pytest.mark.parametrize("params", [{"lon": 104.0, "lat": 30.0, "radius": 0},
                                        {"lon": 104.0, "lat": 30.0, "radius": 50000},
                                        {"lon": 104.0, "lat": 30.0, "limit": 0}, {"lat": 30.0}])
    def test_refuses_bad_parameters_with_422(self, as_user, census, params):
        assert as_user("admin").get(f"{URL}/nearest", params).status_code == 422


class TestDetail:
    def test_shows_the_standard_attributes(self, as_user, census):
        body = as_user("inspector").get(f"{URL}/{census['east1'].ident}").json()
        assert body["grid"]["code"] == "510104001001001" and body["status"] == "intact"

    def test_is_404_outside_the_scope_and_for_unknown_idents(self, as_user, census):
        client = as_user("inspector")
        assert client.get(f"{URL}/{census['west1'].ident}").status_code == 404
        assert client.get(f"{URL}/51010401001999999").status_code == 404
        assert as_user("nobody").get(f"{URL}/{census['east1'].ident}").status_code == 404


class TestCreate:
    body = {"catalog_class": "01001", "lon": 104.005, "lat": 30.015, "name": "供水井盖", "status": "完好"}

    def test_admin_creates_with_an_allocated_ident(self, as_user, city):
        response = as_user("admin").post(URL, self.body, content_type="application/json")
        assert response.status_code == 201
        assert response.json()["ident"] == "51010401001000001"

    def test_anonymous_401_and_non_admin_403(self, client, as_user, city):
        assert client.post(URL, self.body, content_type="application/json").status_code == 401
        assert as_user("inspector").post(URL, self.body, content_type="application/json").status_code == 403
        assert not Component.objects.exists()

    def test_bad_input_is_422_with_the_field(self, as_user, city):
        response = as_user("admin").post(URL, {**self.body, "lon": 110.0}, content_type="application/json")
        assert response.status_code == 422 and response.json()["field"] == "lon"

    def test_a_token_needs_the_assets_write_scope(self, client, personas, api_token, city):
        reader = api_token(personas["admin"], "assets:read")
        assert client.post(URL, self.body, content_type="application/json",
                           HTTP_AUTHORIZATION=reader).status_code == 403
        writer = api_token(personas["inspector"], "assets:read", "assets:write")
        assert client.post(URL, self.body, content_type="application/json",
                           HTTP_AUTHORIZATION=writer).status_code == 201

    def test_a_token_writes_only_inside_its_users_scope(self, client, personas, api_token, city):
        writer = api_token(personas["inspector"], "assets:write")
        response = client.post(URL, {**self.body, "lon": 104.025}, content_type="application/json",
                               HTTP_AUTHORIZATION=writer)
        assert response.status_code == 403 and not Component.objects.exists()

    def test_a_token_without_assets_read_cannot_read(self, client, personas, api_token, census):
        token = api_token(personas["admin"], "catalog:read")
        assert client.get(URL, {"bbox": CITY_BBOX}, HTTP_AUTHORIZATION=token).status_code == 403


class TestStatus:
    def test_admin_changes_the_status_with_audit(self, as_user, census):
        ident = census["east1"].ident
        response = as_user("admin").post(f"{URL}/{ident}/status", {"status": "damaged"},
                                         content_type="application/json")
        assert response.status_code == 200 and response.json()["status"] == "damaged"
        assert AuditEvent.objects.filter(action="assets.component.status_changed").count() == 1

    def test_non_admin_gets_403_and_nothing_changes(self, as_user, census):
        ident = census["east1"].ident
        assert as_user("inspector").post(f"{URL}/{ident}/status", {"status": "lost"},
                                         content_type="application/json").status_code == 403
        assert Component.objects.get(ident=ident).status == ComponentStatus.INTACT

    def test_bad_status_is_422(self, as_user, census):
        response = as_user("admin").post(f"{URL}/{census['east1'].ident}/status", {"status": "gone"},
                                         content_type="application/json")
        assert response.status_code == 422 and response.json()["field"] == "status"


def test_photo_upload_checks_the_content(as_user, census, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = as_user("admin")
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, format="PNG")
    url = f"{URL}/{census['east1'].ident}/photos"
    good = client.post(url, {"image": SimpleUploadedFile("a.png", buffer.getvalue()), "caption": "现场"})
    assert good.status_code == 201
    bad = client.post(url, {"image": SimpleUploadedFile("a.jpg", b"<?php echo 1; ?>")})
    assert bad.status_code == 422 and bad.json()["field"] == "image"
