"""Fixed-window rate limits shared by every web process, counted in `RateCounter` rows; they know no domain."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.core.errors import DomainError
from cityops.core.models import RateCounter


class RateLimited(DomainError):
    """Too many requests from one IP, phone or e-mail in the window (429, with Retry-After)."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, field: str | None = None):
        super().__init__(message, field=field)
        self.retry_after = retry_after


def _window_start(now: datetime, window_seconds: int) -> datetime:
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % window_seconds, tz=now.tzinfo or timezone.utc)


def rate_limit_hit(*, key: str, limit: int, window_seconds: int, now: datetime | None = None) -> None:
    """Count one request for `key`; refuse it (RateLimited, 429) beyond `limit` in the current window."""
    now = now or timezone.now()
    start = _window_start(now, window_seconds)
    count = _increment(key[:200], start)
    if count > limit:
        retry_after = max(1, int((start + timedelta(seconds=window_seconds) - now).total_seconds()))
        raise RateLimited(_("Too many requests; try again in %(s)d seconds.") % {"s": retry_after},
                          retry_after=retry_after)


def _increment(key: str, start: datetime) -> int:
    # A conditional UPDATE first (the common case, one statement); the INSERT races only on a window's first
    # request, and the unique (key, window_start) constraint makes the loser fall back to the UPDATE.
    for _attempt in range(2):
        with transaction.atomic():
            rows = RateCounter.objects.filter(key=key, window_start=start)
            if rows.update(count=F("count") + 1):
                return rows.values_list("count", flat=True).get()
            try:
                with transaction.atomic():
                    RateCounter.objects.create(key=key, window_start=start, count=1)
                return 1
            except IntegrityError:
                continue
    return RateCounter.objects.filter(key=key, window_start=start).values_list("count", flat=True).get()


def rate_counters_prune(*, before: datetime) -> int:
    """Delete counters of windows that started before `before`; returns how many rows went."""
    deleted, _detail = RateCounter.objects.filter(window_start__lt=before).delete()
    return deleted


def rate_limit_count(*, key: str, window_seconds: int, add: bool, now: datetime | None = None) -> tuple[int, int]:
    """The count of `key` in the current window (one more counted first when `add`) and seconds until it ends.

    For limits on failures, checked before the attempt and counted only when it fails (e.g. API tokens).
    """
    now = now or timezone.now()
    start = _window_start(now, window_seconds)
    if add:
        count = _increment(key[:200], start)
    else:
        count = RateCounter.objects.filter(key=key[:200], window_start=start).values_list("count", flat=True).first()
    retry_after = max(1, int((start + timedelta(seconds=window_seconds) - now).total_seconds()))
    return count or 0, retry_after


def rate_count_sql() -> str:
    """SQL of one key's count in one window (NULL when none), to embed in another query; its two parameters
    come from `rate_count_params`. For a caller reading counters in the same round trip as its own rows."""
    quote = connection.ops.quote_name
    return (f"(SELECT {quote('count')} FROM {quote(RateCounter._meta.db_table)} "
            f"WHERE {quote('key')} = %s AND {quote('window_start')} = %s)")


def rate_count_params(*, key: str, window_seconds: int, now: datetime | None = None) -> tuple[list[Any], int]:
    """The parameters of `rate_count_sql` for `key` in the current window, and seconds until the window ends."""
    now = now or timezone.now()
    start = _window_start(now, window_seconds)
    retry_after = max(1, int((start + timedelta(seconds=window_seconds) - now).total_seconds()))
    # Raw SQL gets the column's stored form (SQLite keeps a naive UTC text), as the ORM would pass it.
    return [key[:200], connection.ops.adapt_datetimefield_value(start)], retry_after
