"""Citizen portal writes (公众服务): a public report, its rating, a reopen, and the acceptor's moderation.

Citizens are anonymous: their reports are filed by the system actor ``PORTAL_ACTOR`` (a string, so
`cases.services` treats it as the system: no role or data-scope check, no reporter user). The tracking code is
the citizen's only key to their report (`intake.services.tracking_code_new`: unguessable).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.cases.models import Case, CaseState, Source
from cityops.cases.photos import case_photo_add
from cityops.cases.scope import ensure_case_visible
from cityops.cases.workflow import record_event
from cityops.core.audit import audit_log
from cityops.core.errors import Conflict, InvalidInput
from cityops.core.permissions import is_platform_admin, require_role
from cityops.core.ratelimit import rate_limit_hit
from cityops.core.uploads import check_image
from cityops.intake.entry import report_submit
from cityops.intake.models import PublicCategory
from cityops.intake.portal.challenge import challenge_check
from cityops.intake.portal.selectors import case_by_tracking_code, public_place_point, public_place_search
from cityops.intake.services import case_tracking_code_ensure, tracking_code_new
from cityops.org.models import Role

if TYPE_CHECKING:
    from cityops.core.typing import Actor

PORTAL_ACTOR = "portal"
MAX_PHOTOS = 3
MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_COMMENT = 500
_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{5,19}$")


def _limits() -> dict[str, int]:
    defaults = {"ip_per_hour": 10, "contact_per_day": 5, "rate_per_hour": 20}
    return {**defaults, **getattr(settings, "CITYOPS_PORTAL_LIMITS", {})}


@dataclass(frozen=True)
class PublicReport:
    """What a citizen sends: validated by `portal_report_submit`."""

    category: PublicCategory | int | str | None
    description: str
    lon: float | None
    lat: float | None
    address: str = ""
    contact: str = ""
    photos: tuple[Any, ...] = ()
    challenge_token: str = ""
    challenge_answer: str = ""
    place: str = ""


def portal_report_submit(*, report: PublicReport, ip: str, recurrence_of: Case | None = None) -> Case:
    """File a citizen's report (公众举报): rate limits, challenge, photos checked, then one case with a code."""
    limits = _limits()
    rate_limit_hit(key=f"portal:ip:{ip}", limit=limits["ip_per_hour"], window_seconds=3600)
    contact = _contact(report.contact)
    if contact:
        rate_limit_hit(key=f"portal:contact:{contact.lower()}", limit=limits["contact_per_day"],
                       window_seconds=86400)
    challenge_check(token=report.challenge_token, answer=report.challenge_answer,
                    min_age=getattr(settings, "CITYOPS_PORTAL_CHALLENGE_MIN_AGE", 2))
    category = _category(report.category)
    lon, lat = _point(report)
    photos = _checked_photos(report.photos)
    return _file(category=category, description=report.description, lon=lon, lat=lat, address=report.address,
                 contact=contact, photos=photos, recurrence_of=recurrence_of)


def _contact(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    if "@" in value:
        try:
            validate_email(value)
        except ValidationError:
            raise InvalidInput(_("Enter a valid e-mail address or phone number."), field="contact") from None
        return value
    if not _PHONE.match(value):
        raise InvalidInput(_("Enter a valid e-mail address or phone number."), field="contact")
    return re.sub(r"[\s\-]", "", value)


def _category(value: PublicCategory | int | str | None) -> PublicCategory:
    if isinstance(value, PublicCategory):
        return value
    found = None
    if value not in (None, "") and str(value).isdigit():
        found = PublicCategory.objects.select_related("catalog_class").filter(pk=int(value), is_active=True).first()
    if found is None:
        raise InvalidInput(_("Choose what kind of problem it is."), field="category")
    return found


def _point(report: PublicReport) -> tuple[float, float]:
    if report.lon is not None and report.lat is not None:
        return float(report.lon), float(report.lat)
    point = _place_point(report.place, report.address)
    if point is None:
        # No geocoder: an address is placed only through a region (street, community, grid) it names.
        raise InvalidInput(_("Mark the place on the map or choose an address from the search results."),
                           field="location")
    return point


def _place_point(place: str, address: str) -> tuple[float, float] | None:
    """The centroid of the picked region; else of the one region the typed address names exactly."""
    if (place or "").strip():
        point = public_place_point(code=place)
        if point is None:
            raise InvalidInput(_("This place is not known: search again and choose one of the results."),
                               field="address")
        return point
    matches = public_place_search(q=address)
    exact = [m for m in matches if m["name"] == (address or "").strip()]
    return public_place_point(code=exact[0]["code"]) if len(exact) == 1 else None


def _checked_photos(photos: tuple[Any, ...]) -> list[Any]:
    photos = [p for p in photos if p]
    if len(photos) > MAX_PHOTOS:
        raise InvalidInput(_("At most %(n)d photos.") % {"n": MAX_PHOTOS}, field="photos")
    # Every photo is checked before anything is written: a refused photo leaves no case behind.
    for upload in photos:
        check_image(upload, field="photos", max_bytes=MAX_PHOTO_BYTES)
    return photos


def _file(*, category: PublicCategory, description: str, lon: float, lat: float, address: str, contact: str,
          photos: list[Any], recurrence_of: Case | None) -> Case:
    # One transaction for the case, its code and its photos: a citizen never gets a case without a code.
    # (The day's number counter is then held until the photos are stored: citizen volume makes that cheap.)
    with transaction.atomic():
        result = report_submit(channel=Source.CITIZEN, catalog_class=category.catalog_class,
                               description=description or "", lon=lon, lat=lat, address=address or "",
                               reporter_contact=contact, recurrence_of=recurrence_of, actor=PORTAL_ACTOR)
        case = result.case
        case_tracking_code_ensure(case=case)
        for upload in photos:
            case_photo_add(case=case, actor=PORTAL_ACTOR, upload=upload, phase="before")
        audit_log(actor=PORTAL_ACTOR, action="intake.portal.reported", obj=case,
                  data={"number": case.number, "category": category.name, "with_contact": bool(contact),
                        "photos": len(photos), "recurrence_of": recurrence_of.number if recurrence_of else None})
    return case


# --- after the close: rating and reopening --------------------------------------------------------------


def portal_rate(*, code: str, satisfaction: int, comment: str = "", ip: str) -> Case:
    """Rate the result of a closed report (1–5 and a comment), once."""
    rate_limit_hit(key=f"portal:rate:{ip}", limit=_limits()["rate_per_hour"], window_seconds=3600)
    if not isinstance(satisfaction, int) or not 1 <= satisfaction <= 5:
        raise InvalidInput(_("Choose a rating from 1 to 5."), field="satisfaction")
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidInput(_("The comment is longer than %(n)d characters.") % {"n": MAX_COMMENT}, field="comment")
    with transaction.atomic():
        # The row lock makes "once" hold when two ratings arrive together.
        case = case_by_tracking_code(code, lock=True)
        if case.state != CaseState.CLOSED:
            raise Conflict(_("A report can be rated once it is closed."))
        if case.rated_at is not None:
            raise Conflict(_("This report has already been rated."))
        case.satisfaction, case.satisfaction_comment, case.rated_at = satisfaction, comment, timezone.now()
        case.save(update_fields=["satisfaction", "satisfaction_comment", "rated_at"])
        record_event(case, "case.rated", actor=PORTAL_ACTOR, data={"satisfaction": satisfaction}, note=comment)
    return case


def portal_reopen(*, code: str, report: PublicReport, ip: str) -> Case:
    """Not fixed: report the problem again as a new case linked to the closed one (复发)."""
    previous = case_by_tracking_code(code)
    if previous.state != CaseState.CLOSED:
        raise Conflict(_("Only a closed report can be reopened."))
    if previous.recurrences.exists():
        raise Conflict(_("This report has already been reopened."))
    category = PublicCategory.objects.filter(catalog_class=previous.catalog_class, is_active=True).first()
    reopened = PublicReport(
        category=category or _fallback_category(previous), description=report.description, lon=previous.lon,
        lat=previous.lat, address=previous.address, contact=report.contact or previous.reporter_contact,
        photos=report.photos, challenge_token=report.challenge_token, challenge_answer=report.challenge_answer,
    )
    return portal_report_submit(report=reopened, ip=ip, recurrence_of=previous)


def _fallback_category(case: Case) -> PublicCategory:
    # A case from another channel may be of a class no public category names: keep its class.
    return PublicCategory(name=case.catalog_class.name, name_en=case.catalog_class.name_en,
                          catalog_class=case.catalog_class)


# --- moderation (acceptors) ------------------------------------------------------------------------------


def case_public_hide(*, case: Case, actor: Actor, hidden: bool = True, note: str = "") -> Case:
    """Hide (or show again) a report's text and photos on the public pages (审核屏蔽); acceptors only."""
    if not is_platform_admin(actor):
        require_role(actor, Role.ACCEPTOR)
        ensure_case_visible(actor, case)
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.public_hidden == hidden:
            return locked
        locked.public_hidden = hidden
        locked.save(update_fields=["public_hidden"])
        record_event(locked, "case.public_hidden" if hidden else "case.public_shown", actor=actor, note=note)
        audit_log(actor=actor, action="intake.portal.hidden" if hidden else "intake.portal.shown", obj=locked,
                  data={"number": locked.number})
    return locked


__all__ = ["PORTAL_ACTOR", "PublicReport", "case_public_hide", "portal_rate",
           "portal_reopen", "portal_report_submit", "tracking_code_new"]
