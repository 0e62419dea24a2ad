"""The periodic-job registry and schedule behind `cityops worker`."""

from __future__ import annotations

import threading

import pytest

from cityops.core import jobs


@pytest.fixture
def registry(monkeypatch, db):
    monkeypatch.setattr(jobs, "_REGISTRY", {})
    return jobs._REGISTRY


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_periodic_registers_a_job_under_its_name(registry):
    @jobs.periodic(every_seconds=30, name="demo.tick")
    def tick() -> str:
        return "ticked"

    assert jobs.registered_jobs() == [jobs.PeriodicJob("demo.tick", tick, 30.0)]


def test_periodic_refuses_a_non_positive_period(registry):
    with pytest.raises(ValueError):
        jobs.periodic(every_seconds=0)


def test_every_job_is_due_at_start_and_then_after_its_period(registry):
    calls = []
    fast = jobs.PeriodicJob("fast", lambda: calls.append("fast"), 10)
    slow = jobs.PeriodicJob("slow", lambda: calls.append("slow"), 60)
    clock = FakeClock()
    schedule = jobs.Schedule([fast, slow], clock=clock)
    schedule.run_due()
    clock.now += 10
    schedule.run_due()
    assert calls == ["fast", "slow", "fast"]
    assert schedule.seconds_until_next() == 10


def test_a_failing_job_is_reported_and_the_others_still_run(registry):
    def broken() -> None:
        raise RuntimeError("boom")

    results = jobs.Schedule([jobs.PeriodicJob("a", broken, 5), jobs.PeriodicJob("b", lambda: "fine", 5)]).run_due()
    assert [(r.job, r.ok, r.summary) for r in results] == [("a", False, "failed"), ("b", True, "fine")]


def test_a_stop_request_skips_the_remaining_jobs(registry):
    stop = threading.Event()
    stop.set()
    assert jobs.Schedule([jobs.PeriodicJob("a", lambda: None, 5)]).run_due(stop) == []


def test_discovery_finds_the_core_jobs():
    names = {job.name for job in jobs.discover_jobs()}
    assert {"core.heartbeat", "core.clear_expired_sessions"} <= names


@pytest.mark.django_db
def test_clear_expired_sessions_deletes_only_expired_ones():
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    now = timezone.now()
    Session.objects.create(session_key="old", session_data="", expire_date=now - timedelta(days=1))
    Session.objects.create(session_key="new", session_data="", expire_date=now + timedelta(days=1))
    jobs.clear_expired_sessions()
    assert list(Session.objects.values_list("session_key", flat=True)) == ["new"]
