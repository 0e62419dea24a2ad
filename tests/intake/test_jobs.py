"""The intake channels' periodic jobs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cityops.core.jobs import discover_jobs
from cityops.core.models import RateCounter
from cityops.intake.jobs import prune_rate_counters_job


@pytest.mark.django_db
def test_the_hourly_job_prunes_rate_counters_older_than_two_days_and_keeps_the_rest():
    now = timezone.now()
    RateCounter.objects.create(key="portal:ip:1.2.3.4", window_start=now - timedelta(days=3), count=5)
    RateCounter.objects.create(key="portal:ip:1.2.3.4", window_start=now - timedelta(hours=20), count=2)
    assert prune_rate_counters_job() == "1 rate counters pruned"
    assert list(RateCounter.objects.values_list("count", flat=True)) == [2]


def test_the_worker_schedules_the_rate_counter_pruning():
    assert "intake.prune_rate_counters" in {job.name for job in discover_jobs()}
