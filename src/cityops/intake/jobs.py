"""Periodic work of the intake channels for `cityops worker`: forgetting spent nonces and old rate counters."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from cityops.core.jobs import periodic
from cityops.core.ratelimit import rate_counters_prune
from cityops.intake.integrations.inbox import inbox_drain
from cityops.intake.integrations.webhooks import MAX_SKEW_SECONDS
from cityops.intake.models import SignatureNonce

# The longest rate-limit window in use is a day (per-contact reports); counters older than two are spent.
RATE_COUNTER_KEEP = timedelta(days=2)


@periodic(every_seconds=3600, name="intake.purge_nonces")
def purge_nonces_job() -> str:
    """Delete nonces too old to matter (hourly)."""
    return f"{nonces_purge()} nonces purged"


def nonces_purge(*, now: datetime | None = None) -> int:
    """Delete nonces older than twice the clock window: a request that old is refused by its timestamp anyway."""
    now = now or timezone.now()
    deleted, _ = SignatureNonce.objects.filter(seen_at__lt=now - timedelta(seconds=2 * MAX_SKEW_SECONDS)).delete()
    return deleted


@periodic(every_seconds=3600, name="intake.prune_rate_counters")
def prune_rate_counters_job() -> str:
    """Delete rate-limit counters of windows long past (hourly)."""
    return f"{rate_counters_prune(before=timezone.now() - RATE_COUNTER_KEEP)} rate counters pruned"


@periodic(every_seconds=1, name="intake.inbox")
def inbox_job() -> str:
    """Make cases of the reports stored through the batch door (every second, draining up to 10 s at a time)."""
    return f"{inbox_drain(seconds=10.0)} batch reports processed"
