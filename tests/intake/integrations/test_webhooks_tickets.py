"""12345 hotline tickets pushed by a signed request, and status callbacks to the hotline system."""

from __future__ import annotations

import json
import secrets

import pytest

from cityops.cases.models import Case
from cityops.cases.services import case_accept
from cityops.intake.integrations.webhooks import signed_headers
from cityops.intake.models import ExternalReport, IntegrationSource
from cityops.notify.backends import resolve_secret
from cityops.notify.models import OutboxMessage
from cityops.org.models import Role
from cityops.testing import factories as f
from tests.cases.api_support import EAST, GARBAGE

URL = "/api/v1/intake/hotline/tickets"
SECRET = "hotline-secret"


@pytest.fixture(autouse=True)
def _fast(fast_password_hashing):
    """The shared fast hasher."""


@pytest.fixture
def hotline(city):
    account = f.make_user("12345", Role.ACCEPTOR, scope_region=city.city)
    return IntegrationSource.objects.create(code="12345", name="12345 热线", kind="hotline", secret=SECRET,
                                            account=account, callback_url="https://hotline.example/callback")


def ticket(**overrides):
    body = {"ticket_id": "T-20261121-0001", "caller_name": "李女士", "caller_phone": "13900000002",
            "class": GARBAGE, "lon": EAST[0], "lat": EAST[1], "address": "东区一街道", "description": "垃圾没人清"}
    body.update(overrides)
    return body


def push(client, body, *, source="12345"):
    data = json.dumps(body).encode()
    headers = signed_headers(source=source, secret=SECRET, body=data, nonce=secrets.token_hex(8))
    return client.post(URL, data=data, content_type="application/json", **headers)


def test_a_ticket_becomes_a_hotline_case_waiting_for_the_acceptor(client, hotline):
    response = push(client, ticket())
    assert response.status_code == 201, response.content
    case = Case.objects.get(number=response.json()["case_number"])
    assert (case.source, case.state, case.reporter_name, case.reporter_contact) == (
        "hotline", "reported", "李女士", "13900000002")


def test_a_ticket_pushed_twice_makes_one_case(client, hotline):
    first = push(client, ticket()).json()
    again = push(client, ticket())
    assert again.status_code == 200 and again.json() == first
    assert Case.objects.count() == 1


def test_a_ticket_without_a_class_is_422_naming_it(client, hotline):
    body = ticket()
    del body["class"]
    response = push(client, body)
    assert response.status_code == 422
    assert response.json()["field"] == "class"
    assert not ExternalReport.objects.exists()


def test_a_detection_source_cannot_push_tickets(client, hotline):
    IntegrationSource.objects.filter(pk=hotline.pk).update(kind="video_ai")
    assert push(client, ticket()).json()["code"] == "unknown_source"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_state_change_queues_a_signed_callback_to_the_hotline_system(client, hotline):
    number = push(client, ticket()).json()["case_number"]
    case = Case.objects.get(number=number)
    case_accept(case=case, actor="test", version=None)
    callback = OutboxMessage.objects.get(channel="webhook", payload__body__state="accepted")
    assert callback.recipient == "https://hotline.example/callback"
    assert callback.payload["body"]["external_id"] == "T-20261121-0001"
    assert callback.payload["body"]["state"] == "accepted"
    assert resolve_secret(callback.payload["secret_ref"]) == SECRET


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_new_ticket_queues_the_reported_callback_once_with_its_case_number(client, hotline):
    number = push(client, ticket()).json()["case_number"]
    callbacks = list(OutboxMessage.objects.filter(channel="webhook"))
    assert [c.payload["body"]["state"] for c in callbacks] == ["reported"]
    body = callbacks[0].payload["body"]
    assert (body["external_id"], body["case_number"], body["event"]) == ("T-20261121-0001", number, "case.reported")
    assert callbacks[0].recipient == "https://hotline.example/callback"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_ticket_linked_to_an_open_case_queues_no_reported_callback(client, hotline):
    push(client, ticket())
    push(client, ticket(ticket_id="T-20261121-0002"))
    assert ExternalReport.objects.filter(outcome="duplicate").count() == 1
    assert OutboxMessage.objects.filter(channel="webhook").count() == 1


def test_a_ticket_from_a_source_without_a_callback_url_queues_nothing(client, hotline, django_capture_on_commit_callbacks):
    IntegrationSource.objects.filter(pk=hotline.pk).update(callback_url="")
    with django_capture_on_commit_callbacks(execute=True):
        assert push(client, ticket()).status_code == 201
    assert not OutboxMessage.objects.filter(channel="webhook").exists()
