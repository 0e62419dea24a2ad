"""The store-first batch door: items acknowledged once stored, made cases by the worker, each key one case."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cityops.cases import services as case_services
from cityops.cases.models import Case
from cityops.catalog.models import CatalogClass
from cityops.core.models import AuditEvent
from cityops.intake.integrations import inbox
from cityops.intake.models import InboxReport, InboxState
from cityops.org.models import Role
from cityops.testing import factories as f

pytestmark = pytest.mark.django_db
URL = "/api/v1/intake/batches"
EAST = (104.005, 30.015)
EAST_2 = (104.015, 30.015)
WEST = (104.025, 30.015)
OUTSIDE = (105.0, 31.0)


@pytest.fixture(autouse=True)
def _fast(fast_password_hashing):
    """Every test here uses the shared fast hasher."""


@pytest.fixture
def reporter(city):
    """An acceptor of 东区 (only): reports in 西区 are outside their scope."""
    return f.make_user("batch_acceptor", Role.ACCEPTOR, scope_region=city.districts[0])


@pytest.fixture
def auth(api_token, reporter):
    return api_token(reporter, "cases:write", "cases:read")


def item(key: str, point=EAST, **extra) -> dict:
    return {"idempotency_key": key, "class": "matter:06010", "description": "路边堆放垃圾", "lon": point[0],
            "lat": point[1], **extra}


def post(client, auth: str, items: list[dict]):
    return client.post(URL, {"reports": items}, content_type="application/json", HTTP_AUTHORIZATION=auth)


def test_a_batch_is_acknowledged_once_stored_and_the_worker_makes_the_cases(client, auth):
    response = post(client, auth, [item("k1"), item("k2", EAST_2, source="video_ai", urgency="urgent")])
    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["accepted"], body["duplicates"], body["refused"]) == (2, 0, 0)
    assert [i["state"] for i in body["items"]] == ["pending", "pending"]
    assert not Case.objects.exists()  # stored first: no case yet

    assert inbox.inbox_process() == 2
    cases = {c.idempotency_key: c for c in Case.objects.all()}
    assert set(cases) == {"k1", "k2"} and cases["k2"].source == "video_ai" and cases["k1"].source == "webhook"
    assert cases["k2"].urgency.code == "urgent"
    status = client.get(f"{URL}/{body['batch']}", HTTP_AUTHORIZATION=auth).json()
    assert status["states"] == {"done": 2}
    assert {i["idempotency_key"]: i["case"] for i in status["items"]} == {k: c.number for k, c in cases.items()}


def test_bad_items_are_refused_one_by_one_and_the_good_ones_stored(client, auth):
    response = post(client, auth, [
        item("good"), item("", EAST), item("outside", OUTSIDE), item("west", WEST), item("class", klass="x"),
        {**item("noclass"), "class": "matter:99999"}, item("text", description=" "), item("src", source="inspector"),
        item("lon", lon="east"), item("urg", urgency="whenever"),
    ])
    assert response.status_code == 202
    rows = {i["idempotency_key"]: i for i in response.json()["items"]}
    assert rows["good"]["status"] == "accepted"
    assert rows["class"]["status"] == "accepted"  # an unknown extra field is ignored
    refused = {key: row["errors"][0]["field"] for key, row in rows.items() if row["status"] == "refused"}
    assert refused == {"": "idempotency_key", "outside": "lon", "west": None, "noclass": "class", "text": "description",
                       "src": "source", "lon": "lon", "urg": "urgency"}
    assert InboxReport.objects.count() == 2


def test_a_resent_item_is_the_same_item_and_one_case(client, auth):
    first = post(client, auth, [item("again"), item("again")]).json()
    assert [i["status"] for i in first["items"]] == ["accepted", "duplicate"]
    assert first["items"][0]["id"] == first["items"][1]["id"]
    inbox.inbox_process()
    second = post(client, auth, [item("again"), item("new")]).json()
    assert [i["status"] for i in second["items"]] == ["duplicate", "accepted"]
    assert second["items"][0]["id"] == first["items"][0]["id"] and second["items"][0]["state"] == "done"
    assert second["items"][0]["case"] == Case.objects.get(idempotency_key="again").number
    inbox.inbox_process()
    assert Case.objects.filter(idempotency_key="again").count() == 1 and Case.objects.count() == 2


def test_a_key_used_on_the_synchronous_door_maps_to_the_same_case(client, auth, reporter):
    made = case_services.case_report(actor=reporter, source="webhook", catalog_class="matter:06010",
                                     description="x", lon=EAST[0], lat=EAST[1], idempotency_key="both").case
    post(client, auth, [item("both")])
    inbox.inbox_process()
    assert InboxReport.objects.get().case_id == made.pk and Case.objects.count() == 1


def test_nothing_is_lost_when_the_worker_dies_mid_batch(client, auth, reporter):
    post(client, auth, [item("a"), item("b"), item("c")])
    now = timezone.now()
    claimed = inbox._claim(10, now)  # a worker claims them, makes one case, then dies before marking anything
    assert len(claimed) == 3
    case_services.case_report(actor=reporter, source="webhook", catalog_class="matter:06010", description="x",
                              lon=EAST[0], lat=EAST[1], idempotency_key="a", at=claimed[0].received_at)
    assert inbox.inbox_process(now=now) == 0  # still leased: nobody else takes them
    assert inbox.inbox_process(now=now + inbox.LEASE + timedelta(seconds=1)) == 3
    assert set(InboxReport.objects.values_list("state", flat=True)) == {InboxState.DONE}
    assert sorted(Case.objects.values_list("idempotency_key", flat=True)) == ["a", "b", "c"]
    assert InboxReport.objects.values("case").distinct().count() == 3


def test_an_item_refused_when_processed_is_marked_failed_with_the_reason(client, auth):
    batch = post(client, auth, [item("late"), item("fine", EAST_2)]).json()["batch"]
    CatalogClass.objects.filter(code="06010").update(retired_at=timezone.now())
    from cityops.catalog import cache

    cache.clear()  # the retirement came from elsewhere; the copy is older than its time-to-live
    inbox.inbox_process()
    items = {i["idempotency_key"]: i for i in client.get(f"{URL}/{batch}", HTTP_AUTHORIZATION=auth).json()["items"]}
    assert items["late"]["state"] == "failed" and items["late"]["error"]["field"] == "catalog_class"
    assert items["fine"]["state"] == "failed" and not Case.objects.exists()


def test_numbers_of_a_batch_are_consecutive_and_the_report_time_is_the_receipt(client, auth):
    post(client, auth, [item(f"n{i}", EAST if i % 2 else EAST_2) for i in range(5)])
    received = InboxReport.objects.first().received_at
    inbox.inbox_process()
    numbers = sorted(int(n[-5:]) for n in Case.objects.values_list("number", flat=True))
    assert numbers == list(range(numbers[0], numbers[0] + 5))
    assert set(Case.objects.values_list("reported_at", flat=True)) == {received}


def test_scopes_roles_and_other_peoples_batches(client, auth, api_token, reporter, personas):
    read_only = api_token(reporter, "cases:read")
    assert post(client, read_only, [item("x")]).status_code == 403
    handler = api_token(personas["handler"], "cases:write", "cases:read")  # a handler does not report
    assert post(client, handler, [item("x")]).status_code == 403
    batch = post(client, auth, [item("x")]).json()["batch"]
    other = api_token(personas["dispatcher"], "cases:write", "cases:read")
    assert client.get(f"{URL}/{batch}", HTTP_AUTHORIZATION=other).status_code == 404
    admin = api_token(personas["admin"], "cases:read")
    assert client.get(f"{URL}/{batch}", HTTP_AUTHORIZATION=admin).status_code == 200
    assert not InboxReport.objects.filter(idempotency_key="x").exclude(batch_id=batch).exists()


def test_an_empty_or_oversized_batch_is_422_naming_reports(client, auth):
    assert post(client, auth, []).status_code == 422
    too_many = post(client, auth, [item(f"k{i}") for i in range(inbox.MAX_BATCH + 1)])
    assert too_many.status_code == 422 and "reports" in str(too_many.json())


def test_a_batch_is_audited(client, auth):
    batch = post(client, auth, [item("a"), item("")]).json()["batch"]
    event = AuditEvent.objects.get(action="intake.batch.received")
    assert event.object_id == str(batch) and event.data == {"items": 2, "accepted": 1, "duplicates": 0, "refused": 1}
    assert "token" in event.actor_label


def test_a_processed_item_records_the_open_cases_it_duplicates(client, auth):
    post(client, auth, [item("first"), item("second")])  # the same point and class
    inbox.inbox_process()
    first, second = Case.objects.order_by("id")
    event = second.events.get(action="case.reported")
    assert event.data["duplicates"] == [first.number]
