"""Photos of a case (before / after / check): checked by content, stored upright and downscaled, with a thumbnail;
and who of the staff may see them (`ensure_case_photo_visible`; what the public sees is the portal's rule)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.cases.models import OPEN_STATES, Case, CaseEvent, CasePhoto, PhotoPhase
from cityops.cases.scope import case_scope_q, ensure_case_visible
from cityops.cases.subscribers import case_events_publish
from cityops.cases.workflow import StaleVersion, handler_responsible
from cityops.core.audit import audit_log
from cityops.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from cityops.core.permissions import is_platform_admin, is_user, require_token_scope
from cityops.core.uploads import CONTENT_TYPES, EXTENSIONS, check_image, oversized_format, prepared_photo

if TYPE_CHECKING:
    from cityops.core.typing import Actor, AnyUser

MAX_PHOTOS_PER_PHASE = 9
THUMBNAIL_SIDE = 320


def case_photo_add(*, case: Case, actor: Actor, upload: Any, phase: str, version: int | None = None) -> CasePhoto:
    """Attach a photo (现场照片) to a case: JPEG/PNG/WebP by content, at most 9 per phase, with a thumbnail.

    Adding a photo does not bump the case version: it changes nothing another actor decides on.
    """
    phase = _phase(phase)
    _check_actor(case=case, actor=actor, phase=phase)
    image_format = check_image(upload, field="file")
    stored: list[Any] = []
    try:
        with transaction.atomic():
            locked = _lock(case, version)
            photo = _store(locked, actor, upload, phase, image_format, stored)
            _record(locked, actor, photo)
    except BaseException:
        # The files were written before the rows; a rolled-back insert must not leave orphans behind.
        for field_file in stored:
            field_file.delete(save=False)
        raise
    return photo


def _phase(phase: str) -> str:
    if phase not in PhotoPhase.values:
        raise InvalidInput(
            _("phase must be one of: %(choices)s.") % {"choices": ", ".join(PhotoPhase.values)}, field="phase"
        )
    return phase


def _check_actor(*, case: Case, actor: Actor, phase: str) -> None:
    """Token scope (403), data scope (404), then who may add which phase (403)."""
    if actor is None or isinstance(actor, str):  # the system and commands
        return
    require_token_scope(actor, "cases:write")
    ensure_case_visible(actor, case)
    if not may_add_photo(case=case, user=actor, phase=phase):
        raise Forbidden(_("You may not add %(phase)s photos to this case.") % {"phase": phase})


def may_add_photo(*, case: Case, user: AnyUser, phase: str) -> bool:
    """The reporter (before), inspectors (before, check), the responsible department's handlers (after),
    acceptors (any phase, for reports they take in from other channels), admins."""
    if is_platform_admin(user) or user.has_role("acceptor"):
        return True
    if phase == PhotoPhase.BEFORE and case.reporter_id is not None and case.reporter_id == user.pk:
        return True
    if phase in (PhotoPhase.BEFORE, PhotoPhase.CHECK) and user.has_role("inspector"):
        return True
    return phase == PhotoPhase.AFTER and user.has_role("handler") and handler_responsible(user, case)


def _lock(case: Case, version: int | None) -> Case:
    # Lock the case row: two uploads at once must not both pass the per-phase count.
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if version is not None and version != locked.version:
        raise _stale(locked, version)
    if locked.state not in OPEN_STATES:
        raise Conflict(_("Case %(number)s is %(state)s; photos can no longer be added.")
                       % {"number": locked.number, "state": locked.get_state_display()})
    return locked


def _stale(case: Case, version: int) -> Conflict:
    return StaleVersion(_("Case %(number)s has changed (version %(now)s, you saw %(seen)s); reload it and try again.")
                        % {"number": case.number, "now": case.version, "seen": version}, field="version")


def _store(case: Case, actor: Actor, upload: Any, phase: str, image_format: str, stored: list) -> CasePhoto:
    if CasePhoto.objects.filter(case=case, phase=phase).count() >= MAX_PHOTOS_PER_PHASE:
        raise Conflict(_("A case may have at most %(n)d %(phase)s photos.") % {"n": MAX_PHOTOS_PER_PHASE,
                                                                            "phase": phase}, field="file")
    prepared = prepared_photo(upload, image_format, thumbnail_side=THUMBNAIL_SIDE)  # decoded once, for both
    name = f"{case.number}-{phase}-{uuid.uuid4().hex[:12]}"
    photo = CasePhoto(case=case, phase=phase, content_type=CONTENT_TYPES[image_format], size=prepared.image.size,
                      uploaded_by=actor if is_user(actor) else None, uploaded_at=timezone.now())
    photo.image.save(f"{name}.{EXTENSIONS[image_format]}", prepared.image, save=False)
    stored.append(photo.image)
    photo.thumbnail.save(f"{name}.jpg", prepared.thumbnail, save=False)
    stored.append(photo.thumbnail)
    photo.save()
    return photo


def _record(case: Case, actor: Actor, photo: CasePhoto) -> None:
    data = {"photo_id": photo.pk, "phase": photo.phase, "file": photo.image.name}
    event = CaseEvent.objects.create(case=case, at=photo.uploaded_at, actor=actor if is_user(actor) else None,
                                     actor_label=_actor_label(actor), action="case.photo_added", data=data)
    case_events_publish([event])
    audit_log(actor=actor, action="case.photo_added", obj=case, data={"number": case.number, **data})


def _actor_label(actor: Actor) -> str:
    if not is_user(actor):
        return str(actor or "system")[:150]
    token = getattr(actor, "via_token", None)
    label = str(actor)
    return (f"{label} (token {token.prefix})" if token is not None else label)[:150]


# --- photos stored before the size limit ------------------------------------------------------------------


def case_photos_shrink(*, actor: Actor) -> int:
    """Store again, downscaled with a new thumbnail, the photos larger than `CITYOPS_PHOTO_MAX_EDGE` (uploaded
    before the limit existed); returns how many. The old files are removed once the rows point at the new ones."""
    shrunk = 0
    for photo in CasePhoto.objects.select_related("case").order_by("pk").iterator(chunk_size=200):
        image_format = oversized_format(photo.image)
        if image_format is not None:
            _shrink(photo, image_format)
            shrunk += 1
    if shrunk:
        audit_log(actor=actor, action="cases.photos.shrunk", data={"photos": shrunk})
    return shrunk


def _shrink(photo: CasePhoto, image_format: str) -> None:
    with photo.image.open("rb") as source:
        prepared = prepared_photo(source, image_format, thumbnail_side=THUMBNAIL_SIDE)
    old = [photo.image.name, photo.thumbnail.name]
    name = f"{photo.case.number}-{photo.phase}-{uuid.uuid4().hex[:12]}"
    photo.image.save(f"{name}.{EXTENSIONS[image_format]}", prepared.image, save=False)
    photo.thumbnail.save(f"{name}.jpg", prepared.thumbnail, save=False)
    photo.size = prepared.image.size
    photo.save(update_fields=["image", "thumbnail", "size"])
    storage = photo.image.storage
    for stale in filter(None, old):
        storage.delete(stale)


# --- who may see a photo ----------------------------------------------------------------------------------


# Who may show a case photo to anyone: rules the apps above cases register from their ready() (the citizen
# portal: a photo on an accepted report's public page). Cases itself publishes nothing; no rule, no public photo.
_public_photo_rules: list[Callable[[CasePhoto], bool]] = []


def public_photo_rule_register(rule: Callable[[CasePhoto], bool]) -> None:
    """Add a rule that makes a case photo public (once, however often the app loads)."""
    if rule not in _public_photo_rules:
        _public_photo_rules.append(rule)


def case_photo_is_public(photo: CasePhoto) -> bool:
    """Whether anyone, signed in or not, may fetch `photo`: a registered rule says so."""
    return any(rule(photo) for rule in _public_photo_rules)


def case_photo_get(*, photo_id: int) -> CasePhoto:
    """A photo with its case, whoever asks; NotFound when there is none (the caller then decides who may see it)."""
    photo = CasePhoto.objects.select_related("case").filter(pk=photo_id).first()
    if photo is None:
        raise NotFound(_("Photo not found."))
    return photo


def ensure_case_photo_visible(*, user: AnyUser, photo: CasePhoto) -> None:
    """Staff see the photos of the cases they may see: 403 for a token without `cases:read`, 404 outside the scope."""
    if not getattr(user, "is_authenticated", False):
        raise NotFound(_("Photo not found."))
    require_token_scope(user, "cases:read")
    if not Case.objects.filter(case_scope_q(user), pk=photo.case_id).exists():
        raise NotFound(_("Photo not found."))


def case_photo_url(photo: CasePhoto, *, variant: str = "full") -> str:
    """The address of a photo (`full`) or its thumbnail (`thumb`): the download view, which checks who asks."""
    return reverse("case_photo", kwargs={"photo_id": photo.pk, "variant": variant})
