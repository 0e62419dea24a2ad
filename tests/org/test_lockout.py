"""Login throttling (django-axes): repeated failed logins lock the user name out for the cool-off, on every
login page; the right password does not get in meanwhile; the lock-out is a 429 page, audited, and unlockable."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.utils import timezone

from cityops.core.models import AuditEvent
from cityops.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db
LIMIT = 5
LOGIN_PAGES = ["/accounts/login/", "/admin/login/"]


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


def login(client, url, username, password, ip="203.0.113.7"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def fail(client, url, username, times, ip="203.0.113.7"):
    return [login(client, url, username, "wrong-password", ip).status_code for _ in range(times)]


@pytest.mark.parametrize("url", LOGIN_PAGES)
def test_after_the_limit_the_right_password_is_refused_with_a_429_page(client, personas, url):
    assert fail(client, url, "admin", LIMIT - 1) == [200] * (LIMIT - 1)  # the form again, with its error
    assert login(client, url, "admin", "wrong-password").status_code == 429  # the limit-th failure locks
    response = login(client, url, "admin", PASSWORD)
    assert response.status_code == 429 and not logged_in(client)
    assert response["Retry-After"] == "900"
    assert "Too many failed logins" in response.content.decode() and 'name="password"' not in response.content.decode()


def test_thirty_wrong_passwords_are_not_all_answered_200(client, personas):
    codes = fail(client, "/accounts/login/", "dispatcher", 30)
    assert codes[:LIMIT - 1] == [200] * (LIMIT - 1) and set(codes[LIMIT - 1:]) == {429}


def test_the_lock_out_is_per_user_name_from_any_address(client, personas):
    for n in range(LIMIT):
        fail(client, "/accounts/login/", "dispatcher", 1, ip=f"198.51.100.{n}")
    assert login(client, "/accounts/login/", "dispatcher", PASSWORD, ip="192.0.2.99").status_code == 429
    # Another user is not affected.
    assert login(client, "/accounts/login/", "inspector", PASSWORD).status_code == 302 and logged_in(client)


def test_the_page_speaks_chinese_to_a_chinese_visitor(client, personas):
    fail(client, "/accounts/login/", "dispatcher", LIMIT)
    client.cookies["django_language"] = "zh-hans"
    response = login(client, "/accounts/login/", "dispatcher", PASSWORD)
    assert response.status_code == 429 and "登录已锁定" in response.content.decode()
    assert "15 分钟" in response.content.decode()


def test_the_lock_out_ends_after_the_cool_off_and_tries_meanwhile_do_not_extend_it(client, personas):
    fail(client, "/accounts/login/", "dispatcher", LIMIT + 3)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    response = login(client, "/accounts/login/", "dispatcher", PASSWORD)
    assert response.status_code == 302 and logged_in(client)


def test_a_success_before_the_limit_resets_the_count(client, personas):
    fail(client, "/accounts/login/", "dispatcher", LIMIT - 1)
    assert login(client, "/accounts/login/", "dispatcher", PASSWORD).status_code == 302
    client.logout()
    assert fail(client, "/accounts/login/", "dispatcher", LIMIT - 1) == [200] * (LIMIT - 1)


def test_the_lock_out_is_audited(client, personas):
    fail(client, "/accounts/login/", "dispatcher", LIMIT)
    event = AuditEvent.objects.get(action="org.login.locked_out")
    assert event.object_id == "dispatcher" and event.data["ip_address"] == "203.0.113.7"


def test_an_administrator_unlocks_a_user_with_the_command(client, personas):
    fail(client, "/accounts/login/", "dispatcher", LIMIT)
    call_command("axes_reset_username", "dispatcher")
    assert login(client, "/accounts/login/", "dispatcher", PASSWORD).status_code == 302 and logged_in(client)


def test_an_administrator_unlocks_a_user_in_the_admin(client, personas):
    fail(client, "/accounts/login/", "dispatcher", LIMIT)
    client.force_login(personas["admin"])
    attempts = [str(pk) for pk in AccessAttempt.objects.filter(username="dispatcher").values_list("pk", flat=True)]
    response = client.post("/admin/axes/accessattempt/", {"action": "delete_selected", "post": "yes",
                                                          "_selected_action": attempts})
    assert response.status_code == 302 and not AccessAttempt.objects.exists()
    assert AuditEvent.objects.filter(action="org.login_attempt.deleted", actor_user=personas["admin"]).exists()
    client.logout()
    assert login(client, "/accounts/login/", "dispatcher", PASSWORD).status_code == 302
