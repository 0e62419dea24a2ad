"""The cases code's entry into notifications: one call per event, delivered after the change commits.

`case_event_notify` and `sla_event_notify` only register a `transaction.on_commit` callback, so a change that
rolls back notifies nobody and the case's row lock is not held while recipients are looked up. The callback
re-reads the case (the state it committed in decides who is concerned), finds the recipients
(`selectors.recipients_for_case`), never notifies the actor about their own act, and writes the in-app rows.
It is registered as robust: a failure to notify is logged and never turns a committed case change into an error.
`deliver` also queues the staff's SMS and e-mails in the outbox (`notify.outbound`); the citizen's messages
follow the case history (`notify.outbound.connect`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cityops.cases.models import Case, CaseRequest, RequestKind, RequestState
from cityops.notify import selectors
from cityops.notify.models import Notification, NotificationKind
from cityops.notify.outbound import staff_outbound
from cityops.notify.services import notify_users

logger = logging.getLogger("cityops.notify")
K = NotificationKind
# The SLA worker's case events and the notification each one becomes.
SLA_KINDS = {"case.deadline_warning": K.DEADLINE_WARNING, "case.overdue": K.OVERDUE}
CASE_RELATIONS = ("catalog_class", "department", "handling_unit", "master", "reporter")


def case_event_notify(*, case: Case, kind: str, actor: Any = None, request: CaseRequest | None = None,
                      at: datetime | None = None) -> None:
    """After the current transaction commits, notify the people an event of `kind` on `case` concerns."""
    case_id, actor_id, request_id, kind = case.pk, getattr(actor, "pk", None), getattr(request, "pk", None), K(kind)

    # A named function, not a partial: Django logs a robust callback's failure by its __qualname__.
    def notify_case_event() -> None:
        _deliver_case_event(case_id=case_id, kind=kind, actor_id=actor_id, request_id=request_id, at=at)

    transaction.on_commit(notify_case_event, robust=True)


def sla_event_notify(*, case_ids: Iterable[int], action: str) -> None:
    """After the worker's batch commits, notify the people concerned by its warnings or overdue marks."""
    ids, kind = list(case_ids), SLA_KINDS[action]

    def notify_sla_batch() -> None:
        _deliver_sla_batch(case_ids=ids, kind=kind)

    transaction.on_commit(notify_sla_batch, robust=True)


def _deliver_case_event(*, case_id: int, kind: str, actor_id: int | None, request_id: int | None,
                        at: datetime | None) -> None:
    case = Case.objects.select_related(*CASE_RELATIONS).filter(pk=case_id).first()
    request = CaseRequest.objects.select_related("requested_by").filter(pk=request_id).first() if request_id else None
    if case is None:
        return
    users = selectors.recipients_for_case(case=case, kind=kind, request=request)
    deliver(case=case, kind=kind, users=[u for u in users if u.pk != actor_id], request=request, at=at)


def _deliver_sla_batch(*, case_ids: list[int], kind: str) -> None:
    cases = Case.objects.select_related(*CASE_RELATIONS).filter(pk__in=case_ids).order_by("pk")
    # Cases of one grid, state and department share their audience: look it up once per group, not per case.
    audiences: dict[tuple, list[Any]] = {}
    rows: list[Notification] = []
    now = timezone.now()
    for case in cases:
        key = (case.state, case.grid_id, case.region_path, case.department_id, case.handling_unit_id)
        if key not in audiences:
            audiences[key] = selectors.recipients_for_case(case=case, kind=kind)
        title, body, url = message(case=case, kind=kind)
        rows += [Notification(recipient=user, kind=kind, case=case, title=title, body=body, url=url, created_at=now)
                 for user in audiences[key]]
    Notification.objects.bulk_create(rows, batch_size=1000)
    for row in rows:
        staff_outbound(case=row.case, kind=kind, users=[row.recipient], link=row.url)
    logger.info("%s notifications (%s) for %s cases", len(rows), kind, len(case_ids))


def deliver(*, case: Case, kind: str, users: list[Any], request: CaseRequest | None = None,
            at: datetime | None = None) -> None:
    """Send the notification of `kind` about `case` to `users`: in-app, plus e-mail/SMS through the outbox."""
    if not users:
        return
    title, body, url = message(case=case, kind=kind, request=request)
    notify_users(users=users, kind=kind, case=case, title=title, body=body, url=url, at=at)
    staff_outbound(case=case, kind=kind, users=users, link=url)


# --- wording -------------------------------------------------------------------------------------------------


def message(*, case: Case, kind: str, request: CaseRequest | None = None) -> tuple[str, str, str]:
    """(title, body, link) of a notification, worded in the platform's language (the recipients' shared default)."""
    with translation.override(settings.LANGUAGE_CODE):
        title = _title(case, kind, request)
        body = _body(case, kind, request)
    target = case.master if kind == K.MERGED and case.master is not None else case
    return title, body, reverse("console:detail", args=[target.number])


def _title(case: Case, kind: str, request: CaseRequest | None) -> str:
    values = {"number": case.number, "state": case.get_state_display(), "due": _local(case.due_at)}
    if kind == K.NEW_TASK:
        return _("New task: case %(number)s (%(state)s)") % values
    if kind == K.DEADLINE_WARNING:
        return _("Deadline near: case %(number)s is due at %(due)s") % values
    if kind == K.OVERDUE:
        return _("Overdue: case %(number)s passed its deadline (%(due)s)") % values
    if kind == K.URGED:
        return _("Urged (督办): case %(number)s") % values
    if kind == K.MERGED:
        master = case.master.number if case.master is not None else "?"
        return _("Your report %(number)s was merged into case %(master)s") % {**values, "master": master}
    if request is not None:
        values["kind"] = RequestKind(request.kind).label
        if kind == K.REQUEST_PENDING:
            return _("%(kind)s request on case %(number)s awaits your decision") % values
        if request.state == RequestState.APPROVED:
            return _("Your %(kind)s request on case %(number)s was approved") % values
        return _("Your %(kind)s request on case %(number)s was rejected") % values
    return str(K(kind).label)


def _body(case: Case, kind: str, request: CaseRequest | None) -> str:
    if request is not None:
        return request.reason if kind == K.REQUEST_PENDING else request.decision_note
    where = case.address or case.description[:120]
    return f"{case.catalog_class.local_name or case.catalog_class.name} · {where}"


def _local(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"
