"""Request and response shapes of the cases API (`/api/v1/cases…`)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import StrictBool, StrictInt

from cityops.cases.cursors import MAX_LIMIT
from cityops.cases.models import RequestKind, VoidReason
from cityops.cases.queues import QUEUE_PAGE
from cityops.cases.selectors import DEFAULT_LIMIT
from cityops.cases.services import MAX_EXTENSION_MINUTES
from cityops.core.api_schemas import ErrorOut, Latitude, Longitude, Version  # noqa: F401 (ErrorOut re-exported)
from cityops.geo.locate import Crs

# --- input ------------------------------------------------------------------------------------------------


class CaseIn(Schema):
    """A new report (上报). `class` is "matter:06010", "component:01001" or a bare matter code."""

    catalog_class: str = Field(..., alias="class", min_length=1, max_length=20,
                               description='Class reference: "matter:06010", "component:01001" or "06010".')
    urgency: str | None = Field(None, max_length=20, description="Urgency code; the default level when left out.")
    description: str = Field(..., min_length=1, max_length=2000)
    lon: Longitude
    lat: Latitude
    crs: Crs = Field(Crs.WGS84, description="wgs84 (GPS), gcj02 (Amap/Tencent) or bd09 (Baidu).")
    address: str = Field("", max_length=200)
    component: str | None = Field(None, max_length=17, description="17-digit identifier of the component concerned.")
    source: str | None = Field(None, description="Intake channel; staff: inspector, staff or hotline.")
    reporter_name: str = Field("", max_length=60)
    reporter_contact: str = Field("", max_length=120)
    self_handled: StrictBool = Field(False, description="Solved on the spot by the reporter (自处理).")
    result: str = Field("", max_length=2000, description="What was done, for a self-handled report.")
    recurrence_of: str | None = Field(None, max_length=16, description="Number of a closed case that recurred.")


class ActionIn(Schema):
    """Every workflow action names the case version the caller saw; a stale one is refused with 409."""

    version: Version
    note: str = Field("", max_length=2000)


class VerifyIn(ActionIn):
    confirmed: StrictBool = Field(..., description="The problem exists on site (核实属实).")


class DispatchIn(ActionIn):
    department: str | None = Field(None, max_length=32,
                                   description="Department code; the proposed department when left out.")


class PassDownIn(ActionIn):
    unit: str = Field(..., min_length=1, max_length=32, description="Code of the sub-unit taking the case over.")


class HandleIn(ActionIn):
    result: str = Field(..., min_length=1, max_length=2000, description="What was done (处置结果).")


class CheckIn(ActionIn):
    passed: StrictBool = Field(..., description="The fix holds (核查通过); false sends the case back as rework.")


class MergeIn(ActionIn):
    master: str = Field(..., min_length=1, max_length=16, description="Number of the case this one duplicates.")


class RequestIn(ActionIn):
    kind: RequestKind = Field(..., description="extension, return, suspension or void.")
    reason: str = Field(..., min_length=1, max_length=1000)
    extra_minutes: StrictInt | None = Field(None, ge=1, le=MAX_EXTENSION_MINUTES,
                                            description="Extension only: the time asked for, in minutes.")
    void_reason: VoidReason | Literal[""] = Field("", description="Void only: invalid, duplicate, out_of_scope or "
                                                                  "not_found.")


class DecideIn(Schema):
    approve: StrictBool
    note: str = Field("", max_length=1000)


class CaseFilterQuery(Schema):
    """The filters every case list takes (cases.filters): the same names and meanings in the list and the queue."""

    state: list[str] | None = Field(None, description="One or more states (repeat the parameter or comma-separate).")
    catalog_class: str | None = Field(None, alias="class", max_length=20,
                                      description='"matter:06010" or a bare code.')
    region: str | None = Field(None, max_length=15, description="Region code of any level: the cases inside it.")
    department: str | None = Field(None, max_length=32,
                                   description="Department code: its cases and its sub-units'.")
    source: str | None = Field(None, max_length=20, description="Intake channel (inspector, hotline, citizen, …).")
    reported_from: str | None = Field(None, alias="from", max_length=40,
                                      description="ISO date or date-time (Asia/Shanghai).")
    reported_to: str | None = Field(None, alias="to", max_length=40,
                                    description="ISO date (inclusive) or date-time (exclusive).")
    overdue: bool | None = None
    urged: bool | None = None
    text: str | None = Field(None, max_length=100, description="A case number (13 digits, exact), or words of the "
                                                               "description or the address.")
    cursor: str | None = Field(None, max_length=200, description="next_cursor of the previous page.")


class CaseListQuery(CaseFilterQuery):
    order: str = Field("-reported_at", description="-reported_at (newest first) or due_at (deadline first).")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class CaseQueueQuery(CaseFilterQuery):
    """The work queue is always in deadline order; its page is the console's."""

    limit: int = Field(QUEUE_PAGE, ge=1, le=MAX_LIMIT)


# --- output -----------------------------------------------------------------------------------------------


class RegionRefOut(Schema):
    id: int
    code: str
    name: str


class DepartmentRefOut(Schema):
    code: str
    name: str


class ClassRefOut(Schema):
    ref: str
    code: str
    kind: str
    name: str
    name_en: str


class CaseUrgencyOut(Schema):
    code: str
    name: str
    name_en: str


class CaseSummaryOut(Schema):
    number: str
    version: int
    state: str
    state_label: str
    kind: str
    catalog_class: ClassRefOut
    urgency: CaseUrgencyOut
    description: str
    address: str
    lon: float
    lat: float
    grid: RegionRefOut | None
    community: RegionRefOut | None
    street: RegionRefOut | None
    district: RegionRefOut | None
    source: str
    department: DepartmentRefOut | None
    handling_unit: DepartmentRefOut | None
    current_stage: str | None
    due_at: dt.datetime | None
    is_overdue: bool
    is_urged: bool
    is_self_handled: bool
    reported_at: dt.datetime
    closed_at: dt.datetime | None


class CasePageOut(Schema):
    items: list[CaseSummaryOut]
    next_cursor: str | None = Field(..., description="Pass as `cursor` for the next page; null on the last page.")


class CaseQueueOut(CasePageOut):
    roles: list[str] = Field(..., description="The roles whose queues these are (an administrator: every one).")


class ClockOut(Schema):
    stage: str
    stage_label: str
    round: int
    started_at: dt.datetime
    deadline: dt.datetime
    minutes_allowed: int
    extended_minutes: int
    basis: str
    paused: bool
    done_at: dt.datetime | None
    on_time: bool | None


class CasePhotoOut(Schema):
    id: int
    phase: str
    url: str
    thumbnail_url: str | None
    content_type: str
    size: int
    uploaded_at: dt.datetime


class CaseRequestOut(Schema):
    id: int
    kind: str
    state: str
    reason: str
    extra_minutes: int | None
    void_reason: str | None
    requested_by: str | None
    requested_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_note: str


class ReporterOut(Schema):
    name: str
    contact: str
    user: str | None


class CaseDetailOut(CaseSummaryOut):
    component: str | None
    reporter: ReporterOut
    proposed_department: DepartmentRefOut | None
    proposal_reason: str
    dispatch_overridden: bool
    result: str
    void_reason: str | None
    counters: dict[str, int] = Field(..., description="rework (返工), extension (延期) and return (回退) counts.")
    updated_at: dt.datetime
    clocks: list[ClockOut]
    photos: list[CasePhotoOut]
    requests: list[CaseRequestOut]
    master: str | None
    merged_duplicates: list[str]
    recurrence_of: str | None
    recurrences: list[str]
    allowed_actions: list[str] = Field(..., description="Actions the caller may take now (for buttons).")


class CaseCreatedOut(CaseDetailOut):
    duplicates: list[CaseSummaryOut] = Field(
        ..., description="Open cases of the same class nearby, for the acceptor to merge.")


class TimelineEventOut(Schema):
    id: int
    at: dt.datetime
    action: str
    action_label: str
    actor: str
    actor_id: int | None
    from_state: str | None
    from_state_label: str | None
    to_state: str | None
    to_state_label: str | None
    note: str
    data: dict[str, Any]


class RequestCreatedOut(Schema):
    request: CaseRequestOut
    case: CaseDetailOut


