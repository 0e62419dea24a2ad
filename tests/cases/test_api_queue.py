"""The work queue's API (GET /api/v1/cases/queue): the console's queue, the same rows, filters and cursors."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from cityops.cases import services
from cityops.cases.models import Case, CaseState
from tests.cases.api_support import EAST, EAST_2, GARBAGE, WEST

pytestmark = pytest.mark.django_db
URL = "/api/v1/cases/queue"
QUEUE_PAGE_URL = reverse("console:queue")


def reported(cast, who: str = "inspector", point=EAST, description: str = "路边堆放垃圾", **kwargs) -> Case:
    return services.case_report(
        actor=cast[who],
        source="inspector",
        catalog_class=GARBAGE,
        description=description,
        lon=point[0],
        lat=point[1],
        **kwargs,
    ).case


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["number"] for row in response.json()["items"]]


def page_numbers(response) -> list[str]:
    """The case numbers of the console page's rows, in the order shown."""
    assert response.status_code == 200
    return re.findall(r'<a href="/console/cases/(\d+)/">', response.content.decode())


@pytest.fixture
def token_client(cast, api_token):
    def make(name: str, *scopes: str) -> Client:
        return Client(HTTP_AUTHORIZATION=api_token(cast[name], *scopes))

    return make


class TestCanCannotNotFound:
    def test_an_acceptor_reads_the_reports_waiting_for_them_earliest_deadline_first(self, cast, token_client):
        later, sooner = reported(cast), reported(cast, point=EAST_2)
        Case.objects.filter(pk=sooner.pk).update(due_at=later.due_at - timedelta(hours=1))
        response = token_client("acceptor", "cases:read").get(URL)
        assert numbers(response) == [sooner.number, later.number]
        body = response.json()
        assert body["roles"] == ["acceptor"] and body["next_cursor"] is None
        assert body["items"][0]["state"] == CaseState.REPORTED and body["items"][0]["due_at"]

    def test_a_token_without_the_cases_read_scope_is_refused_and_anonymous_is_401(
        self, cast, token_client, client
    ):
        reported(cast)
        assert token_client("acceptor", "geo:read").get(URL).status_code == 403
        assert token_client("acceptor", "cases:write").get(URL).status_code == 403
        assert client.get(URL).status_code == 401

    def test_a_case_outside_the_callers_scope_or_not_waiting_for_their_role_is_not_in_it(
        self, cast, token_client
    ):
        east, west = reported(cast), reported(cast, "west_inspector", point=WEST)
        services.case_accept(case=east, actor=cast["acceptor"], version=east.version)
        services.case_accept(case=west, actor=cast["acceptor"], version=west.version)
        shift_leader = numbers(token_client("shift_leader", "cases:read").get(URL))
        assert sorted(shift_leader) == sorted([east.number, west.number])
        assert numbers(token_client("dispatcher", "cases:read").get(URL)) == []  # accepted is not theirs yet
        assert numbers(token_client("other_handler", "cases:read").get(URL)) == []

    def test_a_user_without_a_role_has_no_queue(self, cast, token_client):
        reported(cast)
        body = token_client("nobody", "cases:read").get(URL).json()
        assert body == {"roles": [], "items": [], "next_cursor": None}


class TestFiltersAndPages:
    def test_the_lists_filters_narrow_the_queue(self, cast, token_client):
        manhole = reported(cast, description="井盖缺失", address="人民路 1 号")
        garbage = reported(cast, point=EAST_2)
        Case.objects.filter(pk=garbage.pk).update(is_overdue=True)
        client = token_client("acceptor", "cases:read")
        assert numbers(client.get(URL, {"text": "井盖"})) == [manhole.number]
        assert numbers(client.get(URL, {"text": "人民路"})) == [manhole.number]
        assert numbers(client.get(URL, {"text": garbage.number})) == [garbage.number]
        assert numbers(client.get(URL, {"overdue": "true"})) == [garbage.number]
        assert numbers(client.get(URL, {"region": "510104001001001"})) == [manhole.number]
        assert numbers(
            client.get(URL, {"state": "reported,handled", "class": "06010", "source": "inspector"})
        ) == [manhole.number, garbage.number]
        assert numbers(client.get(URL, {"state": "handled"})) == []

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"state": "lost"}, "state"),
            ({"class": "matter:99999"}, "class"),
            ({"region": "999999"}, "region"),
            ({"department": "NOPE"}, "department"),
            ({"source": "fax"}, "source"),
            ({"from": "last week"}, "from"),
            ({"limit": 201}, "limit"),
            ({"limit": 0}, "limit"),
            ({"cursor": "%%%"}, "cursor"),
            ({"region": "5101040010010011"}, "region"),
        ],
    )
    def test_a_bad_filter_is_422_naming_the_field(self, cast, token_client, params, field):
        response = token_client("acceptor", "cases:read").get(URL, params)
        assert response.status_code == 422, response.content
        assert response.json()["field"] == field

    def test_pages_through_every_waiting_case_once_in_deadline_order(self, cast, token_client):
        made = [reported(cast, description=f"垃圾 {i}") for i in range(7)]
        # Equal deadlines in pairs: the id breaks the tie, so no case falls between two pages.
        for i, case in enumerate(made):
            Case.objects.filter(pk=case.pk).update(due_at=made[0].due_at + timedelta(minutes=i // 2))
        client, seen, cursor = token_client("acceptor", "cases:read"), [], None
        while True:
            body = client.get(URL, {"limit": 3, **({"cursor": cursor} if cursor else {})}).json()
            seen += [row["number"] for row in body["items"]]
            if (cursor := body["next_cursor"]) is None:
                break
        assert seen == [c.number for c in made]

    def test_a_cursor_of_the_newest_first_list_is_refused(self, cast, token_client):
        reported(cast), reported(cast)
        client = token_client("acceptor", "cases:read")
        cursor = client.get("/api/v1/cases", {"limit": 1}).json()["next_cursor"]
        response = client.get(URL, {"cursor": cursor})
        assert response.status_code == 422 and response.json()["field"] == "cursor"


class TestTheApiAndThePageAgree:
    @pytest.mark.parametrize(
        ("api_params", "page_params"),
        [
            ({}, {}),
            ({"text": "井盖"}, {"q": "井盖"}),
            ({"state": "reported", "overdue": "false"}, {"state": "reported", "overdue": "no"}),
            (
                {"class": "matter:06010", "region": "510104"},
                {"klass": "matter:06010 暴露垃圾", "region": "510104"},
            ),
        ],
    )
    def test_the_same_user_and_filters_give_the_same_rows_in_the_same_order(
        self, cast, token_client, client, api_params, page_params
    ):
        cases = [reported(cast, description=d) for d in ("井盖缺失", "路边堆放垃圾", "井盖破损")]
        cases.append(reported(cast, "west_inspector", point=WEST))
        Case.objects.filter(pk=cases[2].pk).update(
            due_at=cases[0].due_at - timedelta(hours=2), is_overdue=True
        )
        Case.objects.filter(pk=cases[1].pk).update(due_at=None)
        client.force_login(cast["acceptor"])
        shown = page_numbers(client.get(QUEUE_PAGE_URL, page_params))
        assert shown, "the page must show something for the comparison to mean anything"
        assert numbers(token_client("acceptor", "cases:read").get(URL, api_params)) == shown

    def test_the_first_page_and_its_cursor_are_the_pages(self, cast, token_client, client, monkeypatch):
        from cityops.cases import queues

        monkeypatch.setattr(queues, "QUEUE_PAGE", 2)
        for _ in range(3):
            reported(cast)
        client.force_login(cast["acceptor"])
        first = client.get(QUEUE_PAGE_URL).content.decode()
        more = first.split('id="more-row"')[1].split('href="')[1].split('"')[0].replace("&amp;", "&")
        api = token_client("acceptor", "cases:read").get(URL, {"limit": 2}).json()
        assert more.endswith(f"cursor={api['next_cursor']}")
        assert [row["number"] for row in api["items"]] == re.findall(r"/console/cases/(\d+)/", first)[:2]


def test_the_queue_is_published_with_its_response_schema_and_limits(client):
    operation = client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/cases/queue"]["get"]
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/CaseQueueOut"}
    assert {"401", "403", "422"} <= set(operation["responses"])
    names = {p["name"] for p in operation["parameters"]}
    assert {
        "state",
        "class",
        "region",
        "department",
        "source",
        "from",
        "to",
        "overdue",
        "urged",
        "text",
        "cursor",
        "limit",
    } <= names
