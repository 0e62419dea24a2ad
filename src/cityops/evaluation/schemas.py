"""Request and response shapes of the evaluation API (`/api/v1/evaluation…`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from cityops.cases.schemas import CaseSummaryOut
from cityops.core.api_schemas import ErrorOut  # noqa: F401 (re-exported)
from cityops.evaluation.kinds import SubjectKind


class PeriodQuery(Schema):
    start: str | None = Field(None, description="First day, YYYY-MM-DD (with `end`).")
    end: str | None = Field(None, description="Last day, YYYY-MM-DD (with `start`); at most 366 days.")
    month: str | None = Field(None, description="A month, YYYY-MM (instead of start/end); default last month.")


class ResultsQuery(PeriodQuery):
    kind: str = Field(..., description="inspector, acceptor, shift_leader, dispatcher, department, grid, community, "
                                       "street or district.")
    region: str | None = Field(None, description="Region code: only the subjects inside it.")


class DrilldownQuery(PeriodQuery):
    kind: str
    subject: int = Field(..., description="The subject's id (a user, department or region id).")
    counter: str = Field(..., description="A case counter of the kind (see the scheme).")
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=1_000_000_000)


class PublishIn(Schema):
    kind: SubjectKind
    month: str = Field(..., pattern=r"^[0-9]{4}-[0-9]{2}$", description="The month to publish, YYYY-MM (must have "
                                                                        "ended).")


class IndicatorOut(Schema):
    code: str
    name: str
    name_en: str
    numerator: str
    denominator: str
    method: str
    weight: float
    bins: list[list[Any]]
    source: str


class GradeOut(Schema):
    grade: str
    lower: float
    upper: float
    colour: str
    colour_hex: str


class CounterOut(Schema):
    code: str
    label: str
    period: str = Field(..., description="reported_at or registered_at: which time puts a case in the period.")
    predicate: list[str] = Field(..., description="The CaseFact predicate of each part, in words.")


class KindSchemeOut(Schema):
    kind: str
    label: str
    indicators: list[IndicatorOut]
    counters: list[CounterOut]


class SchemeOut(Schema):
    kinds: list[KindSchemeOut]
    grades: list[GradeOut]


class SnapshotOut(Schema):
    id: int
    kind: str
    month: str
    start: dt.date
    end: dt.date
    evaluated_at: dt.datetime
    published_at: dt.datetime
    published_by: str
    rows: int


class RowOut(Schema):
    rank: int | None
    subject_id: int
    code: str
    name: str
    counters: dict[str, int]
    values: dict[str, float | None]
    scores: dict[str, float | None]
    composite: float | None
    grade: str
    grade_colour: str


class ResultOut(Schema):
    kind: str
    start: dt.date
    end: dt.date
    generated_at: dt.datetime
    region: str | None
    published: bool = Field(..., description="True when the rows come from a published snapshot (frozen).")
    snapshot: SnapshotOut | None
    indicators: list[IndicatorOut]
    grades: list[GradeOut]
    counters: list[CounterOut]
    rows: list[RowOut]


class DrilldownOut(Schema):
    kind: str
    subject: int
    counter: str
    start: dt.date
    end: dt.date
    total: int
    items: list[CaseSummaryOut]


