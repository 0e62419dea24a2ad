"""Citizen portal reads: what the public may see of a report, and accepted reports nearby.

Only public fields leave here: the category, a coarse status, dates, the handling result and photos.
Never internal notes, actors (staff names), departments or the reporter's contact.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cityops.cases.models import Case, CaseEvent, CaseState, PhotoPhase
from cityops.core.errors import InvalidInput
from cityops.intake.models import PublicCategory
from cityops.intake.portal_services import case_by_tracking_code

# States a report reaches only after an acceptor took it in: its text and photos may then be shown.
ACCEPTED_STATES = frozenset({
    CaseState.ACCEPTED, CaseState.REGISTERED, CaseState.DISPATCHED, CaseState.HANDLED, CaseState.CHECKING,
    CaseState.CHECKED, CaseState.CLOSED, CaseState.SUSPENDED,
})

# Workflow events shown on the public timeline, each as a plain step; every other event stays internal.
PUBLIC_STEPS: dict[str, tuple[str, Any]] = {
    "case.reported": ("received", _("Received")),
    "case.accepted": ("accepted", _("Accepted")),
    "case.verified": ("accepted", _("Accepted")),
    "case.dispatched": ("dispatched", _("Sent to the department in charge")),
    "case.handled": ("handled", _("Handled")),
    "case.closed": ("closed", _("Closed")),
    "case.self_handled": ("closed", _("Closed")),
    "case.voided": ("voided", _("Not taken up")),
    "case.merged": ("merged", _("Joined to an earlier report of the same problem")),
}

PUBLIC_STATUS: dict[str, Any] = {
    CaseState.REPORTED: _("Received"), CaseState.VERIFYING: _("Received"), CaseState.ACCEPTED: _("Accepted"),
    CaseState.REGISTERED: _("Accepted"), CaseState.DISPATCHED: _("Being handled"),
    CaseState.SUSPENDED: _("Being handled"), CaseState.HANDLED: _("Handled, being checked"),
    CaseState.CHECKING: _("Handled, being checked"), CaseState.CHECKED: _("Handled, being checked"),
    CaseState.CLOSED: _("Closed"), CaseState.VOIDED: _("Not taken up"),
}

NEARBY_DAYS = 30
NEARBY_MAX_RADIUS_M = 3000
NEARBY_LIMIT = 200


def public_categories() -> list[PublicCategory]:
    """The active plain-words categories, in their order."""
    return list(PublicCategory.objects.filter(is_active=True).select_related("catalog_class"))


def category_label(category: PublicCategory) -> str:
    return category.name_en if _english() and category.name_en else category.name


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _class_label(case: Case) -> str:
    category = PublicCategory.objects.filter(catalog_class_id=case.catalog_class_id).first()
    if category is not None:
        return category_label(category)
    klass = case.catalog_class
    return klass.name_en if _english() and klass.name_en else (klass.local_name or klass.name)


def public_request(*, code: str) -> dict[str, Any]:
    """The public view of one report by its tracking code (404 for an unknown code)."""
    case = case_by_tracking_code(code)
    accepted = case.state in ACCEPTED_STATES or _was_accepted(case)
    shown = accepted and not case.public_hidden
    closed = case.state == CaseState.CLOSED
    photos = list(case.photos.all())
    return {
        "tracking_code": case.tracking_code,
        "category": _class_label(case),
        "status": case.state if case.state in (CaseState.CLOSED, CaseState.VOIDED) else _step_of(case),
        "status_label": str(PUBLIC_STATUS.get(case.state, _("Received"))),
        "reported_at": case.reported_at,
        "closed_at": case.closed_at if closed else None,
        "accepted": accepted,
        "hidden": case.public_hidden,
        "description": case.description if shown else None,
        "address": case.address if shown else None,
        "location": [round(case.lon, 5), round(case.lat, 5)] if shown else None,
        "photos": [_photo(p) for p in photos if p.phase == PhotoPhase.BEFORE] if shown else [],
        "result": case.result if closed else None,
        "after_photos": [_photo(p) for p in photos if p.phase == PhotoPhase.AFTER] if closed else [],
        "timeline": _timeline(case),
        "can_rate": closed and case.rated_at is None,
        "satisfaction": case.satisfaction,
        "satisfaction_comment": case.satisfaction_comment if case.rated_at else None,
        "rated_at": case.rated_at,
        "can_reopen": closed and not case.recurrences.exists(),
        "recurrence_of": case.recurrence_of.tracking_code if case.recurrence_of_id else None,
        "reopened_as": [c.tracking_code for c in case.recurrences.exclude(tracking_code=None).order_by("id")],
    }


def _was_accepted(case: Case) -> bool:
    return case.events.filter(action__in=("case.accepted", "case.verified")).exists()


def _step_of(case: Case) -> str:
    return {CaseState.REPORTED: "received", CaseState.VERIFYING: "received", CaseState.DISPATCHED: "dispatched",
            CaseState.SUSPENDED: "dispatched", CaseState.HANDLED: "handled", CaseState.CHECKING: "handled",
            CaseState.CHECKED: "handled"}.get(case.state, "accepted")


def _timeline(case: Case) -> list[dict[str, Any]]:
    events: QuerySet[CaseEvent] = case.events.filter(action__in=PUBLIC_STEPS).only("action", "at").order_by("at", "id")
    return [{"step": PUBLIC_STEPS[e.action][0], "label": str(PUBLIC_STEPS[e.action][1]), "at": e.at} for e in events]


def _photo(photo: Any) -> dict[str, Any]:
    return {"url": photo.image.url, "thumbnail": photo.thumbnail.url if photo.thumbnail else photo.image.url}


def public_nearby(*, lon: float, lat: float, radius_m: int = 1000, limit: int = 100) -> list[dict[str, Any]]:
    """Accepted, not hidden reports of the last 30 days within `radius_m` of the point (public fields only)."""
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidInput(_("The point is not a valid WGS84 position."), field="lon")
    radius_m = max(50, min(int(radius_m), NEARBY_MAX_RADIUS_M))
    limit = max(1, min(int(limit), NEARBY_LIMIT))
    dlat = radius_m / 111_320
    dlon = radius_m / (111_320 * max(0.01, math.cos(math.radians(lat))))
    since = timezone.now() - timedelta(days=NEARBY_DAYS)
    cases = (Case.objects.filter(state__in=ACCEPTED_STATES, public_hidden=False, reported_at__gte=since,
                                 lon__range=(lon - dlon, lon + dlon), lat__range=(lat - dlat, lat + dlat))
             .select_related("catalog_class").order_by("-reported_at")[:limit])
    labels = {c.catalog_class_id: category_label(c) for c in PublicCategory.objects.filter(is_active=True)}
    return [_nearby_row(case, labels) for case in cases]


def _nearby_row(case: Case, labels: dict[int, str]) -> dict[str, Any]:
    klass = case.catalog_class
    label = labels.get(klass.id) or (klass.name_en if _english() and klass.name_en else klass.name)
    return {
        "category": label,
        "status": "closed" if case.state == CaseState.CLOSED else "open",
        "status_label": str(PUBLIC_STATUS[case.state]),
        "reported_at": case.reported_at,
        "lon": round(case.lon, 5),
        "lat": round(case.lat, 5),
    }


def moderation_queue(*, user: Any, limit: int = 100) -> list[Case]:
    """Citizen reports not yet accepted, in the acceptor's scope, oldest first (审核队列)."""
    from cityops.cases.models import Source
    from cityops.cases.scope import case_scope_q
    from cityops.core.permissions import is_platform_admin, require_role
    from cityops.org.models import Role

    if not is_platform_admin(user):
        require_role(user, Role.ACCEPTOR)
    return list(Case.objects.filter(case_scope_q(user), source=Source.CITIZEN,
                                    state__in=(CaseState.REPORTED, CaseState.VERIFYING))
                .select_related("catalog_class").prefetch_related("photos").order_by("reported_at", "id")[:limit])
