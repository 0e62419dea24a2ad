"""The console inbox and the top bar's unread badge: my notifications only, links to cases, mark read."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from cityops.notify.context_processors import unread_notifications
from cityops.notify.models import Notification, NotificationKind
from cityops.notify.services import notify_users
from tests.cases.workflow_cast import report

INBOX = "/console/inbox/"


@pytest.fixture
def notes(people):
    case = report(people)
    notify_users(users=[people["handler"]], kind=NotificationKind.NEW_TASK, case=case, title="新任务 <b>1</b>",
                 url=f"/console/cases/{case.number}/")
    notify_users(users=[people["handler"]], kind=NotificationKind.URGED, case=case, title="督办 2")
    notify_users(users=[people["dispatcher"]], kind=NotificationKind.OVERDUE, case=case, title="not yours")
    return {n.title: n for n in Notification.objects.all()}


def test_the_inbox_lists_my_notifications_with_links_to_their_cases(client, people, notes):
    client.force_login(people["handler"])
    page = client.get(INBOX).content.decode()
    assert "督办 2" in page and "not yours" not in page
    assert notes["新任务 <b>1</b>"].url in page
    assert "新任务 &lt;b&gt;1&lt;/b&gt;" in page  # titles are text, shown escaped
    assert f'action="/console/inbox/{notes["督办 2"].pk}/read/"' in page


def test_the_inbox_can_show_only_unread(client, people, notes):
    Notification.objects.filter(title="督办 2").update(read_at="2026-03-02T09:00:00+08:00")
    client.force_login(people["handler"])
    assert "督办 2" not in client.get(INBOX, {"unread": "1"}).content.decode()
    assert "督办 2" in client.get(INBOX).content.decode()


def test_the_inbox_needs_a_login(client, notes):
    response = client.get(INBOX)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_mark_read_from_the_inbox(client, people, notes):
    client.force_login(people["handler"])
    response = client.post(f"{INBOX}{notes['督办 2'].pk}/read/")
    assert (response.status_code, response["Location"]) == (302, INBOX)
    assert Notification.objects.get(title="督办 2").read_at is not None


def test_mark_read_of_someone_elses_notification_is_404(client, people, notes):
    client.force_login(people["handler"])
    assert client.post(f"{INBOX}{notes['not yours'].pk}/read/").status_code == 404
    assert Notification.objects.get(title="not yours").read_at is None


def test_mark_all_read_from_the_inbox_keeps_the_filter(client, people, notes):
    client.force_login(people["handler"])
    response = client.post(f"{INBOX}read-all/", {"unread": "1"})
    assert response["Location"] == f"{INBOX}?unread=1"
    assert Notification.objects.filter(read_at__isnull=True).count() == 1  # the dispatcher's


def test_the_top_bar_shows_my_unread_count(client, people, notes):
    client.force_login(people["handler"])
    page = client.get("/console/").content.decode()
    assert 'class="badge"' in page and ">2</span>" in page
    Notification.objects.update(read_at="2026-03-02T09:00:00+08:00")
    assert 'class="badge"' not in client.get("/console/").content.decode()


def test_the_badge_costs_one_count_query_and_nothing_for_anonymous_visitors(people, notes,
                                                                             django_assert_num_queries):
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    assert unread_notifications(request) == {}
    request.user = people["handler"]
    context = unread_notifications(request)
    with django_assert_num_queries(1):
        assert int(str(context["notify_unread"])) == 2
