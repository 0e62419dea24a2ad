"""GET requests (every filter), a request by id and tokens, in JSON and XML."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from cityops.cases.models import CaseEvent
from cityops.org.models import Department
from tests.open311.conftest import FIXTURES, parse_xml, public_case

pytestmark = pytest.mark.django_db

URL = "/open311/v2/requests.json"


@pytest.fixture
def cases(city, personas, services):
    now = timezone.now()
    dept = Department.objects.get(code="EAST-CG")
    open_case = public_case(city, catalog_class="matter:06010", reported_at=now - timedelta(days=1),
                            state="dispatched", department=dept, address="一街道 1 号", due_at=now + timedelta(days=2))
    CaseEvent.objects.create(case=open_case, action="case.dispatched", note="已派遣至东区城管局", public=True)
    CaseEvent.objects.create(case=open_case, action="case.commented", note="内部：找张三处理", public=False,
                             actor_label="张三")
    closed = public_case(city, catalog_class="matter:06013", reported_at=now - timedelta(days=3), state="closed",
                         closed_at=now - timedelta(days=2))
    voided = public_case(city, catalog_class="matter:06013", reported_at=now - timedelta(days=4), state="voided")
    old = public_case(city, catalog_class="matter:06010", reported_at=now - timedelta(days=200))
    not_exposed = public_case(city, catalog_class="matter:06028", reported_at=now - timedelta(days=1))
    hidden = public_case(city, catalog_class="matter:06010", reported_at=now - timedelta(days=5), public_hidden=True,
                         description="有人电话 138")
    return {"open": open_case, "closed": closed, "voided": voided, "old": old, "not_exposed": not_exposed,
            "hidden": hidden}


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [r["service_request_id"] for r in response.json()]


def test_requests_default_to_the_last_90_days_of_exposed_classes(client, cases, validate):
    response = client.get(URL)
    validate(response.json(), "requests.json")
    assert set(ids(response)) == {cases[k].number for k in ("open", "closed", "voided", "hidden")}


def test_requests_map_states_to_open_and_closed(client, cases):
    by_id = {r["service_request_id"]: r for r in client.get(URL).json()}
    assert by_id[cases["open"].number]["status"] == "open"
    assert by_id[cases["closed"].number]["status"] == "closed"
    assert by_id[cases["voided"].number]["status"] == "closed"


def test_a_request_shows_public_fields_with_offsets_and_no_internal_notes(client, cases):
    row = next(r for r in client.get(URL).json() if r["service_request_id"] == cases["open"].number)
    # Like the portal: no staff notes (public or not), no staff names, no department.
    assert row["status_notes"] is None
    assert "张三" not in json.dumps(row, ensure_ascii=False)
    assert "东区城管局" not in json.dumps(row, ensure_ascii=False)
    assert row["agency_responsible"] is None
    assert row["service_code"] == "06010" and row["service_name"]
    assert row["address"] == "一街道 1 号"
    for key in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert row[key].endswith("+08:00"), key
        assert datetime.fromisoformat(row[key]).utcoffset() == timedelta(hours=8)


def test_a_closed_request_is_updated_when_it_closed_and_expects_nothing(client, cases):
    row = client.get(URL, {"service_request_id": cases["closed"].number}).json()[0]
    assert datetime.fromisoformat(row["updated_datetime"]) == cases["closed"].closed_at.replace(microsecond=0)
    assert row["expected_datetime"] is None


def test_a_request_hidden_for_moderation_shows_no_description(client, cases):
    row = client.get(URL, {"service_request_id": cases["hidden"].number}).json()[0]
    assert row["description"] is None


def test_service_request_id_takes_a_comma_list_and_overrides_other_filters(client, cases):
    wanted = f"{cases['old'].number},{cases['closed'].number}"
    assert set(ids(client.get(URL, {"service_request_id": wanted, "status": "open"}))) == {
        cases["old"].number, cases["closed"].number}


def test_service_code_filter(client, cases):
    assert set(ids(client.get(URL, {"service_code": "06013"}))) == {cases["closed"].number, cases["voided"].number}


@pytest.mark.parametrize(("status", "expected"), [
    ("open", {"open", "hidden"}), ("closed", {"closed", "voided"}), ("open,closed", {"open", "hidden", "closed", "voided"}),
])
def test_status_filter(client, cases, status, expected):
    assert set(ids(client.get(URL, {"status": status}))) == {cases[k].number for k in expected}


def test_date_window_filters_on_the_requested_time(client, cases):
    now = timezone.localtime()
    start = (now - timedelta(days=3, hours=12)).isoformat()
    end = (now - timedelta(days=1, hours=12)).isoformat()
    assert set(ids(client.get(URL, {"start_date": start, "end_date": end}))) == {cases["closed"].number}


def test_start_date_alone_reaches_back_to_old_requests(client, cases):
    start = (timezone.localtime() - timedelta(days=201)).isoformat()
    assert ids(client.get(URL, {"start_date": start})) == [cases["old"].number]


def test_end_date_alone_is_a_90_day_window_before_it(client, cases):
    end = (timezone.localtime() - timedelta(days=150)).isoformat()
    assert ids(client.get(URL, {"end_date": end})) == [cases["old"].number]


@pytest.mark.parametrize("params", [
    {"start_date": "2026-01-01"}, {"start_date": "2026-01-01T00:00:00"}, {"end_date": "yesterday"},
    {"start_date": "2026-01-01T00:00:00+08:00", "end_date": "2026-06-01T00:00:00+08:00"},
    {"start_date": "2026-02-01T00:00:00+08:00", "end_date": "2026-01-01T00:00:00+08:00"},
    {"status": "pending"},
    # At the calendar's edge or not a real date: a 400 naming it, never an overflow 500.
    {"end_date": "0001-01-01T13:01:00Z"}, {"start_date": "9999-12-31T00:00:00+08:00"},
    {"start_date": "2026-02-30T00:00:00+08:00"}, {"end_date": "2026-01-01T25:00:00+08:00"},
    {"end_date": "2026-01-01T00:00:00+99:00"},
])
def test_bad_filters_are_a_400_error_list(client, cases, params):
    response = client.get(URL, params)
    assert response.status_code == 400
    assert response.json()[0]["code"] == 400


def test_an_offset_sent_unencoded_as_a_space_still_parses(client, cases):
    start = (timezone.localtime() - timedelta(days=2)).replace(microsecond=0).isoformat()
    assert ids(client.get(URL + "?start_date=" + start.replace("+", " "))) == [cases["open"].number]


def test_requests_in_xml(client, cases):
    root = parse_xml(client.get("/open311/v2/requests.xml", {"service_request_id": cases["open"].number}))
    assert root.tag == "service_requests"
    request = root.find("request")
    assert request.findtext("service_request_id") == cases["open"].number
    assert request.findtext("status") == "open"
    assert request.find("media_url") is not None and request.findtext("media_url") == ""
    assert request.findtext("lat") == str(round(cases["open"].lat, 5))


def test_a_request_by_id_is_a_one_item_list(client, cases, validate):
    body = client.get(f"/open311/v2/requests/{cases['open'].number}.json").json()
    validate(body, "requests.json")
    assert len(body) == 1 and body[0]["service_request_id"] == cases["open"].number
    root = parse_xml(client.get(f"/open311/v2/requests/{cases['open'].number}.xml"))
    assert root.findtext("request/service_request_id") == cases["open"].number


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_or_unexposed_request_is_404(client, cases, fmt):
    for number in ("20990101000001", cases["not_exposed"].number):
        response = client.get(f"/open311/v2/requests/{number}.{fmt}")
        assert response.status_code == 404


def test_a_token_resolves_to_its_request(client, cases):
    number = cases["open"].number
    assert client.get(f"/open311/v2/tokens/{number}.json").json() == [{"service_request_id": number, "token": number}]
    root = parse_xml(client.get(f"/open311/v2/tokens/{number}.xml"))
    assert root.findtext("request/token") == number
    assert client.get("/open311/v2/tokens/nope.json").status_code == 404


def test_requests_have_the_shape_clients_know_from_real_cities(client, cases, validate):
    for fixture in ("bloomington_2012_requests.json", "chicago_2014_service_requests.json"):
        real = json.loads((FIXTURES / fixture).read_text())
        validate(real, "requests.json")  # the schemas accept what real servers send
        ours = client.get(URL).json()[0]
        assert set(real[0]) <= set(ours), fixture
        assert all(type(ours[k]) is type(real[0][k]) for k in ("service_request_id", "status", "requested_datetime"))
