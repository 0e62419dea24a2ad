"""Periodic work of the intake channels for `cityops worker`: forgetting spent nonces."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from cityops.core.jobs import periodic
from cityops.intake.models import SignatureNonce
from cityops.intake.webhooks import MAX_SKEW_SECONDS


@periodic(every_seconds=3600, name="intake.purge_nonces")
def purge_nonces_job() -> str:
    """Delete nonces too old to matter (hourly)."""
    return f"{nonces_purge()} nonces purged"


def nonces_purge(*, now: datetime | None = None) -> int:
    """Delete nonces older than twice the clock window: a request that old is refused by its timestamp anyway."""
    now = now or timezone.now()
    deleted, _ = SignatureNonce.objects.filter(seen_at__lt=now - timedelta(seconds=2 * MAX_SKEW_SECONDS)).delete()
    return deleted
