"""The cases API: report (idempotent, validated), list and search, detail, timeline, token scopes, OpenAPI."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from cityops.cases import services
from cityops.cases.models import Case, CaseEvent, CaseState
from tests.cases.api_support import EAST, GARBAGE, OUTSIDE, WEST

pytestmark = pytest.mark.django_db
URL = "/api/v1/cases"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def report_body(**overrides) -> dict:
    body = {"class": GARBAGE, "description": "路边堆放垃圾", "lon": EAST[0], "lat": EAST[1]}
    body.update(overrides)
    return body


def post(client, url: str, body: dict, **headers):
    return client.post(url, body, content_type="application/json", **headers)


def reported(cast, who: str = "inspector", point=EAST, **kwargs) -> Case:
    kwargs.setdefault("source", "inspector" if who.endswith("inspector") else "staff")
    return services.case_report(actor=cast[who], catalog_class=GARBAGE, description=kwargs.pop("description", "垃圾"),
                                lon=point[0], lat=point[1], **kwargs).case


class TestReport:
    def test_an_inspector_reports_a_case_and_gets_its_detail(self, as_user):
        response = post(as_user("inspector"), URL, report_body(address="人民路 1 号", urgency="urgent"))
        assert response.status_code == 201, response.content
        body = response.json()
        case = Case.objects.get(number=body["number"])
        assert body["state"] == CaseState.REPORTED and body["version"] == case.version
        assert body["source"] == "inspector" and body["reporter"]["user"] == "inspector"
        assert body["catalog_class"]["ref"] == GARBAGE
        assert body["grid"]["code"] == "510104001001001" and body["district"]["code"] == "510104"
        assert body["duplicates"] == []
        assert [c["stage"] for c in body["clocks"]] == ["accept"]

    def test_a_nearby_open_report_of_the_same_class_is_shown_as_a_duplicate(self, as_user, cast):
        first = reported(cast)
        body = post(as_user("acceptor"), URL, report_body(source="hotline")).json()
        assert [d["number"] for d in body["duplicates"]] == [first.number]

    def test_a_retried_post_with_the_same_idempotency_key_returns_the_same_case(self, as_user):
        client = as_user("inspector")
        first = post(client, URL, report_body(), HTTP_IDEMPOTENCY_KEY="phone-42-0001")
        again = post(client, URL, report_body(), HTTP_IDEMPOTENCY_KEY="phone-42-0001")
        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json()["number"] == first.json()["number"]
        assert {k: v for k, v in again.json().items() if k != "duplicates"} == {
            k: v for k, v in first.json().items() if k != "duplicates"}
        assert Case.objects.count() == 1
        other = post(client, URL, report_body(), HTTP_IDEMPOTENCY_KEY="phone-42-0002")
        assert other.status_code == 201 and Case.objects.count() == 2

    def test_missing_and_invalid_fields_are_listed_together(self, as_user):
        response = post(as_user("inspector"), URL, {"lon": "east", "description": ""})
        assert response.status_code == 422
        fields = {e["field"] for e in response.json()["errors"]}
        assert {"class", "description", "lon", "lat"} <= fields

    def test_a_point_outside_the_service_area_is_422_saying_so(self, as_user):
        response = post(as_user("inspector"), URL, report_body(lon=OUTSIDE[0], lat=OUTSIDE[1]))
        assert response.status_code == 422 and response.json()["code"] == "outside_service_area"
        assert not Case.objects.exists()

    @pytest.mark.parametrize("ref", ["matter:99999", "matter:6010", "thing:06010"])
    def test_an_unknown_class_is_422_naming_class(self, as_user, ref):
        response = post(as_user("inspector"), URL, report_body(**{"class": ref}))
        assert response.status_code == 422 and response.json()["field"] == "class"

    @pytest.mark.parametrize(("override", "field"), [
        ({"urgency": "whenever"}, "urgency"), ({"crs": "mars"}, "crs"), ({"lat": 95.0}, "lat"),
        ({"component": "51010401001999999"}, "component"), ({"recurrence_of": "2099010100001"}, "recurrence_of"),
        ({"source": "telepathy"}, "source"), ({"description": "   "}, "description"),
    ])
    def test_bad_values_are_422_naming_the_field(self, as_user, override, field):
        response = post(as_user("inspector"), URL, report_body(**override))
        assert response.status_code == 422, response.content
        assert response.json()["field"] == field
        assert not Case.objects.exists()

    def test_a_script_in_the_description_is_stored_and_returned_as_text(self, as_user):
        text = '<script>alert("x")</script> 井盖 & <b>破损</b>'
        body = post(as_user("inspector"), URL, report_body(description=text)).json()
        assert body["description"] == text
        assert Case.objects.get(number=body["number"]).description == text
        detail = as_user("inspector").get(f"{URL}/{body['number']}")
        assert detail["Content-Type"].startswith("application/json") and detail.json()["description"] == text

    def test_staff_report_through_staff_channels_only(self, as_user):
        client = as_user("acceptor")
        assert post(client, URL, report_body()).json()["source"] == "staff"
        assert post(client, URL, report_body(source="hotline", description="热线来电")).json()["source"] == "hotline"
        assert post(client, URL, report_body(source="citizen")).status_code == 403

    def test_an_inspector_may_self_handle_on_the_spot(self, as_user):
        body = post(as_user("inspector"), URL, report_body(self_handled=True, result="已当场清理")).json()
        assert body["state"] == CaseState.CLOSED and body["is_self_handled"] and body["result"] == "已当场清理"

    def test_a_role_without_reporting_rights_gets_403_and_anonymous_401(self, as_user, client):
        assert post(client, URL, report_body()).status_code == 401
        assert post(as_user("handler"), URL, report_body()).status_code == 403
        assert not Case.objects.exists()

    def test_reporting_outside_ones_scope_is_refused(self, as_user):
        response = post(as_user("inspector"), URL, report_body(lon=WEST[0], lat=WEST[1]))
        assert response.status_code == 404 and not Case.objects.exists()


class TestTokens:
    def test_a_token_with_cases_write_reports_through_an_integration_channel(self, client, cast, api_token):
        auth = api_token(cast["acceptor"], "cases:write", "cases:read")
        response = post(client, URL, report_body(), HTTP_AUTHORIZATION=auth)
        assert response.status_code == 201 and response.json()["source"] == "webhook"
        hotline = post(client, URL, report_body(source="hotline", description="x"), HTTP_AUTHORIZATION=auth)
        assert hotline.status_code == 201 and hotline.json()["source"] == "hotline"
        assert post(client, URL, report_body(source="inspector"), HTTP_AUTHORIZATION=auth).status_code == 403

    def test_reads_need_cases_read_and_writes_cases_write(self, client, cast, api_token):
        case = reported(cast)
        read_only = api_token(cast["acceptor"], "cases:read")
        other = api_token(cast["acceptor"], "geo:read")
        assert client.get(f"{URL}/{case.number}", HTTP_AUTHORIZATION=read_only).status_code == 200
        assert client.get(URL, HTTP_AUTHORIZATION=other).status_code == 403
        assert post(client, URL, report_body(), HTTP_AUTHORIZATION=read_only).status_code == 403
        assert post(client, f"{URL}/{case.number}/accept", {"version": case.version},
                    HTTP_AUTHORIZATION=read_only).status_code == 403


class TestList:
    def test_lists_only_the_callers_district(self, as_user, cast):
        east = reported(cast)
        west = reported(cast, "west_inspector", point=WEST)
        assert [c["number"] for c in as_user("inspector").get(URL).json()["items"]] == [east.number]
        assert [c["number"] for c in as_user("west_inspector").get(URL).json()["items"]] == [west.number]
        assert as_user("nobody").get(URL).json() == {"items": [], "next_cursor": None}

    def test_filters_by_state_class_region_and_text(self, as_user, cast):
        a = reported(cast, description="井盖缺失旁垃圾")
        b = reported(cast, "west_inspector", point=WEST, description="西区垃圾")
        services.case_accept(case=b, actor=cast["acceptor"], version=b.version)
        client = as_user("acceptor")

        def numbers(**params):
            return sorted(c["number"] for c in client.get(URL, params).json()["items"])

        assert numbers(state=["reported", "accepted"]) == sorted([a.number, b.number])
        assert numbers(state="accepted") == [b.number]
        other_class = services.case_report(actor=cast["inspector"], source="inspector", catalog_class="matter:06011",
                                           description="其他", lon=EAST[0], lat=EAST[1]).case
        assert numbers(**{"class": "06010"}) == sorted([a.number, b.number])
        assert numbers(**{"class": "matter:06011"}) == [other_class.number]
        today = other_class.reported_at.astimezone(SHANGHAI).date().isoformat()
        assert len(numbers(**{"from": today, "to": today})) == 3
        assert numbers(**{"to": "2000-01-01"}) == []
        assert numbers(region="510105") == [b.number]
        assert numbers(text="井盖") == [a.number]
        assert numbers(text=b.number) == [b.number]
        assert numbers(source="inspector", overdue="false", urged="false") == sorted(
            [a.number, b.number, other_class.number])

    def test_pages_through_every_case_once_with_next_cursor(self, as_user, cast):
        made = {reported(cast, description=f"垃圾 {i}").number for i in range(7)}
        client, seen, cursor = as_user("inspector"), [], None
        while True:
            body = client.get(URL, {"limit": 3, **({"cursor": cursor} if cursor else {})}).json()
            seen += [c["number"] for c in body["items"]]
            if (cursor := body["next_cursor"]) is None:
                break
        assert len(seen) == len(set(seen)) == 7 and set(seen) == made

    @pytest.mark.parametrize("params", [{"limit": 201}, {"limit": 0}, {"state": "lost"}, {"cursor": "%%%"},
                                        {"from": "last week"}, {"order": "random"}, {"region": "999999"},
                                        {"class": "matter:99999"}])
    def test_bad_query_parameters_are_422(self, as_user, params):
        response = as_user("inspector").get(URL, params)
        assert response.status_code == 422, response.content

    def test_anonymous_is_401(self, client):
        assert client.get(URL).status_code == 401


class TestDetailAndTimeline:
    def test_detail_can_cannot_and_not_found(self, as_user, cast):
        case = reported(cast)
        body = as_user("acceptor").get(f"{URL}/{case.number}").json()
        assert body["number"] == case.number and "accept" in body["allowed_actions"]
        assert as_user("other_handler").get(f"{URL}/{case.number}").status_code == 404
        assert as_user("acceptor").get(f"{URL}/2099010199999").status_code == 404

    def test_timeline_can_cannot_and_not_found(self, as_user, cast):
        case = reported(cast)
        services.case_accept(case=case, actor=cast["acceptor"], version=case.version, note="属实")
        rows = as_user("inspector").get(f"{URL}/{case.number}/timeline").json()
        assert [r["action"] for r in rows] == ["case.reported", "case.accepted"]
        assert rows[1]["actor"] == "acceptor" and rows[1]["note"] == "属实"
        assert (rows[1]["from_state"], rows[1]["to_state"]) == ("reported", "accepted")
        assert rows[1]["to_state_label"]
        assert as_user("west_inspector").get(f"{URL}/{case.number}/timeline").status_code == 404
        assert as_user("inspector").get(f"{URL}/2099010199999/timeline").status_code == 404
        assert CaseEvent.objects.filter(case=case).count() == 2


def test_openapi_lists_every_cases_path(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    expected = {"/api/v1/cases", "/api/v1/cases/{number}", "/api/v1/cases/{number}/timeline",
                "/api/v1/cases/{number}/photos", "/api/v1/cases/requests/{request_id}/decide"}
    expected |= {f"/api/v1/cases/{{number}}/{action}" for action in (
        "send-to-verify", "verify", "accept", "register", "dispatch", "pass-down", "handle", "send-to-check",
        "check", "close", "urge", "merge", "request", "resume")}
    assert expected <= set(paths)
    assert {"get", "post"} <= set(paths["/api/v1/cases"])
