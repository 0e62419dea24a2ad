"""Which SMS and e-mails a case event sends: to staff alongside their in-app notification, and to the citizen.

Staff with an e-mail address get every new task, deadline warning, overdue mark and urging; staff with a phone
get an SMS only for the pressing ones (new task, overdue, urged). The citizen who left a contact on a report
(`reporter_contact`: a phone number → SMS, an e-mail address → e-mail) hears when it is received (with the
tracking code), accepted, dispatched and closed (with the result). Called after commit by `notify.hooks`.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.signals import post_save
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from cityops.cases.models import Case, CaseEvent
from cityops.notify.models import Channel, NotificationKind
from cityops.notify.outbox import outbox_enqueue

K = NotificationKind
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
PHONE = re.compile(r"^\+?\d{7,15}$")


def staff_outbound(*, case: Case, kind: str, users: list[Any], link: str) -> int:
    """Queue the e-mails and SMS of a staff notification; returns how many."""
    if kind not in STAFF_EMAIL_KINDS:
        return 0
    context = {**case_context(case), "link": absolute(link)}
    count = 0
    for user in users:
        if user.email and kind in STAFF_EMAIL_KINDS:
            outbox_enqueue(channel=Channel.EMAIL, to=user.email, template=f"staff.{kind}", context=context, case=case)
            count += 1
        phone = normalize_phone(getattr(user, "phone", ""))
        if phone and kind in STAFF_SMS_KINDS:
            outbox_enqueue(channel=Channel.SMS, to=phone, template=f"staff.{kind}", context=context, case=case)
            count += 1
    return count


def citizen_outbound(*, case: Case, event: str) -> bool:
    """Queue the citizen's message about `event` on `case`, if they left a contact; returns whether one was."""
    template = CITIZEN_EVENTS.get(event)
    channel, address = contact_channel(case.reporter_contact)
    if template is None or channel is None:
        return False
    outbox_enqueue(channel=channel, to=address, template=template, context=case_context(case), case=case)
    return True


def contact_channel(contact: str) -> tuple[str | None, str]:
    """(channel, address) of a reporter's contact: an e-mail address, a phone number, or neither."""
    text = (contact or "").strip()
    if "@" in text:
        try:
            validate_email(text)
        except ValidationError:
            return None, ""
        return Channel.EMAIL, text
    phone = normalize_phone(text)
    return (Channel.SMS, phone) if phone else (None, "")


def normalize_phone(value: str) -> str:
    """The phone number without spaces, dashes and brackets, or "" when it is not one."""
    digits = re.sub(r"[\s\-()]", "", value or "")
    return digits if PHONE.match(digits) else ""


def case_context(case: Case) -> dict[str, Any]:
    """What message templates may use about a case (never internal notes or staff names)."""
    code = case.tracking_code or ""
    return {
        "case_number": case.number, "tracking_code": code, "track_url": absolute(track_path(code)) if code else "",
        "class_name": case.catalog_class.local_name or case.catalog_class.name, "address": case.address,
        "result": case.result, "due": _local(case.due_at), "state": case.get_state_display(),
    }


def track_path(code: str) -> str:
    """The public tracking page of a tracking code (the portal's, once it is installed)."""
    try:
        return reverse("portal:track", args=[code])
    except NoReverseMatch:
        return f"/portal/track/{code}/"


def absolute(path: str) -> str:
    return f"{settings.CITYOPS_PUBLIC_BASE_URL.rstrip('/')}{path}" if path.startswith("/") else path


def _local(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"


# --- the citizen side hangs off the case history --------------------------------------------------------------


def _on_case_event(sender: type, instance: CaseEvent, created: bool, **kwargs: Any) -> None:
    # Every workflow service writes a CaseEvent in its transaction; listening there catches each path to an
    # event (the report, the console, the API, auto-dispatch) without a call in each service. The message is
    # queued after the commit, from the case as it committed (the tracking code set in the same transaction).
    if not created or instance.action not in CITIZEN_EVENTS or kwargs.get("raw"):
        return
    if not instance.case.reporter_contact:  # the case object the service holds: no query, no callback
        return
    case_id, action = instance.case_id, instance.action

    def notify_citizen() -> None:
        case = Case.objects.select_related("catalog_class").filter(pk=case_id).first()
        if case is not None and case.reporter_contact:
            citizen_outbound(case=case, event=action)

    transaction.on_commit(notify_citizen, robust=True)


def connect() -> None:
    """Listen to case events (called once from the app's ready())."""
    post_save.connect(_on_case_event, sender=CaseEvent, dispatch_uid="notify.citizen_outbound")
