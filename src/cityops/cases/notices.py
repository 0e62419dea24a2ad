"""Who hears of a case event, and what they are told: the cases' two subscribers (see `cases.subscribers`).

`staff_notices`: the staff concerned by an event (`cases.recipients.recipients_for_case`: who takes the next step
in the state the case committed in, the approvers of a pending request, the requester of a decided one, the
reporter of a merged duplicate; never the actor) get an in-app notification; those with an e-mail address also
get every new task, deadline warning, overdue mark and urging, those with a phone an SMS for the pressing ones
(new task, overdue, urged). The SLA job's batch is looked up once per group of cases sharing an audience.

`citizen_messages`: the citizen who left a contact on a report (`reporter_contact`: a phone number → SMS, an
e-mail address → e-mail) hears when it is received (with the tracking code), accepted, dispatched and closed
(with the result).

Both run after the change commits and re-read the case, so the state and tracking code it committed with decide;
delivery itself (inbox rows, outbox, templates, channels) is `notify`'s.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cityops.cases.models import Case, CaseEvent, CaseRequest, RequestKind, RequestState
from cityops.cases.recipients import recipients_for_case
from cityops.cases.workflow import REQUEST_TRANSITIONS, TRANSITIONS
from cityops.notify.models import Channel, NotificationKind
from cityops.notify.outbound import absolute, contact_outbound, users_outbound
from cityops.notify.services import Notice, notifications_create, notify_users

logger = logging.getLogger("cityops.cases.notices")
K = NotificationKind
# The case events staff are told of, and the notification each one becomes.
NOTICE_OF_EVENT: dict[str, str] = {
    "case.sent_to_verify": K.NEW_TASK,
    "case.dispatched": K.NEW_TASK,  # by a dispatcher, or automatically at registration
    "case.sent_to_check": K.NEW_TASK,
    "case.urged": K.URGED,
    "case.merged": K.MERGED,
    **{TRANSITIONS[ask].event: K.REQUEST_PENDING for ask, _apply in REQUEST_TRANSITIONS.values()},
    **{TRANSITIONS[apply].event: K.REQUEST_DECIDED for _ask, apply in REQUEST_TRANSITIONS.values()},
    "case.request_rejected": K.REQUEST_DECIDED,
    "case.deadline_warning": K.DEADLINE_WARNING,
    "case.overdue": K.OVERDUE,
}
REQUEST_KINDS = {K.REQUEST_PENDING, K.REQUEST_DECIDED}
SLA_KINDS = {K.DEADLINE_WARNING, K.OVERDUE}
STAFF_EMAIL_KINDS = {K.NEW_TASK, K.DEADLINE_WARNING, K.OVERDUE, K.URGED}
STAFF_SMS_KINDS = {K.NEW_TASK, K.OVERDUE, K.URGED}
# The case history's events a citizen hears about, and the message each one becomes.
CITIZEN_EVENTS = {
    "case.reported": "citizen.received",
    "case.accepted": "citizen.accepted",
    "case.verified": "citizen.accepted",
    "case.dispatched": "citizen.dispatched",
    "case.closed": "citizen.closed",
}
CASE_RELATIONS = ("catalog_class", "department", "handling_unit", "master", "reporter")


# --- the subscribers ---------------------------------------------------------------------------------------


def staff_notices(events: Sequence[CaseEvent]) -> None:
    """Tell the staff concerned by each event (in-app, plus e-mail and SMS through the outbox)."""
    sla: dict[str, list[int]] = {}
    for event in events:
        kind = NOTICE_OF_EVENT.get(event.action)
        if kind is None:
            continue
        if kind in SLA_KINDS:
            sla.setdefault(kind, []).append(event.case_id)
            continue
        request_id = (event.data or {}).get("request") if kind in REQUEST_KINDS else None
        _notify_case_event(
            case_id=event.case_id, kind=kind, actor_id=event.actor_id, request_id=request_id, at=event.at
        )
    for kind, case_ids in sla.items():
        _notify_sla_batch(case_ids=case_ids, kind=kind)


def citizen_messages(events: Sequence[CaseEvent]) -> None:
    """Queue the reporter's SMS or e-mail about each event they hear of, if they left a contact."""
    for event in events:
        if event.action not in CITIZEN_EVENTS or not event.case.reporter_contact:  # the case the service held
            continue
        case = Case.objects.select_related("catalog_class").filter(pk=event.case_id).first()
        if case is not None and case.reporter_contact:
            citizen_outbound(case=case, event=event.action)


# --- staff ---------------------------------------------------------------------------------------------------


def _notify_case_event(
    *, case_id: int, kind: str, actor_id: int | None, request_id: int | None, at: datetime | None
) -> None:
    case = Case.objects.select_related(*CASE_RELATIONS).filter(pk=case_id).first()
    request = (
        CaseRequest.objects.select_related("requested_by").filter(pk=request_id).first()
        if request_id
        else None
    )
    if case is None:
        return
    users = recipients_for_case(case=case, kind=kind, request=request)
    deliver(case=case, kind=kind, users=[u for u in users if u.pk != actor_id], request=request, at=at)


def _notify_sla_batch(*, case_ids: list[int], kind: str) -> None:
    cases = Case.objects.select_related(*CASE_RELATIONS).filter(pk__in=case_ids).order_by("pk")
    # Cases of one grid, state and department share their audience: look it up once per group, not per case.
    audiences: dict[tuple, list[Any]] = {}
    notices: list[Notice] = []
    for case in cases:
        key = (case.state, case.grid_id, case.region_path, case.department_id, case.handling_unit_id)
        if key not in audiences:
            audiences[key] = recipients_for_case(case=case, kind=kind)
        title, body, url = message(case=case, kind=kind)
        notices += [
            Notice(recipient=user, kind=kind, title=title, body=body, url=url, case=case)
            for user in audiences[key]
        ]
    rows = notifications_create(notices=notices)
    for row in rows:
        staff_outbound(case=row.case, kind=kind, users=[row.recipient], link=row.url)
    logger.info("%s notifications (%s) for %s cases", len(rows), kind, len(case_ids))


def deliver(
    *, case: Case, kind: str, users: list[Any], request: CaseRequest | None = None, at: datetime | None = None
) -> None:
    """Send the notification of `kind` about `case` to `users`: in-app, plus e-mail/SMS through the outbox."""
    if not users:
        return
    title, body, url = message(case=case, kind=kind, request=request)
    notify_users(users=users, kind=kind, case=case, title=title, body=body, url=url, at=at)
    staff_outbound(case=case, kind=kind, users=users, link=url)


def staff_outbound(*, case: Case, kind: str, users: list[Any], link: str) -> int:
    """Queue the e-mails and SMS of a staff notification; returns how many."""
    channels = {Channel.EMAIL} if kind in STAFF_EMAIL_KINDS else set()
    channels |= {Channel.SMS} if kind in STAFF_SMS_KINDS else set()
    if not channels:
        return 0
    context = {**case_context(case), "link": absolute(link)}
    return users_outbound(
        users=users, template=f"staff.{kind}", context=context, channels=channels, case=case
    )


# --- the citizen ---------------------------------------------------------------------------------------------


def citizen_outbound(*, case: Case, event: str) -> bool:
    """Queue the citizen's message about `event` on `case`, if they left a contact; returns whether one was."""
    template = CITIZEN_EVENTS.get(event)
    if template is None:
        return False
    return contact_outbound(
        contact=case.reporter_contact, template=template, context=case_context(case), case=case
    )


def case_context(case: Case) -> dict[str, Any]:
    """What message templates may use about a case (never internal notes or staff names)."""
    code = case.tracking_code or ""
    return {
        "case_number": case.number,
        "tracking_code": code,
        "track_url": absolute(track_path(code)) if code else "",
        "class_name": case.catalog_class.local_name or case.catalog_class.name,
        "address": case.address,
        "result": case.result,
        "due": _local(case.due_at),
        "state": case.get_state_display(),
    }


def track_path(code: str) -> str:
    """The public tracking page of a tracking code (the portal's, once it is installed)."""
    try:
        return reverse("portal:track", args=[code])
    except NoReverseMatch:
        return f"/portal/track/{code}/"


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
