"""The evaluation's periodic work for `cityops worker`: keep the case facts current."""

from __future__ import annotations

from cityops.core.jobs import periodic
from cityops.evaluation.facts import case_facts_refresh


@periodic(every_seconds=60, name="evaluation.case_facts")
def case_facts_tick() -> str:
    """Fold new case events into the evaluation facts (every minute)."""
    return f"{case_facts_refresh()} case facts rebuilt"
