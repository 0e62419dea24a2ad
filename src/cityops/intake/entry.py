"""The one entry point of reports into cases (上报入口): every channel files a new case through `report_submit`.

The citizen portal, the inspector app, the hotline desk, Open311, the integrations (signed detections and 12345
tickets), the batch door's worker — and every channel still to come (devices, vehicles, risk inspections) — call
`report_submit` with their channel. It is the only caller of `cases.services.case_report` above `cases`, so a
report is located, classified, numbered, checked for duplicates, made idempotent on (reporter, idempotency key),
clocked, given a proposed department and recorded (event and audit) the same way whichever way it arrives.
What a channel adds around it (a tracking code, its own audit event, photos attached later, a caller linked to
an open case instead of a new one) stays in the channel's own services.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cityops.cases.models import Case, Source
from cityops.cases.services import ReportResult, case_report
from cityops.catalog.models import CatalogClass, Urgency

if TYPE_CHECKING:
    from cityops.core.typing import Actor

__all__ = ["ReportResult", "report_submit"]


def report_submit(
    *,
    channel: Source | str,
    catalog_class: CatalogClass | str,
    description: str,
    lon: float,
    lat: float,
    crs: str = "wgs84",
    urgency: Urgency | str | None = None,
    address: str = "",
    component: Any = None,
    reporter_name: str = "",
    reporter_contact: str = "",
    idempotency_key: str | None = None,
    self_handled: bool = False,
    result: str = "",
    recurrence_of: Case | None = None,
    at: datetime | None = None,
    photos: Sequence[Any] = (),
    duplicate_numbers_only: bool = False,
    actor: Actor,
) -> ReportResult:
    """File a report (上报) that came through `channel` (the case's source) as a new case, or find the one a retry
    with the same idempotency key already made (`created` False)."""
    return case_report(
        actor=actor,
        source=channel,
        catalog_class=catalog_class,
        description=description,
        lon=lon,
        lat=lat,
        crs=crs,
        urgency=urgency,
        address=address,
        component=component,
        reporter_name=reporter_name,
        reporter_contact=reporter_contact,
        idempotency_key=idempotency_key,
        self_handled=self_handled,
        result=result,
        recurrence_of=recurrence_of,
        at=at,
        photos=photos,
        duplicate_numbers_only=duplicate_numbers_only,
    )
