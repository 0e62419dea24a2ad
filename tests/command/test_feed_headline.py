"""The live feed (new and overdue cases since a cursor) and today's headline numbers, exactly."""

from __future__ import annotations

import datetime as dt

import pytest

from cityops.cases import services as s
from cityops.cases.jobs import mark_overdue
from cityops.cases.models import Case, CaseEvent, CaseState
from cityops.command import selectors
from cityops.core.errors import Forbidden, InvalidInput
from tests.cases.workflow_cast import WEST_POINT, drive, local, report

NOW = local(2026, 3, 4, 17, 0)  # a Wednesday afternoon
TODAY = local(2026, 3, 4, 9, 0)


def feed(user, after=None, **params):
    return selectors.case_feed(user=user, filters=selectors.map_filters(params), after=after)


def headline(user, **params):
    return selectors.headline(user=user, filters=selectors.map_filters(params), now=NOW)


# --- feed ------------------------------------------------------------------------------------------------------


def test_the_feed_lists_new_cases_newest_first_with_a_cursor(cast):
    first, second = report(cast), report(cast, description="又一处垃圾")
    result = feed(cast["dispatcher"])
    assert [e["number"] for e in result["events"]] == [second.number, first.number]
    assert {e["kind"] for e in result["events"]} == {"new"}
    assert result["cursor"] == CaseEvent.objects.get(case=second, action="case.reported").pk


def test_polling_after_the_cursor_returns_only_what_is_new(cast):
    report(cast)
    cursor = feed(cast["dispatcher"])["cursor"]
    assert feed(cast["dispatcher"], after=cursor) == {"events": [], "cursor": cursor}
    third = report(cast, description="第三处")
    polled = feed(cast["dispatcher"], after=cursor)
    assert [e["number"] for e in polled["events"]] == [third.number]
    assert polled["cursor"] > cursor


def test_an_empty_feed_starts_after_the_latest_event(cast):
    west = report(cast, actor="admin", point=WEST_POINT)
    result = feed(cast["dispatcher"])
    assert result["events"] == []
    assert result["cursor"] == CaseEvent.objects.filter(case=west).order_by("-id").first().pk


def test_the_feed_shows_cases_turning_overdue(cast):
    case = drive(report(cast), cast, CaseState.REGISTERED)
    Case.objects.filter(pk=case.pk).update(due_at=NOW - dt.timedelta(hours=1))
    cursor = feed(cast["dispatcher"])["cursor"]
    assert mark_overdue(now=NOW) == 1
    [event] = feed(cast["dispatcher"], after=cursor)["events"]
    assert (event["kind"], event["number"], event["overdue"]) == ("overdue", case.number, True)


def test_the_feed_leaves_out_cases_outside_the_scope_and_the_filters(cast):
    report(cast, actor="admin", point=WEST_POINT)
    east = report(cast, source="hotline")
    assert [e["number"] for e in feed(cast["dispatcher"])["events"]] == [east.number]
    assert feed(cast["dispatcher"], source="citizen")["events"] == []
    assert len(feed(cast["leader"])["events"]) == 2


def test_the_feed_refuses_a_negative_cursor_and_non_centre_staff(cast):
    with pytest.raises(InvalidInput) as refused:
        feed(cast["dispatcher"], after=-1)
    assert refused.value.field == "after"
    with pytest.raises(Forbidden):
        feed(cast["handler"])


def test_the_feed_api_returns_events_and_cursor(client, cast):
    case = report(cast)
    client.force_login(cast["dispatcher"])
    body = client.get("/api/v1/command/feed").json()
    assert [e["number"] for e in body["events"]] == [case.number]
    assert client.get("/api/v1/command/feed", {"after": body["cursor"]}).json()["events"] == []
    client.force_login(cast["inspector"])
    assert client.get("/api/v1/command/feed").status_code == 403


# --- headline numbers -----------------------------------------------------------------------------------------


@pytest.fixture
def day(cast):
    """A day's flows in 东区 and one in 西区 (see each case's comment); NOW is 17:00 that day."""
    yesterday = local(2026, 3, 3, 10, 0)
    long_ago = local(2026, 2, 2, 9, 0)
    # A: reported and registered yesterday, dispatched today, overdue now.
    a = drive(report(cast, at=yesterday), cast, CaseState.REGISTERED, at=yesterday)
    a = s.case_dispatch(case=a, actor=cast["dispatcher"], version=a.version, at=TODAY)
    Case.objects.filter(pk=a.pk).update(is_overdue=True)
    # B: reported today and closed today, every stage on time.
    b = drive(report(cast, at=TODAY), cast, CaseState.CLOSED, at=TODAY)
    # C: dispatched a month ago, handled today (far past its deadline) and closed today: a late closing.
    c = drive(report(cast, at=long_ago), cast, CaseState.DISPATCHED, at=long_ago)
    c = drive(c, cast, CaseState.CLOSED, at=TODAY + dt.timedelta(hours=1))
    # D: reported today and fixed on the spot (自处理): closed today, outside the on-time rate.
    d = report(cast, at=TODAY, self_handled=True, result="已清理")
    # W: reported today in 西区.
    w = report(cast, actor="admin", point=WEST_POINT, at=TODAY)
    return {"a": a, "b": b, "c": c, "d": d, "w": w}


def test_the_headline_counts_todays_flows_exactly(cast, day):
    numbers = headline(cast["dispatcher"])
    assert {k: numbers[k] for k in ("reported", "registered", "dispatched", "closed")} == {
        "reported": 2, "registered": 1, "dispatched": 2, "closed": 3}
    assert numbers["day"] == "2026-03-04"


def test_the_on_time_rate_is_todays_closings_without_a_late_handling_or_closing(cast, day):
    numbers = headline(cast["dispatcher"])
    assert (numbers["closed_checked"], numbers["closed_on_time"], numbers["on_time_rate"]) == (2, 1, 50.0)


def test_overdue_now_counts_open_overdue_cases(cast, day):
    assert headline(cast["dispatcher"])["overdue_now"] == 1
    Case.objects.filter(pk=day["a"].pk).update(is_overdue=False)
    assert headline(cast["dispatcher"])["overdue_now"] == 0


def test_the_headline_follows_scope_and_filters(cast, day):
    assert headline(cast["leader"])["reported"] == 3
    only_west = headline(cast["leader"], region="510105")
    assert (only_west["reported"], only_west["closed"], only_west["on_time_rate"]) == (1, 0, None)
    # The state filter shapes the map and overdue now, not today's flows.
    narrowed = headline(cast["dispatcher"], state="registered")
    assert (narrowed["closed"], narrowed["overdue_now"]) == (3, 0)


def test_an_event_of_yesterday_evening_is_not_today(cast):
    report(cast, at=local(2026, 3, 3, 23, 59))
    report(cast, at=local(2026, 3, 4, 0, 1))
    assert headline(cast["dispatcher"])["reported"] == 1


def test_the_headline_api_and_its_refusals(client, cast):
    report(cast)
    client.force_login(cast["shift_leader"])
    body = client.get("/api/v1/command/headline").json()
    assert body["reported"] == 1 and body["on_time_rate"] is None
    assert client.get("/api/v1/command/headline", {"state": "closed"}).status_code == 422
    client.force_login(cast["handler"])
    assert client.get("/api/v1/command/headline").status_code == 403
