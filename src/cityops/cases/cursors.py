"""The one cursor codec of case lists: keyset pages in one of two orders, behind an opaque cursor.

A cursor is the sort key of the last row shown and the order it belongs to, base64url-encoded JSON. It is opaque
(clients pass `next_cursor` back as `cursor`) but not signed: it only says where to resume in a list that is
filtered by the caller's scope anyway, so an edited cursor reaches nothing the caller could not list.
A cursor that does not decode, or belongs to the other order, is refused naming the field `cursor`.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.cases.models import Case
from cityops.core.errors import InvalidInput

MAX_LIMIT = 200
MAX_ID = 2**63  # a bigint: a larger id in an edited cursor would overflow the query (500)


class CaseOrder:
    """The two orders a list can take, each with its own keyset."""

    REPORTED = "-reported_at"  # newest first: search and history
    DUE = "due_at"  # earliest deadline first (no deadline last): work queues


ORDERS = (CaseOrder.REPORTED, CaseOrder.DUE)


@dataclass
class Page:
    """One page of a list; `next_cursor` is None on the last page."""

    items: list[Case] = field(default_factory=list)
    next_cursor: str | None = None


def case_page(
    qs: QuerySet[Case], *, order: str | None, cursor: str | None, limit: int | None, default_limit: int
) -> Page:
    """One page of `qs` in `order`, resuming after `cursor`; `limit` rows at most (`default_limit` when None)."""
    order = page_order(order)
    limit = page_limit(limit, default=default_limit)
    if cursor:
        qs = qs.filter(_after_q(order, _decode(cursor, order)))
    rows = list(qs.order_by(*_ordering(order))[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(items=rows, next_cursor=_encode(order, rows[-1]) if more else None)


def page_order(order: str | None) -> str:
    order = order or CaseOrder.REPORTED
    if order not in ORDERS:
        raise InvalidInput(_("order must be -reported_at or due_at."), field="order")
    return order


def page_limit(limit: int | None, *, default: int) -> int:
    if limit is None:
        return default
    if not 1 <= int(limit) <= MAX_LIMIT:
        raise InvalidInput(_("limit must be between 1 and %(max)d.") % {"max": MAX_LIMIT}, field="limit")
    return int(limit)


def _ordering(order: str) -> list[Any]:
    if order == CaseOrder.DUE:
        return [F("due_at").asc(nulls_last=True), "id"]
    return ["-reported_at", "-id"]


def _encode(order: str, case: Case) -> str:
    moment = case.due_at if order == CaseOrder.DUE else case.reported_at
    payload = {"o": order, "t": moment.isoformat() if moment else None, "id": case.pk}
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode(cursor: str, order: str) -> tuple[dt.datetime | None, int]:
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        moment = dt.datetime.fromisoformat(payload["t"]) if payload["t"] is not None else None
        if moment is not None:
            # UTC as the database stores it: a moment at the calendar's edge overflows here, not there (500).
            moment = (moment if timezone.is_aware(moment) else timezone.make_aware(moment)).astimezone(dt.UTC)
        pk = int(payload["id"])
        same_order = payload["o"] == order
        if not 0 < pk < MAX_ID:
            raise ValueError(pk)
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError, OverflowError):
        raise InvalidInput(_("The cursor is not valid; start again without it."), field="cursor") from None
    if not same_order or (moment is None and order == CaseOrder.REPORTED):
        raise InvalidInput(_("The cursor belongs to another order; start again without it."), field="cursor")
    return moment, pk


def _after_q(order: str, key: tuple[dt.datetime | None, int]) -> Q:
    """Rows strictly after `key` in `order` (ties broken by id, so no row is skipped or repeated)."""
    moment, pk = key
    if order == CaseOrder.REPORTED:
        return Q(reported_at__lt=moment) | Q(reported_at=moment, id__lt=pk)
    if moment is None:  # already among the cases without a deadline, which come last
        return Q(due_at__isnull=True, id__gt=pk)
    return Q(due_at__gt=moment) | Q(due_at=moment, id__gt=pk) | Q(due_at__isnull=True)
