"""The mySociety extension: servicerequestupdates lists the public timeline steps of public, exposed requests."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from cityops.cases.models import CaseEvent
from cityops.testing import factories as f
from tests.open311.conftest import parse_xml, public_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(city, services):
    now = timezone.now()
    case = public_case(city, catalog_class="matter:06010", state="closed", result="垃圾已清运")
    hidden_class = public_case(city, catalog_class="matter:06028")
    voided = public_case(city, catalog_class="matter:06013", state="voided", void_reason="duplicate")
    inspector = f.make_case(city, catalog_class="matter:06010", source="inspector")
    return {
        "dispatched": CaseEvent.objects.create(case=case, action="case.dispatched", to_state="dispatched",
                                               note="已派遣", public=True, at=now - timedelta(hours=3)),
        "internal": CaseEvent.objects.create(case=case, action="case.commented", note="内部备注", public=False,
                                             at=now - timedelta(hours=2)),
        "closed": CaseEvent.objects.create(case=case, action="case.closed", to_state="closed", note="已清理",
                                           public=True, at=now - timedelta(hours=1)),
        "other": CaseEvent.objects.create(case=hidden_class, action="case.accepted", to_state="accepted", public=True),
        "voided": CaseEvent.objects.create(case=voided, action="case.voided", to_state="voided", public=True),
        "inspector": CaseEvent.objects.create(case=inspector, action="case.dispatched", to_state="dispatched",
                                              note="派给张三", public=True),
    }


def test_updates_list_public_changes_of_exposed_requests_with_mysociety_statuses(client, events):
    body = client.get("/open311/v2/servicerequestupdates.json").json()
    by_id = {u["update_id"]: u for u in body}
    assert set(by_id) == {str(events[k].pk) for k in ("dispatched", "closed", "voided")}
    assert by_id[str(events["dispatched"].pk)]["status"] == "IN_PROGRESS"
    assert by_id[str(events["closed"].pk)]["status"] == "FIXED"
    assert by_id[str(events["voided"].pk)]["status"] == "DUPLICATE"
    assert all(u["updated_datetime"].endswith("+08:00") for u in body)


def test_updates_describe_steps_as_the_portal_does_never_with_staff_notes(client, events):
    by_id = {u["update_id"]: u for u in client.get("/open311/v2/servicerequestupdates.json",
                                                     HTTP_ACCEPT_LANGUAGE="en").json()}
    assert by_id[str(events["dispatched"].pk)]["description"] == "Sent to the department in charge"
    assert by_id[str(events["closed"].pk)]["description"] == "垃圾已清运"  # the handling result, public once closed
    assert "已派遣" not in json.dumps(list(by_id.values()), ensure_ascii=False)


def test_updates_leave_out_cases_the_portal_does_not_show(client, events):
    body = client.get("/open311/v2/servicerequestupdates.json").json()
    assert events["inspector"].case.number not in {u["service_request_id"] for u in body}


def test_updates_honour_the_date_window(client, events):
    now = timezone.localtime()
    params = {"start_date": (now - timedelta(hours=4)).isoformat(), "end_date": (now - timedelta(minutes=90)).isoformat()}
    body = client.get("/open311/v2/servicerequestupdates.json", params).json()
    assert [u["update_id"] for u in body] == [str(events["dispatched"].pk)]
    for bad in ("x", "0001-01-01T00:00:00Z", "2026-02-30T00:00:00+08:00"):
        assert client.get("/open311/v2/servicerequestupdates.json", {"start_date": bad}).status_code == 400


def test_updates_in_xml(client, events):
    root = parse_xml(client.get("/open311/v2/servicerequestupdates.xml"))
    assert root.tag == "service_request_updates"
    first = root.find("request_update")
    for tag in ("update_id", "service_request_id", "status", "updated_datetime", "description", "media_url"):
        assert first.find(tag) is not None, tag
