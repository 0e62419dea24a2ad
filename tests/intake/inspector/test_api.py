"""The inspector app's API (/api/v1/inspector): reports with photos, idempotent resends, class picker, pings."""

from __future__ import annotations

import base64
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from cityops.cases.models import Case, CasePhoto, CaseState
from cityops.testing import factories as f
from cityops.tracking.models import PositionPing

API = "/api/v1/inspector"
EAST = (104.005, 30.015)  # 东区网格1
OUTSIDE = (105.0, 31.0)


@pytest.fixture(autouse=True)
def _fast(fast_password_hashing, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def inspector_client(client, personas):
    client.force_login(personas["inspector"])
    return client


def jpeg_b64(color: tuple[int, int, int] = (200, 30, 30)) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buffer, format="JPEG")
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()


def report_body(**overrides):
    body = {"catalog_class": "matter:06010", "description": "路口堆放垃圾", "lon": EAST[0], "lat": EAST[1],
            "photos": [jpeg_b64(), jpeg_b64((0, 90, 0))]}
    body.update(overrides)
    return body


def post_report(client, body, key="k-1"):
    return client.post(f"{API}/reports", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


def test_report_creates_an_inspector_case_with_its_photos(inspector_client, personas):
    response = post_report(inspector_client, report_body())
    assert response.status_code == 201, response.content
    data = response.json()
    case = Case.objects.get(number=data["number"])
    assert (case.source, case.reporter, case.state) == ("inspector", personas["inspector"], CaseState.REPORTED)
    assert data["created"] is True and data["photos"] == 2
    assert CasePhoto.objects.filter(case=case, phase="before").count() == 2


def test_a_resend_with_the_same_key_returns_the_same_case_without_doubling_photos(inspector_client):
    first = post_report(inspector_client, report_body()).json()
    again = post_report(inspector_client, report_body())
    assert again.status_code == 200
    assert again.json()["number"] == first["number"] and again.json()["created"] is False
    assert Case.objects.count() == 1
    assert CasePhoto.objects.count() == 2


def test_a_resend_completes_the_photos_a_broken_first_request_left_out(inspector_client, personas):
    body = report_body()
    post_report(inspector_client, {**body, "photos": body["photos"][:1]})  # the connection died after photo 1
    response = post_report(inspector_client, body)
    assert response.json()["photos"] == 2 and response.json()["photos_added"] == 1
    assert CasePhoto.objects.count() == 2


def test_report_refuses_a_fake_photo_without_leaving_a_case(inspector_client):
    text = "data:image/jpeg;base64," + base64.b64encode(b"not an image").decode()
    response = post_report(inspector_client, report_body(photos=[text]))
    assert response.status_code == 415
    assert Case.objects.count() == 0


def test_report_refuses_more_than_six_photos(inspector_client):
    response = post_report(inspector_client, report_body(photos=[jpeg_b64()] * 7))
    assert response.status_code == 422 and response.json()["field"] == "photos"
    assert Case.objects.count() == 0


def test_report_refuses_a_point_outside_the_city(inspector_client):
    response = post_report(inspector_client, report_body(lon=OUTSIDE[0], lat=OUTSIDE[1], photos=[]))
    assert response.status_code == 422
    assert Case.objects.count() == 0


def test_a_self_handled_report_is_closed_at_once(inspector_client):
    response = post_report(inspector_client, report_body(photos=[], self_handled=True, result="已当场清理"))
    assert response.status_code == 201
    case = Case.objects.get()
    assert case.is_self_handled and case.state == CaseState.CLOSED


@pytest.mark.parametrize("name", ["dispatcher", "handler", "nobody"])
def test_every_endpoint_refuses_users_who_are_not_inspectors(client, personas, name):
    client.force_login(personas[name])
    assert client.get(f"{API}/tasks").status_code == 403
    assert client.get(f"{API}/classes").status_code == 403
    assert post_report(client, report_body()).status_code == 403
    assert client.post(f"{API}/pings", {"lon": 1, "lat": 1}, content_type="application/json").status_code == 403
    assert Case.objects.count() == 0


def test_the_api_needs_a_login(client, city):
    assert client.get(f"{API}/tasks").status_code == 401


def test_a_session_post_without_the_csrf_token_is_refused(personas):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas["inspector"])
    assert post_report(client, report_body()).status_code == 403
    assert Case.objects.count() == 0


def test_a_bearer_token_works_without_csrf(personas, api_token):
    client = Client(enforce_csrf_checks=True)
    header = api_token(personas["inspector"], "cases:write")
    response = client.post(f"{API}/reports", report_body(), content_type="application/json",
                           HTTP_IDEMPOTENCY_KEY="tok-1", HTTP_AUTHORIZATION=header)
    assert response.status_code == 201


def test_classes_list_my_recent_classes_first_then_those_of_open_cases_nearby(inspector_client, personas, city):
    f.make_case(city, catalog_class="matter:06020", reporter=personas["inspector"])
    f.make_case(city, catalog_class="matter:06030", lon=EAST[0], lat=EAST[1])  # someone else's, nearby
    rows = inspector_client.get(f"{API}/classes", {"lon": EAST[0], "lat": EAST[1]}).json()
    assert [(r["code"], r["group"]) for r in rows[:2]] == [("06020", "recent"), ("06030", "nearby")]
    assert rows[2]["group"] == "all" and len({r["code"] for r in rows}) == len(rows)


def test_classes_search_by_pinyin_initials_keeps_recent_ones_first(inspector_client, personas, city):
    rows = inspector_client.get(f"{API}/classes", {"q": "bllj"}).json()
    assert rows and rows[0]["code"] == "06010" and rows[0]["group"] == "search"
    f.make_case(city, catalog_class="matter:06010", reporter=personas["inspector"])
    rows = inspector_client.get(f"{API}/classes", {"q": "垃圾"}).json()
    assert rows[0]["code"] == "06010" and rows[0]["group"] == "recent"


def test_a_ping_is_stored_with_its_grid(inspector_client, personas, city):
    response = inspector_client.post(f"{API}/pings", {"lon": EAST[0], "lat": EAST[1], "accuracy": 12},
                                     content_type="application/json")
    assert response.status_code == 201 and response.json()["grid"] == city.grids[0].code
    ping = PositionPing.objects.get()
    assert (ping.user, ping.grid, ping.accuracy_m) == (personas["inspector"], city.grids[0], 12)


def test_a_ping_outside_the_city_is_stored_without_a_grid(inspector_client):
    response = inspector_client.post(f"{API}/pings", {"lon": OUTSIDE[0], "lat": OUTSIDE[1]},
                                     content_type="application/json")
    assert response.status_code == 201
    assert PositionPing.objects.get().grid is None


def test_pings_closer_than_ten_seconds_are_ignored(inspector_client, personas):
    PositionPing.objects.create(user=personas["inspector"], at=timezone.now() - timedelta(seconds=5), lon=1, lat=1)
    response = inspector_client.post(f"{API}/pings", {"lon": EAST[0], "lat": EAST[1]}, content_type="application/json")
    assert response.status_code == 200 and response.json()["stored"] is False
    assert PositionPing.objects.count() == 1


def test_a_ping_with_an_impossible_position_is_refused(inspector_client):
    response = inspector_client.post(f"{API}/pings", {"lon": 200, "lat": 1}, content_type="application/json")
    assert response.status_code == 422 and response.json()["field"] == "lon"


def test_tasks_list_cases_waiting_for_verification_with_their_deadline(inspector_client, city):
    due = timezone.now() + timedelta(hours=2)
    waiting = f.make_case(city, state=CaseState.VERIFYING, due_at=due)
    f.make_case(city, state=CaseState.REPORTED)
    rows = inspector_client.get(f"{API}/tasks").json()
    assert [r["number"] for r in rows] == [waiting.number]
    assert rows[0]["due_at"] is not None and rows[0]["version"] == waiting.version


def test_grids_mark_the_ones_i_am_responsible_for(inspector_client, personas, city):
    city.grids[0].inspectors.add(personas["inspector"])
    fc = inspector_client.get(f"{API}/grids").json()
    mine = [feat["id"] for feat in fc["features"] if feat["properties"]["mine"]]
    assert mine == [city.grids[0].code]


def test_components_nearby_are_listed_closest_first(inspector_client, city):
    rows = inspector_client.get(f"{API}/components", {"lon": EAST[0], "lat": EAST[1]})
    assert rows.status_code == 200 and rows.json() == []


def test_verify_through_the_api_moves_the_case_with_the_version_seen(inspector_client, city):
    waiting = f.make_case(city, state=CaseState.VERIFYING)
    stale = inspector_client.post(f"{API}/tasks/{waiting.number}/verify", {"version": waiting.version + 5, "yes": True},
                                  content_type="application/json")
    assert stale.status_code == 409
    response = inspector_client.post(f"{API}/tasks/{waiting.number}/verify", {"version": waiting.version, "yes": True},
                                     content_type="application/json")
    assert response.status_code == 200, response.content
    assert Case.objects.get(pk=waiting.pk).state == CaseState.ACCEPTED


def test_a_ping_from_an_administrator_outside_the_city_is_refused_naming_lon(client, personas):
    client.force_login(personas["admin"])
    response = client.post(f"{API}/pings", {"lon": 0, "lat": 0}, content_type="application/json")
    assert response.status_code == 422, response.content
    assert (response.json()["code"], response.json()["field"]) == ("outside_service_area", "lon")
    assert not PositionPing.objects.exists()


def test_a_ping_with_a_boolean_accuracy_is_refused(inspector_client):
    response = inspector_client.post(f"{API}/pings", {"lon": EAST[0], "lat": EAST[1], "accuracy": True},
                                     content_type="application/json")
    assert response.status_code == 422 and response.json()["field"] == "accuracy"
    assert not PositionPing.objects.exists()


def test_the_ping_schema_states_its_bounds():
    from cityops.api import api

    schema = api.get_openapi_schema()["components"]["schemas"]["PingIn"]["properties"]
    assert (schema["lon"]["minimum"], schema["lon"]["maximum"], schema["lat"]["maximum"]) == (-180, 180, 90)
    accuracy = schema["accuracy"]["anyOf"][0]
    assert (accuracy["minimum"], accuracy["maximum"]) == (0, 100_000)


def test_a_class_search_longer_than_the_schema_allows_is_refused_not_cut(inspector_client):
    response = inspector_client.get(f"{API}/classes", {"q": "垃" * 41})
    assert response.status_code == 422 and response.json()["field"] == "q"
