"""From 1 November on, administrators are told on the home page that next year's holiday arrangement is missing."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from cityops.core.models import HolidayArrangement
from cityops.org.models import Role
from cityops.testing import factories as f

SH = ZoneInfo("Asia/Shanghai")
NOTICE = 'id="calendar-notice-2027"'

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, fast_password_hashing):
    """The administrator's client, logged in anew at each request: at the test's travelled moment, not at the
    fixture's (a session begun on another day may have expired by the day the test travels to)."""
    admin = f.make_user("admin", Role.ADMIN, is_staff=True)
    get = client.get

    def logged_in_get(*args, **kwargs):
        client.force_login(admin)
        return get(*args, **kwargs)

    client.get = logged_in_get
    return client


def home(client) -> str:
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


@time_machine.travel(datetime(2026, 11, 1, 0, 5, tzinfo=SH), tick=False)
def test_an_administrator_is_told_on_1_november_that_next_years_arrangement_is_missing(admin_client):
    page = home(admin_client)
    assert NOTICE in page
    assert "/admin/core/holidayarrangement/add/?year=2027" in page


@time_machine.travel(datetime(2026, 10, 31, 23, 55, tzinfo=SH), tick=False)
def test_nothing_is_said_on_31_october(admin_client):
    assert "calendar-notice" not in home(admin_client)


@time_machine.travel(datetime(2026, 12, 6, 10, 0, tzinfo=SH), tick=False)
def test_nothing_is_said_once_the_arrangement_is_entered(admin_client):
    assert NOTICE in home(admin_client)
    HolidayArrangement.objects.create(year=2027)
    assert "calendar-notice" not in home(admin_client)


@time_machine.travel(datetime(2026, 12, 6, 10, 0, tzinfo=SH), tick=False)
def test_a_user_who_cannot_enter_it_is_not_told(client, fast_password_hashing):
    client.force_login(f.make_user("dispatcher", Role.DISPATCHER))
    assert "calendar-notice" not in home(client)


@time_machine.travel(datetime(2027, 1, 4, 10, 0, tzinfo=SH), tick=False)
def test_in_the_year_itself_a_missing_arrangement_is_still_shown(client, fast_password_hashing):
    superuser = f.make_user("root", is_staff=True, is_superuser=True)
    client.force_login(superuser)
    assert NOTICE in home(client)


@time_machine.travel(datetime(2026, 11, 2, 10, 0, tzinfo=SH), tick=False)
def test_the_notice_is_in_chinese(admin_client):
    response = admin_client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "2027 年的节假日安排尚未录入" in response.content.decode()
