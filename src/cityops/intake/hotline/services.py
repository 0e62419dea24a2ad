"""Writes of the hotline desk (热线受理): a call taken into a new case, or the caller added to an open one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.cases.models import Case, Source
from cityops.cases.scope import ensure_case_visible
from cityops.catalog.models import CatalogClass
from cityops.core.errors import InvalidInput
from cityops.core.permissions import require_role
from cityops.intake.entry import report_submit
from cityops.intake.services import case_caller_add, case_tracking_code_ensure
from cityops.notify.outbox import outbox_enqueue
from cityops.org.models import Role

if TYPE_CHECKING:
    from cityops.core.typing import Actor


@dataclass
class CallResult:
    case: Case
    created: bool  # False: the call was linked to an open case (or the form was sent twice)
    tracking_code: str


def hotline_call_take(*, actor: Actor, caller_phone: str, caller_name: str = "", catalog_class: CatalogClass | str,
                      description: str, lon: float, lat: float, address: str = "", duplicate_of: Case | None = None,
                      idempotency_key: str | None = None, at: datetime | None = None) -> CallResult:
    """Take a hotline call (热线受理): a new case from the hotline, or the caller added to an open case.

    Either way the caller gets an SMS with the case's tracking code (through the notify outbox, after commit).
    """
    at = at or timezone.now()
    require_role(actor, Role.ACCEPTOR)
    phone = (caller_phone or "").strip()
    if not phone:
        raise InvalidInput(_("The caller's number is required."), field="caller_phone")
    with transaction.atomic():
        if duplicate_of is not None:
            ensure_case_visible(actor, duplicate_of)
            case = case_caller_add(case=duplicate_of, actor=actor, caller_name=caller_name, caller_contact=phone,
                                   note=description, at=at)
            created = False
        else:
            result = report_submit(
                channel=Source.HOTLINE, catalog_class=catalog_class, description=description, lon=lon, lat=lat,
                address=address, reporter_name=caller_name.strip(), reporter_contact=phone,
                idempotency_key=idempotency_key, at=at, actor=actor)
            case, created = result.case, result.created
        code = case_tracking_code_ensure(case=case)
        if duplicate_of is not None:
            # A new case's caller hears of it from the case's own history (`cases.notices`, on "case.reported",
            # with this tracking code); a caller added to an open case has no event of their own to hear from.
            _sms_received(case, phone)
    return CallResult(case=case, created=created, tracking_code=code)


def _sms_received(case: Case, phone: str) -> None:
    """Queue the citizen's 'received' SMS with the tracking code (sent by the worker once this commits)."""
    context = {"case_number": case.number, "class_name": str(case.catalog_class),
               "tracking_code": case.tracking_code, "track_url": _track_url(case.tracking_code or "")}
    outbox_enqueue(channel="sms", to=phone, template="citizen.received", context=context, case=case)


def _track_url(code: str) -> str:
    """The public tracking page of a code, when the citizen portal is installed."""
    try:
        return reverse("portal:track", kwargs={"code": code})
    except NoReverseMatch:
        return ""
