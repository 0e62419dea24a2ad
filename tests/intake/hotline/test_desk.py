"""The hotline desk (热线受理): acceptors take calls into hotline cases, or add the caller to an open case."""

from __future__ import annotations

import pytest

from cityops.cases.models import Case, CaseEvent
from cityops.intake.services import TRACKING_ALPHABET, tracking_code_new
from cityops.notify.models import OutboxMessage
from cityops.org.models import Role
from cityops.testing import factories as f
from tests.cases.api_support import EAST, GARBAGE

URL = "/hotline/"


@pytest.fixture(autouse=True)
def _fast(fast_password_hashing):
    """The shared fast hasher."""


@pytest.fixture
def acceptor(city):
    return f.make_user("acceptor", Role.ACCEPTOR, scope_region=city.city)


def call(**overrides):
    data = {"caller_phone": "13800000001", "caller_name": "王先生", "klass": f"{GARBAGE} 暴露垃圾",
            "description": "路边垃圾堆积", "address": "东区一街道", "lon": EAST[0], "lat": EAST[1],
            "duplicate_of": "", "idempotency_key": "k-1"}
    data.update(overrides)
    return data


def test_tracking_codes_are_ten_unambiguous_characters_and_differ():
    codes = {tracking_code_new() for _ in range(50)}
    assert len(codes) == 50
    assert all(len(c) == 10 and set(c) <= set(TRACKING_ALPHABET) for c in codes)


def test_the_desk_renders_for_an_acceptor(client, acceptor):
    client.force_login(acceptor)
    response = client.get(URL)
    assert response.status_code == 200
    assert b"hotline-form" in response.content


@pytest.mark.parametrize("name", ["inspector", "dispatcher", "nobody"])
def test_the_desk_is_403_for_other_roles(client, personas, name):
    client.force_login(personas[name])
    assert client.get(URL).status_code == 403
    assert client.post(URL, call()).status_code == 403
    assert not Case.objects.exists()


def test_the_desk_asks_anonymous_visitors_to_log_in(client, city):
    assert client.get(URL).status_code == 302


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_call_creates_a_hotline_case_with_a_tracking_code_and_queues_the_sms(client, city):
    acceptor = f.make_user("acceptor", Role.ACCEPTOR, scope_region=city.city)
    client.force_login(acceptor)
    response = client.post(URL, call())
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get()
    assert (case.source, case.reporter_name, case.reporter_contact) == ("hotline", "王先生", "13800000001")
    assert len(case.tracking_code) == 10
    sms = OutboxMessage.objects.get(channel="sms")
    assert sms.recipient == "13800000001" and case.tracking_code in sms.body


def test_a_double_submit_makes_one_case(client, acceptor):
    client.force_login(acceptor)
    client.post(URL, call())
    client.post(URL, call())
    assert Case.objects.count() == 1


def test_a_call_without_the_callers_number_is_refused_with_a_form_message(client, acceptor):
    client.force_login(acceptor)
    response = client.post(URL, call(caller_phone=""))
    assert response.status_code == 422
    assert not Case.objects.exists()


def test_a_point_outside_the_city_is_a_form_message(client, acceptor):
    client.force_login(acceptor)
    response = client.post(URL, call(lon=105.0, lat=31.0))
    assert response.status_code == 422
    assert not Case.objects.exists()


def test_open_cases_nearby_of_the_same_class_are_shown(client, acceptor, city):
    near = f.make_case(city, catalog_class=GARBAGE, lon=EAST[0], lat=EAST[1])
    other_class = f.make_case(city, catalog_class="matter:06020", lon=EAST[0], lat=EAST[1])
    client.force_login(acceptor)
    response = client.get("/hotline/nearby/", {"klass": GARBAGE, "lon": EAST[0], "lat": EAST[1]})
    assert response.status_code == 200
    assert near.number.encode() in response.content
    assert other_class.number.encode() not in response.content


def test_linking_a_call_to_an_open_case_writes_the_event_and_makes_no_case(client, acceptor, city):
    existing = f.make_case(city, catalog_class=GARBAGE, lon=EAST[0], lat=EAST[1])
    client.force_login(acceptor)
    response = client.post(URL, call(duplicate_of=existing.number))
    assert response.status_code == 302
    assert Case.objects.count() == 1
    event = CaseEvent.objects.get(case=existing, action="case.caller_added")
    assert event.data["caller_contact"] == "13800000001" and event.actor == acceptor
    existing.refresh_from_db()
    assert existing.tracking_code


def test_places_are_found_by_name(client, acceptor):
    client.force_login(acceptor)
    response = client.get("/hotline/places/", {"place": "东区网格1"})
    assert "东区网格1" in response.content.decode()
    assert "西区" not in response.content.decode()
