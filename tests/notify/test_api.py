"""/api/v1/notify: my notifications only, unread filter and pages, mark one or all read; 404 for anyone else's."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import pytest
from django.utils import timezone

from cityops.core.models import AuditEvent
from cityops.notify.models import Notification, NotificationKind
from cityops.notify.services import notify_users
from cityops.org.models import ApiToken

URL = "/api/v1/notify/notifications"


@pytest.fixture
def inboxes(people):
    """Three notifications for the handler (one read), one for the dispatcher."""
    start = timezone.now() - timedelta(hours=1)
    for i in range(3):
        notify_users(users=[people["handler"]], kind=NotificationKind.NEW_TASK, title=f"task {i}",
                     at=start + timedelta(minutes=i))
    Notification.objects.filter(title="task 0").update(read_at=timezone.now())
    notify_users(users=[people["dispatcher"]], kind=NotificationKind.OVERDUE, title="someone else's")
    return {n.title: n for n in Notification.objects.all()}


def _token(user, *scopes: str) -> dict[str, str]:
    prefix = secrets.token_hex(4)
    token = f"{prefix}.{secrets.token_urlsafe(24)}"
    ApiToken.objects.create(user=user, name="t", prefix=prefix, scopes=list(scopes),
                            key_hash=hashlib.sha256(token.encode()).hexdigest())
    return {"Authorization": f"Bearer {token}"}


def test_the_list_shows_only_my_notifications_newest_first(client, people, inboxes):
    client.force_login(people["handler"])
    body = client.get(URL).json()
    assert [n["title"] for n in body["items"]] == ["task 2", "task 1", "task 0"]
    assert (body["unread"], body["next_before"]) == (2, None)
    assert body["items"][0]["kind"] == "new_task" and body["items"][0]["read_at"] is None


@pytest.mark.parametrize(("flag", "titles"), [("true", ["task 2", "task 1"]), ("false", ["task 0"])])
def test_the_list_filters_by_unread(client, people, inboxes, flag, titles):
    client.force_login(people["handler"])
    assert [n["title"] for n in client.get(URL, {"unread": flag}).json()["items"]] == titles


def test_the_list_pages_with_before(client, people, inboxes):
    client.force_login(people["handler"])
    first = client.get(URL, {"limit": 2}).json()
    assert [n["title"] for n in first["items"]] == ["task 2", "task 1"]
    rest = client.get(URL, {"limit": 2, "before": first["next_before"]}).json()
    assert ([n["title"] for n in rest["items"]], rest["next_before"]) == (["task 0"], None)


def test_someone_elses_notification_is_no_cursor(client, people, inboxes):
    client.force_login(people["handler"])
    assert client.get(URL, {"before": inboxes["someone else's"].pk}).status_code == 404


def test_anonymous_callers_are_refused(client, inboxes):
    assert client.get(URL).status_code == 401


def test_marking_one_read_sets_its_time_once_and_audits_it(client, people, inboxes):
    client.force_login(people["handler"])
    target = inboxes["task 2"]
    response = client.post(f"{URL}/{target.pk}/read")
    assert response.status_code == 200 and response.json()["read_at"] is not None
    first = Notification.objects.get(pk=target.pk).read_at
    assert client.post(f"{URL}/{target.pk}/read").status_code == 200
    assert Notification.objects.get(pk=target.pk).read_at == first
    assert AuditEvent.objects.filter(action="notify.notification.read", object_id=str(target.pk)).count() == 1


def test_marking_someone_elses_notification_read_is_not_found(client, people, inboxes):
    client.force_login(people["handler"])
    other = inboxes["someone else's"]
    response = client.post(f"{URL}/{other.pk}/read")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert Notification.objects.get(pk=other.pk).read_at is None
    assert client.post(f"{URL}/999999/read").status_code == 404


def test_read_all_marks_only_mine(client, people, inboxes):
    client.force_login(people["handler"])
    assert client.post(f"{URL}/read-all").json() == {"marked": 2}
    assert not Notification.objects.filter(recipient=people["handler"], read_at__isnull=True).exists()
    assert Notification.objects.get(title="someone else's").read_at is None
    assert client.post(f"{URL}/read-all").json() == {"marked": 0}


def test_a_token_needs_cases_read_to_list_and_cases_write_to_mark(client, people, inboxes):
    reader = _token(people["handler"], "cases:read")
    assert client.get(URL, headers=reader).status_code == 200
    assert client.post(f"{URL}/read-all", headers=reader).status_code == 403
    assert client.get(URL, headers=_token(people["handler"], "geo:read")).status_code == 403
    assert client.post(f"{URL}/read-all", headers=_token(people["handler"], "cases:write")).status_code == 200


def test_the_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {URL, f"{URL}/read-all", f"{URL}/{{notification_id}}/read"} <= set(paths)
