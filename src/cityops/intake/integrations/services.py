"""Writes of the integrations (外部系统接入): external detections and 12345 hotline tickets.

Ingest stores first: the `ExternalReport` row (unique per source and external id) is written before the case,
in the same transaction, so a resent report finds its row and returns the same result, and a refused one leaves
nothing behind.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.cases import services as case_services
from cityops.cases.duplicates import find_duplicates
from cityops.cases.models import Case, PhotoPhase, Source
from cityops.cases.photos import case_photo_add
from cityops.catalog.models import CatalogClass
from cityops.catalog.selectors import catalog_class_from_ref
from cityops.core.audit import audit_log
from cityops.core.errors import InvalidInput, NotFound, PayloadTooLarge
from cityops.core.uploads import check_image
from cityops.geo.locate import Location, OutsideServiceArea, locate_or_raise
from cityops.intake.entry import report_submit
from cityops.intake.integrations.callbacks import status_callback_enqueue
from cityops.intake.models import ExternalOutcome, ExternalReport, IntegrationKind, IntegrationSource
from cityops.intake.services import case_caller_add

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
CASE_SOURCE_OF_KIND = {
    IntegrationKind.VIDEO_AI: Source.VIDEO_AI,
    IntegrationKind.IOT: Source.IOT,
    IntegrationKind.HOTLINE: Source.HOTLINE,
    IntegrationKind.DRONE: Source.WEBHOOK,
    IntegrationKind.PLATFORM: Source.WEBHOOK,
}


@dataclass
class Detection:
    """One report of an integration, already parsed: a detection or a hotline ticket."""

    external_id: str
    catalog_class: str
    lon: float
    lat: float
    description: str
    crs: str = "wgs84"
    confidence: float | None = None
    address: str = ""
    evidence_image: str | None = None  # base64 JPEG/PNG/WebP
    detected_at: datetime | None = None
    reporter_name: str = ""
    reporter_contact: str = ""


@dataclass
class IntakeResult:
    report: ExternalReport
    created: bool

    def as_dict(self) -> dict[str, Any]:
        case = self.report.case
        return {"external_id": self.report.external_id, "case_number": case.number if case else None,
                "outcome": self.report.outcome}


# --- external reports -------------------------------------------------------------------------------------------


def external_report_receive(*, source: IntegrationSource, detection: Detection,
                            at: datetime | None = None) -> IntakeResult:
    """Store and process one report of an integration (外部上报), idempotent by (source, external id).

    Confidence at or above the source's threshold for the class: accepted (受理) as the system, so the case waits
    for registration (立案); below it: left reported, for the acceptor to send to verification (核实). An open case
    of the same class nearby: no new case, the report is linked to it (outcome duplicate).
    """
    at = at or timezone.now()
    with transaction.atomic():
        report, created = _store(source, detection, at)
        if not created:
            return IntakeResult(report, created=False)
        image = _evidence(detection.evidence_image)
        catalog_class = _catalog_class(detection.catalog_class)
        location = _locate(detection)
        open_cases = find_duplicates(catalog_class=catalog_class, lon=location.lon, lat=location.lat, at=at)
        if open_cases:
            _link_duplicate(report, source, detection, open_cases[0], at)
        else:
            _create_case(report, source, detection, catalog_class, image, at)
        report.save(update_fields=["case", "outcome"])
        audit_log(actor=source.account, action="intake.external_report.received", obj=report,
                  data={"source": source.code, "external_id": report.external_id, "outcome": report.outcome,
                        "case": report.case.number if report.case else None})
    return IntakeResult(report, created=True)


def _store(source: IntegrationSource, detection: Detection, at: datetime) -> tuple[ExternalReport, bool]:
    external_id = (detection.external_id or "").strip()
    if not external_id or len(external_id) > 80:
        raise InvalidInput(_("external_id is required, at most 80 characters."), field="external_id")
    try:
        with transaction.atomic():
            report = ExternalReport.objects.create(
                source=source, external_id=external_id, received_at=at, confidence=detection.confidence,
                payload=_payload(detection),
            )
    except IntegrityError:
        # A resend (or two concurrent sends) of one report: the first row is the answer.
        return ExternalReport.objects.select_related("case").get(source=source, external_id=external_id), False
    return report, True


def _payload(detection: Detection) -> dict[str, Any]:
    """What was received, minus the image bytes (kept as the case's photo)."""
    data = {k: v for k, v in vars(detection).items() if k != "evidence_image"}
    data["detected_at"] = detection.detected_at.isoformat() if detection.detected_at else None
    data["has_evidence_image"] = bool(detection.evidence_image)
    return data


def _evidence(encoded: str | None) -> ContentFile | None:
    if not encoded:
        return None
    if len(encoded) > MAX_EVIDENCE_BYTES * 4 // 3 + 4:
        raise PayloadTooLarge(_("The evidence image is too large."), field="evidence_image")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(_("evidence_image is not valid base64."), field="evidence_image") from None
    upload = ContentFile(raw, name="evidence")
    image_format = check_image(upload, field="evidence_image")
    upload.name = f"evidence.{image_format.lower()}"
    return upload


def _catalog_class(ref: str) -> CatalogClass:
    try:
        return catalog_class_from_ref(ref, field="class")
    except NotFound as exc:
        raise InvalidInput(exc.message, field="class") from exc


def _locate(detection: Detection) -> Location:
    try:
        return locate_or_raise(detection.lon, detection.lat, crs=detection.crs)
    except OutsideServiceArea as exc:
        exc.field = exc.field or "lon"  # the integrator's body names the point by lon/lat
        raise


def threshold_for(source: IntegrationSource, catalog_class: CatalogClass) -> float:
    """The confidence needed to skip verification: the class's own threshold for this source, else its default."""
    thresholds = source.class_thresholds or {}
    for key in (f"{catalog_class.kind}:{catalog_class.code}", catalog_class.code):
        if key in thresholds:
            return float(thresholds[key])
    return source.default_threshold


def _system_actor(source: IntegrationSource) -> str:
    return f"integration:{source.code}"


def _link_duplicate(report: ExternalReport, source: IntegrationSource, detection: Detection, case: Case,
                    at: datetime) -> None:
    case_caller_add(case=case, actor=_system_actor(source), caller_name=detection.reporter_name,
                    caller_contact=detection.reporter_contact, channel=CASE_SOURCE_OF_KIND[source.kind], at=at,
                    note=_("Also reported by %(source)s (%(id)s).") % {"source": source.name,
                                                                     "id": report.external_id})
    report.case, report.outcome = case, ExternalOutcome.DUPLICATE


def _create_case(report: ExternalReport, source: IntegrationSource, detection: Detection,
                 catalog_class: CatalogClass, image: ContentFile | None, at: datetime) -> None:
    result = report_submit(
        channel=CASE_SOURCE_OF_KIND[source.kind], catalog_class=catalog_class, description=detection.description,
        lon=detection.lon, lat=detection.lat, crs=detection.crs, address=detection.address,
        reporter_name=detection.reporter_name[:60], reporter_contact=detection.reporter_contact[:120],
        idempotency_key=f"{source.code}:{report.external_id}"[:80], at=at, actor=source.account,
    )
    case = result.case
    # Linked at once: once the report's transaction commits, the status callbacks (`integrations.callbacks`) find
    # the source only through this link — so an automatic accept reaches it too. Its "reported" is sent from here.
    report.case = case
    report.save(update_fields=["case"])
    _callback_reported(report, case)
    if image is not None:
        case_photo_add(case=case, actor=_system_actor(source), upload=image, phase=PhotoPhase.BEFORE)
    confident = detection.confidence is not None and detection.confidence >= threshold_for(source, catalog_class)
    if source.kind != IntegrationKind.HOTLINE and confident:
        case = case_services.case_accept(case=case, actor=_system_actor(source), version=None,
                                         note=_("Confidence %(c).2f at or above the threshold.")
                                         % {"c": detection.confidence}, at=at)
        report.outcome = ExternalOutcome.REGISTRATION
    else:
        report.outcome = ExternalOutcome.VERIFICATION
    report.case = case


def _callback_reported(report: ExternalReport, case: Case) -> None:
    """Tell the source its report became a case (the status callbacks leave a new case's first event to us)."""
    source = report.source
    if not source.is_active or not source.callback_url:
        return
    event = case.events.filter(action="case.reported").order_by("id").first()
    if event is not None:
        status_callback_enqueue(report=report, event=event)
