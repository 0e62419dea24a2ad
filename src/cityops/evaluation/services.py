"""Writes of the evaluation: publishing a month's results as a frozen snapshot (月度评价结果发布)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.cases.events import describe_actor, is_system
from cityops.core.audit import audit_log
from cityops.core.errors import Conflict, InvalidInput
from cityops.core.permissions import require_role
from cityops.evaluation.models import Snapshot, SnapshotRow
from cityops.evaluation.params import month_bounds, parse_kind, parse_month
from cityops.evaluation.selectors import evaluation_compute_all
from cityops.org.models import Role

if TYPE_CHECKING:
    from cityops.core.typing import Actor

PUBLISH_ROLES = (Role.SHIFT_LEADER, Role.LEADER, Role.ADMIN)


def evaluation_snapshot_publish(*, kind: str, month: dt.date | str, actor: Actor,
                                now: dt.datetime | None = None) -> Snapshot:
    """Publish (发布) the evaluation of `kind` for a finished `month`: every subject's row and the scheme, frozen.

    A month is published once per kind (409 on a second attempt); nothing edits a snapshot afterwards.
    """
    if not is_system(actor):
        require_role(actor, *PUBLISH_ROLES)
    kind = parse_kind(kind)
    month = parse_month(month)
    now = now or timezone.now()
    start, end = month_bounds(month)
    if end >= timezone.localdate(now):
        raise InvalidInput(_("Only a month that has ended can be published."), field="month")
    if Snapshot.objects.filter(kind=kind, month=month).exists():
        raise _already_published(kind, month)
    result = evaluation_compute_all(kind=kind, start=start, end=end, now=now)
    user, label = describe_actor(actor)
    scheme = {"indicators": [i.as_dict() for i in result.indicators], "grades": [g.as_dict() for g in result.grades],
              "counters": [list(c) for c in result.counters]}
    try:
        with transaction.atomic():
            snapshot = Snapshot.objects.create(kind=kind, month=month, start=start, end=end, evaluated_at=now,
                                               published_at=now, published_by=user, published_by_label=label[:150],
                                               scheme=scheme)
            SnapshotRow.objects.bulk_create([_row(snapshot, r) for r in result.rows], batch_size=1000)
            audit_log(actor=actor, action="evaluation.snapshot.published", obj=snapshot,
                      data={"kind": kind, "month": f"{month:%Y-%m}", "rows": len(result.rows)})
    except IntegrityError:
        # Two publishers at once: the unique (kind, month) constraint lets exactly one through.
        raise _already_published(kind, month) from None
    return snapshot


def _already_published(kind: str, month: dt.date) -> Conflict:
    return Conflict(_("The %(kind)s evaluation of %(month)s is already published.")
                    % {"kind": kind, "month": f"{month:%Y-%m}"})


def _row(snapshot: Snapshot, row: Any) -> SnapshotRow:
    scores = {code: {"value": row.values[code], "score": row.scores[code]} for code in row.values}
    total = Decimal(str(row.composite)) if row.composite is not None else None
    return SnapshotRow(snapshot=snapshot, rank=row.rank, subject_id=row.subject_id, subject_code=row.code[:150],
                       subject_name=row.name[:150], counters=row.counters, scores=scores, composite=total,
                       grade=row.grade)
