"""Citizen portal reads: what the public may see of a report, and accepted reports nearby.

Only public fields leave here: the category, a coarse status, dates, the handling result and photos.
Never internal notes, actors (staff names), departments or the reporter's contact.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cityops.cases.models import Case, CaseEvent, CaseState, PhotoPhase, Source
from cityops.cases.photos import case_photo_url
from cityops.cases.scope import case_scope_q
from cityops.core.errors import InvalidInput, NotFound
from cityops.core.permissions import is_platform_admin, require_role
from cityops.geo.models import Region
from cityops.intake.models import PublicCategory
from cityops.org.models import Role

if TYPE_CHECKING:
    from cityops.core.typing import AnyUser

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
MAX_PLACES = 10


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


# --- a report by its tracking code (查询码) ----------------------------------------------------------------


def normalise_tracking_code(code: str) -> str:
    """The code as stored: upper case, spaces and dashes a citizen may type removed."""
    return re.sub(r"[\s\-]", "", code or "").upper()


def case_by_tracking_code(code: str, *, lock: bool = False) -> Case:
    """The case with this tracking code (404 otherwise); `lock` holds its row for the transaction."""
    qs = Case.objects.select_for_update() if lock else Case.objects
    case = qs.filter(tracking_code=normalise_tracking_code(code)).first() if code else None
    if case is None:
        raise NotFound(_("No report has this tracking code."))
    return case


# --- the public visibility rule (公开规则): the portal, its map and Open311 all ask these functions ------------

# Channels through which a member of the public writes the report themselves. Only such text, place and photos
# are ever published (after moderation); what staff wrote down (inspectors, the hotline desk, staff entry,
# machines) is internal, even when a caller follows the case with a tracking code.
SELF_REPORTED_SOURCES = frozenset({Source.CITIZEN, Source.OPEN311})
ACCEPTED_ACTIONS = ("case.accepted", "case.verified")


def public_case_q() -> Q:
    """The cases the public may look up at all: those with a tracking code (portal reports, hotline callers)
    and the reports filed through Open311 (whose public key is the case number)."""
    return Q(tracking_code__isnull=False) | Q(source=Source.OPEN311)


def public_cases() -> QuerySet[Case]:
    """`public_case_q` as a queryset, annotated and prefetched so that `public_content` costs no query per case."""
    accepted = CaseEvent.objects.filter(case=OuterRef("pk"), action__in=ACCEPTED_ACTIONS)
    return (Case.objects.filter(public_case_q()).annotate(public_was_accepted=Exists(accepted))
            .prefetch_related("photos"))


def public_place_q() -> Q:
    """The cases whose place may be shown on a public map (in SQL; `public_content(...).shown` per case)."""
    return (public_case_q() & Q(source__in=SELF_REPORTED_SOURCES, state__in=ACCEPTED_STATES)
            & Q(public_hidden=False))


@dataclass(frozen=True)
class PublicContent:
    """What the public sees of a report's content: all of it once accepted and not hidden, else nothing."""

    accepted: bool
    shown: bool
    description: str | None
    address: str | None
    location: tuple[float, float] | None  # (lon, lat) rounded to 5 decimals (about a metre), as on the map
    photos: tuple[Any, ...]  # the "before" photos (CasePhoto)
    result: str | None  # the handling result, public once closed


def public_content(case: Case) -> PublicContent:
    """The public content of a case (公开内容): the one rule behind the portal, its map and Open311."""
    accepted = case.state in ACCEPTED_STATES or _was_accepted(case)
    shown = accepted and not case.public_hidden and case.source in SELF_REPORTED_SOURCES
    before = tuple(p for p in case.photos.all() if p.phase == PhotoPhase.BEFORE) if shown else ()
    return PublicContent(
        accepted=accepted, shown=shown,
        description=case.description if shown else None,
        address=case.address if shown else None,
        location=(round(case.lon, 5), round(case.lat, 5)) if shown else None,
        photos=before,
        result=case.result if case.state == CaseState.CLOSED else None,
    )


def public_request(*, code: str) -> dict[str, Any]:
    """The public view of one report by its tracking code (404 for an unknown code)."""
    # Every case with a tracking code is public (`public_case_q`): the code finds it, `public_content` trims it.
    case = case_by_tracking_code(code)
    content = public_content(case)
    closed = case.state == CaseState.CLOSED
    return {
        "tracking_code": case.tracking_code,
        "category": _class_label(case),
        "status": case.state if case.state in (CaseState.CLOSED, CaseState.VOIDED) else _step_of(case),
        "status_label": str(PUBLIC_STATUS.get(case.state, _("Received"))),
        "reported_at": case.reported_at,
        "closed_at": case.closed_at if closed else None,
        "accepted": content.accepted,
        "hidden": case.public_hidden,
        "description": content.description,
        "address": content.address,
        "location": list(content.location) if content.location else None,
        "photos": [_photo(p) for p in content.photos],
        "result": content.result,
        "after_photos": [_photo(p) for p in public_photos(case) if p.phase == PhotoPhase.AFTER],
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
    annotated = getattr(case, "public_was_accepted", None)  # set by `public_cases`: no query per case in a list
    if annotated is not None:
        return bool(annotated)
    return case.events.filter(action__in=ACCEPTED_ACTIONS).exists()


def _step_of(case: Case) -> str:
    return {CaseState.REPORTED: "received", CaseState.VERIFYING: "received", CaseState.DISPATCHED: "dispatched",
            CaseState.SUSPENDED: "dispatched", CaseState.HANDLED: "handled", CaseState.CHECKING: "handled",
            CaseState.CHECKED: "handled"}.get(case.state, "accepted")


def _timeline(case: Case) -> list[dict[str, Any]]:
    events: QuerySet[CaseEvent] = case.events.filter(action__in=PUBLIC_STEPS).only("action", "at").order_by("at", "id")
    return [{"step": PUBLIC_STEPS[e.action][0], "label": str(PUBLIC_STEPS[e.action][1]), "at": e.at} for e in events]


def public_photos(case: Case) -> list[Any]:
    """The photos the public page of a report shows: its public content's, and the after-photos once closed."""
    closed = case.state == CaseState.CLOSED
    return [*public_content(case).photos, *(p for p in case.photos.all() if closed and p.phase == PhotoPhase.AFTER)]


def photo_is_public(photo: Any) -> bool:
    """Whether anyone may fetch `photo` (the photo download asks): it is on its report's public page."""
    if not Case.objects.filter(public_case_q(), pk=photo.case_id).exists():
        return False
    return any(shown.pk == photo.pk for shown in public_photos(photo.case))


def public_photo_url(photo: Any) -> str:
    """The address at which the public fetches a photo of a report (the portal's and Open311's media_url)."""
    return case_photo_url(photo)


def _photo(photo: Any) -> dict[str, Any]:
    return {"url": public_photo_url(photo), "thumbnail": case_photo_url(photo, variant="thumb")}


def public_nearby(*, lon: float, lat: float, radius_m: int = 1000, limit: int = 100) -> list[dict[str, Any]]:
    """Reports of the last 30 days within `radius_m` of the point whose place is public (`public_place_q`)."""
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidInput(_("The point is not a valid WGS84 position."), field="lon")
    radius_m = max(50, min(int(radius_m), NEARBY_MAX_RADIUS_M))
    limit = max(1, min(int(limit), NEARBY_LIMIT))
    dlat = radius_m / 111_320
    dlon = radius_m / (111_320 * max(0.01, math.cos(math.radians(lat))))
    since = timezone.now() - timedelta(days=NEARBY_DAYS)
    cases = (Case.objects.filter(public_place_q(), reported_at__gte=since,
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


def moderation_queue(*, user: AnyUser, limit: int = 100) -> list[Case]:
    """Citizen reports not yet accepted, in the acceptor's scope, oldest first (审核队列)."""
    if not is_platform_admin(user):
        require_role(user, Role.ACCEPTOR)
    return list(Case.objects.filter(case_scope_q(user), source=Source.CITIZEN,
                                    state__in=(CaseState.REPORTED, CaseState.VERIFYING))
                .select_related("catalog_class").prefetch_related("photos").order_by("reported_at", "id")[:limit])


# --- public places (no geocoder: a region names the place) ---------------------------------------------------


def public_place_search(*, q: str) -> list[dict[str, str]]:
    """Regions of the whole city whose name or code matches `q`, at most 10, as public names (no geometry)."""
    term = (q or "").strip()
    if not term:
        return []
    regions = Region.objects.only("code", "name", "level")
    found = (regions.filter(name__icontains=term) | regions.filter(code__startswith=term)).order_by("path")
    return [{"code": r.code, "name": r.name, "level": str(r.get_level_display())} for r in found[:MAX_PLACES]]


def public_place_point(*, code: str) -> tuple[float, float] | None:
    """The centroid (lon, lat) of the region with this code, None when there is none."""
    region = Region.objects.filter(code=(code or "").strip()).only("centroid_lon", "centroid_lat").first()
    return (region.centroid_lon, region.centroid_lat) if region and code.strip() else None
