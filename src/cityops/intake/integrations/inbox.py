"""The store-first door (批量上报): a batch of reports acknowledged once stored, turned into cases by the worker.

For bursts — a video-AI system's detections, a hotline system's backlog — the synchronous report (locate, rules,
duplicates, number, clock, answer) is more than the sender needs to wait for. `batch_receive` checks each item
cheaply in-process (class, text lengths, the point inside the service area and the caller's scope, the channel)
and stores the good ones as `InboxReport` rows in one transaction (one bulk insert), answering per item:
`accepted` (stored now), `duplicate` (its idempotency key was seen before: the earlier item, and its case once
made) or `refused` (the errors, nothing stored). The worker job `intake.inbox` claims pending items in bulk
(`FOR UPDATE SKIP LOCKED` and a lease) and makes each one a case through `intake.entry.report_submit` with the
item's idempotency key — so an item is one case however often it is resent, claimed or retried — several items
per transaction. An item refused then (e.g. the class was retired meanwhile) is marked `failed` with the reason.
A worker that dies mid-batch leaves its items `processing` with a lease; once the lease runs out another claim
takes them again, and the idempotency key maps any case already made to the same item: nothing is lost, nothing
is made twice.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.cases import services as case_services
from cityops.cases.models import Source
from cityops.catalog import cache as policy_cache
from cityops.core.audit import audit_log
from cityops.core.errors import DomainError, InvalidInput, NotFound
from cityops.core.permissions import ensure_path_visible, is_platform_admin
from cityops.geo.locate import Crs, OutsideServiceArea, locate_or_raise
from cityops.intake.entry import report_submit
from cityops.intake.models import InboxReport, InboxState, ReportBatch

if TYPE_CHECKING:
    from cityops.core.typing import Actor, AnyUser, User

logger = logging.getLogger("cityops.intake.inbox")

MAX_BATCH = 1000
MAX_KEY = 80
CLAIM_SIZE = 200  # items one claim takes
PER_TRANSACTION = 25  # cases made per transaction: one commit for many, the day's counter row held briefly
LEASE = timedelta(minutes=2)  # a claim not finished by then is taken again
MAX_ATTEMPTS = 5  # an item that breaks the worker this often is marked failed instead of retried forever
# Channels an integration token may report through (as for POST /api/v1/cases); staff keep their own.
TOKEN_SOURCES = (Source.CITIZEN, Source.HOTLINE, Source.OPEN311, Source.WEBHOOK, Source.VIDEO_AI, Source.IOT)
STAFF_SOURCES = (Source.INSPECTOR, Source.STAFF, Source.HOTLINE)
TEXT_LIMITS = (("address", 200), ("reporter_name", 60), ("reporter_contact", 120))


class ItemStatus:
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    REFUSED = "refused"


@dataclass
class ItemAck:
    index: int
    idempotency_key: str
    status: str
    item: InboxReport | None = None
    errors: list[dict[str, Any]] | None = None


@dataclass
class BatchAck:
    batch: ReportBatch
    items: list[ItemAck]

    def count(self, status: str) -> int:
        return sum(1 for item in self.items if item.status == status)


# --- receiving ------------------------------------------------------------------------------------------------


def batch_receive(*, actor: User, items: Sequence[Mapping[str, Any]], at: datetime | None = None) -> BatchAck:
    """Check and store a batch of reports (one transaction); per item: accepted, duplicate or refused."""
    at = at or timezone.now()
    case_services.require_reporter(actor)
    if not items:
        raise InvalidInput(_("A batch needs at least one report."), field="items")
    if len(items) > MAX_BATCH:
        raise InvalidInput(_("A batch holds at most %(n)d reports.") % {"n": MAX_BATCH}, field="items")
    acks: list[ItemAck] = []
    good: dict[str, tuple[ItemAck, dict[str, Any]]] = {}
    for index, raw in enumerate(items):
        ack, payload = _check_item(actor, index, raw, seen=good)
        acks.append(ack)
        if payload is not None:
            good[ack.idempotency_key] = (ack, payload)
    for _attempt in range(3):
        try:
            batch = _store(actor, acks, good, at)
            break
        except IntegrityError:
            # Another batch stored one of these keys between our look and our insert: look again.
            continue
    else:
        raise InvalidInput(_("The batch collided with concurrent batches; send it again."), field="items")
    audit_log(actor=actor, action="intake.batch.received", obj=batch,
              data={"items": len(acks), "accepted": sum(a.status == ItemStatus.ACCEPTED for a in acks),
                    "duplicates": sum(a.status == ItemStatus.DUPLICATE for a in acks),
                    "refused": sum(a.status == ItemStatus.REFUSED for a in acks)})
    return BatchAck(batch, acks)


def _check_item(actor: Actor, index: int, raw: Mapping[str, Any],
                seen: Mapping[str, tuple[ItemAck, dict[str, Any]]]) -> tuple[ItemAck, dict[str, Any] | None]:
    """The item's acknowledgement and, when it is good and new in this batch, the payload to store."""
    key = str(raw.get("idempotency_key") or "").strip()
    ack = ItemAck(index=index, idempotency_key=key, status=ItemStatus.REFUSED)
    if not key or len(key) > MAX_KEY:
        ack.errors = [{"field": "idempotency_key",
                       "detail": _("An idempotency_key of 1 to %(n)d characters is required.") % {"n": MAX_KEY}}]
        return ack, None
    if key in seen:
        ack.status, ack.item = ItemStatus.DUPLICATE, None  # the earlier item of this batch; filled in on store
        return ack, None
    try:
        payload = _clean(actor, raw)
    except DomainError as exc:
        ack.errors = exc.details or [{"field": exc.field, "detail": exc.message}]
        return ack, None
    ack.status = ItemStatus.ACCEPTED
    return ack, payload


def _clean(actor: Actor, raw: Mapping[str, Any]) -> dict[str, Any]:
    """The report to store, checked in-process (no query once the catalogue copy is warm)."""
    ref = raw.get("class")
    if not isinstance(ref, str) or not ref.strip():
        raise InvalidInput(_("A catalogue class is required."), field="class")
    try:
        klass = policy_cache.catalog_class(ref.strip(), field="class")
    except NotFound as exc:
        raise InvalidInput(exc.message, field="class") from exc
    if klass.is_retired:
        raise InvalidInput(_("The class %(class)s is retired; choose a current one.") % {"class": klass},
                           field="class")
    description = raw.get("description")
    if not isinstance(description, str) or not description.strip():
        raise InvalidInput(_("A description is required."), field="description")
    if len(description.strip()) > case_services.MAX_DESCRIPTION:
        raise InvalidInput(_("The description is longer than %(n)d characters.")
                           % {"n": case_services.MAX_DESCRIPTION}, field="description")
    texts = {}
    for name, limit in TEXT_LIMITS:
        value = raw.get(name) or ""
        if not isinstance(value, str) or len(value) > limit:
            raise InvalidInput(_("%(field)s is longer than %(n)d characters.") % {"field": name, "n": limit},
                               field=name)
        texts[name] = value
    crs = raw.get("crs") or Crs.WGS84
    if crs not in Crs.values:
        raise InvalidInput(_("Unknown coordinate system %(crs)r.") % {"crs": crs}, field="crs")
    lon, lat = _number(raw.get("lon"), "lon"), _number(raw.get("lat"), "lat")
    try:
        location = locate_or_raise(lon, lat, crs=crs)
    except OutsideServiceArea as exc:
        exc.field = exc.field or "lon"  # the item names its point by lon/lat
        raise
    if not is_platform_admin(actor):
        ensure_path_visible(actor, location.grid.path, what="Region")
    urgency = raw.get("urgency") or None
    if urgency is not None and (not isinstance(urgency, str) or policy_cache.urgency(urgency) is None):
        raise InvalidInput(_("Unknown urgency %(code)r.") % {"code": urgency}, field="urgency")
    return {"class": f"{klass.kind}:{klass.code}", "description": description.strip(), "lon": lon, "lat": lat,
            "crs": crs, "urgency": urgency, "source": _source(actor, raw.get("source")), **texts}


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput(_("%(field)s must be a number.") % {"field": name}, field=name)
    return float(value)


def _source(actor: Actor, requested: Any) -> str:
    """The item's channel: an integration token reports through the integration channels, staff through theirs."""
    via_token = getattr(actor, "via_token", None) is not None
    allowed = TOKEN_SOURCES if via_token else STAFF_SOURCES
    if requested is None or requested == "":
        if via_token:
            return Source.WEBHOOK
        return Source.INSPECTOR if actor.has_role("inspector") else Source.STAFF
    if requested not in allowed:
        raise InvalidInput(_("You may not report through the channel %(source)s; use one of: %(choices)s.")
                           % {"source": requested, "choices": ", ".join(allowed)}, field="source")
    return requested


def _store(actor: User, acks: list[ItemAck], good: dict[str, tuple[ItemAck, dict[str, Any]]],
           at: datetime) -> ReportBatch:
    """One transaction: the batch, and one bulk insert of the items whose keys are new (the others are answered
    with the item stored before)."""
    with transaction.atomic():
        earlier = {item.idempotency_key: item for item in
                   InboxReport.objects.filter(reporter=actor, idempotency_key__in=list(good)).select_related("case")}
        fresh = [(ack, payload) for key, (ack, payload) in good.items() if key not in earlier]
        token = getattr(actor, "via_token", None)
        batch = ReportBatch.objects.create(submitted_by=actor, via_token=token.prefix if token else "",
                                           received_at=at, size=len(fresh))
        rows = [InboxReport(batch=batch, position=ack.index, reporter=actor, idempotency_key=ack.idempotency_key,
                            payload=payload, received_at=at) for ack, payload in fresh]
        InboxReport.objects.bulk_create(rows, batch_size=500)
    stored = {row.idempotency_key: row for row in rows}
    for ack in acks:
        if ack.status == ItemStatus.ACCEPTED:
            if ack.idempotency_key in earlier:
                ack.status, ack.item = ItemStatus.DUPLICATE, earlier[ack.idempotency_key]
            else:
                ack.item = stored[ack.idempotency_key]
        elif ack.status == ItemStatus.DUPLICATE:
            ack.item = stored.get(ack.idempotency_key) or earlier.get(ack.idempotency_key)
    return batch


# --- reading --------------------------------------------------------------------------------------------------


def batch_get_for_user(*, user: AnyUser, batch_id: int) -> ReportBatch:
    """A batch its submitter (or an administrator) may look at; NotFound otherwise."""
    batch = ReportBatch.objects.filter(pk=batch_id).first()
    if batch is None or not (batch.submitted_by_id == user.pk or is_platform_admin(user)):
        raise NotFound(_("Batch not found."))
    return batch


def batch_items(batch: ReportBatch) -> list[InboxReport]:
    return list(batch.items.select_related("case").order_by("position"))


# --- processing (the worker) ----------------------------------------------------------------------------------


def inbox_process(*, limit: int = CLAIM_SIZE, now: datetime | None = None) -> int:
    """Claim up to `limit` waiting items (or ones whose lease ran out) and make them cases; returns how many."""
    now = now or timezone.now()
    claimed = _claim(limit, now)
    for start in range(0, len(claimed), PER_TRANSACTION):
        _process_chunk(claimed[start:start + PER_TRANSACTION])
    return len(claimed)


def inbox_drain(*, seconds: float = 10.0) -> int:
    """Process claims until the inbox is empty or `seconds` have passed (so the worker's other jobs get a turn)."""
    deadline, total = time.monotonic() + seconds, 0
    while time.monotonic() < deadline:
        done = inbox_process()
        total += done
        if done == 0:
            break
    return total


def _claim(limit: int, now: datetime) -> list[InboxReport]:
    with transaction.atomic():
        # Several workers may drain at once: each takes rows the others do not hold (SKIP LOCKED on PostgreSQL;
        # SQLite has one writer at a time). The lease marks the claim for everyone once this commits.
        waiting = Q(state=InboxState.PENDING) | Q(state=InboxState.PROCESSING, lease_until__lt=now)
        ids = list(InboxReport.objects.select_for_update(skip_locked=True).filter(waiting).order_by("id")
                   .values_list("id", flat=True)[:limit])
        if not ids:
            return []
        InboxReport.objects.filter(pk__in=ids).update(state=InboxState.PROCESSING, lease_until=now + LEASE,
                                                      attempts=F("attempts") + 1)
    items = list(InboxReport.objects.filter(pk__in=ids).select_related("reporter").order_by("id"))
    # One user object per reporter for the whole claim: their roles are read once, not once per item.
    reporters: dict[int, Any] = {}
    for item in items:
        item.reporter = reporters.setdefault(item.reporter_id, item.reporter)
    return items


def _process_chunk(items: list[InboxReport]) -> None:
    """Make each item a case, all in one transaction with the items' new states (a crash undoes both)."""
    now = timezone.now()
    with transaction.atomic():
        for item in items:
            _process_one(item, now)
        InboxReport.objects.bulk_update(items, ["state", "case", "error", "processed_at", "lease_until"])


def _process_one(item: InboxReport, now: datetime) -> None:
    payload = item.payload
    try:
        with transaction.atomic():
            result = report_submit(
                channel=payload["source"], catalog_class=payload["class"], description=payload["description"],
                lon=payload["lon"], lat=payload["lat"], crs=payload["crs"], urgency=payload.get("urgency"),
                address=payload.get("address", ""), reporter_name=payload.get("reporter_name", ""),
                reporter_contact=payload.get("reporter_contact", ""), idempotency_key=item.idempotency_key,
                at=item.received_at, duplicate_numbers_only=True, actor=item.reporter,
            )
    except DomainError as exc:
        item.state, item.error = InboxState.FAILED, exc.as_dict()
    except Exception:  # noqa: BLE001 - one broken item must not stop the batch; it is retried, then marked
        logger.exception("inbox item %s failed", item.pk)
        if item.attempts < MAX_ATTEMPTS:
            return  # stays processing; taken again when its lease runs out
        item.state, item.error = InboxState.FAILED, {"code": "error", "detail": "processing failed", "field": None}
    else:
        item.state, item.case, item.error = InboxState.DONE, result.case, None
    item.processed_at, item.lease_until = now, None


def item_row(item: InboxReport) -> dict[str, Any]:
    """An item as the API shows it."""
    return {"id": item.pk, "index": item.position, "idempotency_key": item.idempotency_key, "state": item.state,
            "case": item.case.number if item.case_id and item.case else None, "error": item.error}

