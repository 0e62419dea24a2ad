"""Open311 shows exactly what the citizen portal shows: the same cases, the same fields, by one rule.

For each way a case comes in (a citizen report waiting, accepted, or hidden by moderation; an inspector's,
a hotline call's, a staff entry) the Open311 list, the request by id and the portal's public API agree.
"""

from __future__ import annotations

import json

import pytest

from cityops.intake.models import PublicCategory
from cityops.intake.portal import services as svc
from cityops.intake.services import tracking_code_new
from cityops.testing import factories as f
from tests.intake.portal.support import EAST, accept, photo, solved, staff

pytestmark = pytest.mark.django_db

LIST = "/open311/v2/requests.json"
SECRET = "张三家门口 13800138000"


@pytest.fixture(autouse=True)
def _portal_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.CITYOPS_PORTAL_CHALLENGE_MIN_AGE = 0


def _submit(ip: str):
    token, answer = solved()
    category = PublicCategory.objects.get(catalog_class__code="06010")
    report = svc.PublicReport(category=category.pk, description=SECRET, lon=EAST[0], lat=EAST[1],
                              address="东区一街道 8 号", photos=(photo(),), challenge_token=token,
                              challenge_answer=answer)
    return svc.portal_report_submit(report=report, ip=ip)


def _staff_case(city, source: str, **fields):
    # Cases the staff write down are accepted at once (registered); their text is the staff's, not a citizen's.
    return f.make_case(city, catalog_class="matter:06010", source=source, state="registered", lon=EAST[0],
                       lat=EAST[1], description=SECRET, address="东区一街道 8 号", **fields)


@pytest.fixture
def cases(city, personas, services):
    cast = staff(personas, city)
    hidden = _submit("198.51.100.3")
    svc.case_public_hide(case=hidden, actor=cast["acceptor"])
    return {
        "citizen_waiting": _submit("198.51.100.1"),
        "citizen_accepted": accept(_submit("198.51.100.2"), cast),
        "citizen_hidden": accept(hidden, cast),
        "inspector": _staff_case(city, "inspector"),
        "hotline": _staff_case(city, "hotline", tracking_code=tracking_code_new()),
        "staff": _staff_case(city, "staff"),
    }


def _portal(client, case) -> dict | None:
    if not case.tracking_code:
        return None  # the portal has no way to reach a case without a tracking code
    response = client.get(f"/api/v1/public/requests/{case.tracking_code}")
    assert response.status_code == 200, response.content
    return response.json()


def _open311(client, number: str) -> dict | None:
    response = client.get(f"/open311/v2/requests/{number}.json")
    if response.status_code == 404:
        assert response.json()[0]["code"] == 404  # the spec's error list
        return None
    assert response.status_code == 200, response.content
    return response.json()[0]


@pytest.mark.parametrize("kind", ["citizen_waiting", "citizen_accepted", "citizen_hidden", "inspector", "hotline",
                                  "staff"])
def test_open311_and_the_portal_agree_on_each_kind_of_case(client, cases, kind):
    case = cases[kind]
    portal, ours = _portal(client, case), _open311(client, case.number)
    listed = {r["service_request_id"]: r for r in client.get(LIST).json()}
    assert (ours is None) == (portal is None)
    assert (case.number in listed) == (portal is not None)
    if portal is None:
        return
    assert listed[case.number] == ours
    assert ours["description"] == portal["description"]
    assert ours["address"] == portal["address"]
    assert ([ours["long"], ours["lat"]] if ours["lat"] is not None else None) == portal["location"]
    portal_photo = portal["photos"][0]["url"] if portal["photos"] else None
    assert (ours["media_url"] and ours["media_url"].removeprefix("http://testserver")) == portal_photo
    assert ours["status_notes"] == portal["result"]


@pytest.mark.parametrize(("kind", "shown"), [
    ("citizen_waiting", False), ("citizen_accepted", True), ("citizen_hidden", False), ("hotline", False),
])
def test_only_an_accepted_visible_citizen_report_shows_its_text_place_and_photo(client, cases, kind, shown):
    row = _open311(client, cases[kind].number)
    fields = ("description", "address", "lat", "long", "media_url")
    assert all((row[k] is not None) == shown for k in fields), row
    assert (SECRET in json.dumps(row, ensure_ascii=False)) == shown


@pytest.mark.parametrize("kind", ["inspector", "staff"])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_case_the_portal_does_not_show_is_a_404_error_list_and_absent_from_the_list(client, cases, kind, fmt):
    number = cases[kind].number
    response = client.get(f"/open311/v2/requests/{number}.{fmt}")
    assert response.status_code == 404
    assert number.encode() not in client.get(f"/open311/v2/requests.{fmt}").content
    assert number not in {r["service_request_id"] for r in client.get(LIST, {"service_request_id": number}).json()}


def test_the_position_is_the_portal_s_rounded_one(client, cases):
    row = _open311(client, cases["citizen_accepted"].number)
    assert (row["long"], row["lat"]) == (round(cases["citizen_accepted"].lon, 5), round(cases["citizen_accepted"].lat, 5))


def test_the_portal_map_shows_exactly_the_cases_whose_place_open311_shows(client, cases):
    nearby = client.get("/api/v1/public/nearby", {"lon": EAST[0], "lat": EAST[1], "radius": 500}).json()
    placed = [r for r in client.get(LIST).json() if r["lat"] is not None]
    assert len(nearby) == len(placed) == 1
    assert (nearby[0]["lon"], nearby[0]["lat"]) == (placed[0]["long"], placed[0]["lat"])


def test_a_request_just_posted_through_open311_is_public_but_shows_nothing_before_acceptance(client, cases, api_key):
    form = {"api_key": api_key, "service_code": "06010", "lat": str(EAST[1]), "long": str(EAST[0]),
            "description": SECRET, "attribute[SIZE]": "small"}
    number = client.post(LIST, form).json()[0]["service_request_id"]
    row = _open311(client, number)
    assert row["status"] == "open" and row["description"] is None and row["lat"] is None


def test_the_media_url_is_the_portal_s_photo_and_can_be_fetched(client, cases):
    url = _open311(client, cases["citizen_accepted"].number)["media_url"]
    assert url.startswith("http://testserver/")
    response = client.get(url.removeprefix("http://testserver"))
    assert response.status_code == 200 and response["Content-Type"].startswith("image/")
