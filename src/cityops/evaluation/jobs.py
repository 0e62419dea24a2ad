"""The evaluation's periodic work for `cityops worker`: keep the case facts and their monthly rollups current;
publish last month."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from cityops.core.errors import Conflict
from cityops.core.jobs import periodic
from cityops.evaluation.facts import case_facts_refresh
from cityops.evaluation.kinds import SubjectKind
from cityops.evaluation.models import Snapshot
from cityops.evaluation.params import last_month
from cityops.evaluation.rollups import fact_rollups_refresh
from cityops.evaluation.services import evaluation_snapshot_publish

# Publish during the first days of a month only: late facts (a worker that was down) get a few days to arrive,
# and a month nobody published by then is left to a person (the API's POST /snapshots).
PUBLISH_DAYS = 5


@periodic(every_seconds=60, name="evaluation.case_facts")
def case_facts_tick() -> str:
    """Fold new case events into the evaluation facts (every minute)."""
    return f"{case_facts_refresh()} case facts rebuilt"


@periodic(every_seconds=300, name="evaluation.fact_rollups")
def fact_rollups_tick() -> str:
    """Roll up the months whose settled facts changed since the last run (every five minutes)."""
    return f"{fact_rollups_refresh()} monthly rollups rebuilt"


@periodic(every_seconds=3600, name="evaluation.monthly_snapshots")
def monthly_snapshots_tick(today: dt.date | None = None) -> str:
    """On the first days of a month, publish the previous month of every subject kind not yet published."""
    today = today or timezone.localdate()
    if today.day > PUBLISH_DAYS:
        return "not the start of a month"
    month = last_month(today)
    done = set(Snapshot.objects.filter(month=month).values_list("kind", flat=True))
    published = []
    for kind in SubjectKind.values:
        if kind in done:
            continue
        try:
            evaluation_snapshot_publish(kind=kind, month=month, actor="evaluation.monthly_snapshots")
        except Conflict:
            continue  # another worker published it meanwhile
        published.append(kind)
    return f"{month:%Y-%m}: published {', '.join(published) or 'nothing'}"
