"""Writes of the inspector app (城管通): a field report with its photos (position pings: `tracking.services`)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _

from cityops.cases.models import Case, PhotoPhase, Source
from cityops.cases.photos import case_photo_add
from cityops.core.errors import InvalidInput
from cityops.core.permissions import require_role
from cityops.core.uploads import check_image
from cityops.intake.entry import ReportResult, report_submit
from cityops.org.models import Role

if TYPE_CHECKING:
    from cityops.core.typing import User

MAX_PHOTOS = 6


@dataclass
class FieldReport:
    result: ReportResult
    photos_added: int


def decode_photo(data: str, *, index: int) -> SimpleUploadedFile:
    """A photo sent as base64 (optionally a data: URL) as an upload; InvalidInput when it is not base64."""
    field = f"photos.{index}"
    if data.startswith("data:"):
        data = data.split(",", 1)[-1]
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput(_("Photo %(n)d is not valid base64.") % {"n": index + 1}, field=field) from exc
    return SimpleUploadedFile(f"photo-{index + 1}.jpg", raw, content_type="application/octet-stream")


def inspector_report(
    *, actor: User, catalog_class: Any, description: str, lon: float, lat: float, photos: list[Any],
    idempotency_key: str | None, address: str = "", component: Any = None, self_handled: bool = False,
    result: str = "", at: datetime | None = None,
) -> FieldReport:
    """File an inspector's report (上报) with its photos; a resend with the same key changes nothing."""
    require_role(actor, Role.INSPECTOR)
    if len(photos) > MAX_PHOTOS:
        raise InvalidInput(_("At most %(n)d photos per report.") % {"n": MAX_PHOTOS}, field="photos")
    if self_handled and photos:
        # A self-handled case is closed by the report itself, and a closed case takes no photos.
        raise InvalidInput(_("Photos cannot be attached to a self-handled report; describe the result instead."),
                           field="photos")
    # Every photo is checked before the case exists: a refused photo must not leave a case behind.
    for index, upload in enumerate(photos):
        check_image(upload, field=f"photos.{index}")
    outcome = report_submit(
        channel=Source.INSPECTOR, catalog_class=catalog_class, description=description, lon=lon, lat=lat,
        address=address, component=component, idempotency_key=idempotency_key, self_handled=self_handled,
        result=result, at=at, actor=actor,
    )
    return FieldReport(outcome, _attach_missing(outcome.case, actor, photos))


def _attach_missing(case: Case, actor: User, photos: list[Any]) -> int:
    """Attach the photos not yet on the case, in order.

    The photos of one report are attached one by one after the case is saved; a connection lost halfway
    leaves the first few attached. The resend carries the same photos in the same order, so skipping as many
    as this reporter already attached resumes exactly where the first request stopped, never doubling one.
    """
    done = case.photos.filter(phase=PhotoPhase.BEFORE, uploaded_by=actor).count()
    for upload in photos[done:]:
        case_photo_add(case=case, actor=actor, upload=upload, phase=PhotoPhase.BEFORE)
    return max(len(photos) - done, 0)
