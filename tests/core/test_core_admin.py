"""Calendar overrides are edited in the admin, audited; the audit trail there is read-only."""

from __future__ import annotations

import pytest

from cityops.core.models import AuditEvent, CalendarOverride
from cityops.testing import factories as f


@pytest.fixture
def superuser(db):
    return f.make_user("root", is_staff=True, is_superuser=True)


def test_adding_an_override_in_the_admin_is_audited(client, superuser):
    client.force_login(superuser)
    response = client.post(
        "/admin/core/calendaroverride/add/",
        {"date": "2026-03-03", "kind": "holiday", "office_hours": "", "note": "local holiday"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    override = CalendarOverride.objects.get(date="2026-03-03")
    event = AuditEvent.objects.get(action="core.calendar_override.created")
    assert event.actor_user == superuser
    assert event.object_id == str(override.pk)
    assert event.data["after"]["kind"] == "holiday"


def test_changing_and_deleting_an_override_in_the_admin_is_audited_with_before_and_after(client, superuser):
    override = CalendarOverride.objects.create(date="2026-03-03", kind="holiday")
    client.force_login(superuser)
    url = f"/admin/core/calendaroverride/{override.pk}/change/"
    response = client.post(url, {"date": "2026-03-03", "kind": "workday", "office_hours": "09:00-11:00", "note": ""})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="core.calendar_override.updated")
    assert event.data["before"] == {"kind": "holiday", "office_hours": ""}
    assert event.data["after"] == {"kind": "workday", "office_hours": "09:00-11:00"}
    response = client.post(f"/admin/core/calendaroverride/{override.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="core.calendar_override.deleted", object_id=str(override.pk)).exists()


def test_the_admin_refuses_malformed_office_hours(client, superuser):
    client.force_login(superuser)
    response = client.post(
        "/admin/core/calendaroverride/add/", {"date": "2026-03-03", "kind": "workday", "office_hours": "9-5"}
    )
    assert response.status_code == 200
    assert not CalendarOverride.objects.exists()
    assert not AuditEvent.objects.exists()


def test_the_audit_trail_cannot_be_added_changed_or_deleted_in_the_admin(client, superuser):
    from cityops.core.audit import audit_log

    event = audit_log(actor=superuser, action="test.done", object_type="x", object_id="1")
    client.force_login(superuser)
    assert client.get("/admin/core/auditevent/add/").status_code == 403
    assert client.get(f"/admin/core/auditevent/{event.pk}/change/").status_code == 200  # view only
    assert client.post(f"/admin/core/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post(f"/admin/core/auditevent/{event.pk}/change/", {"action": "x"}).status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).action == "test.done"
    listing = client.get("/admin/core/auditevent/?q=1").content.decode()
    assert "test.done" in listing
