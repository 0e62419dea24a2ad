"""The monthly report (月度报告): its figures for the printable page and its tables for the Excel workbook.

Headline numbers are aggregate queries over the evaluation's case facts (`CaseFact`, refreshed first), kept to
the cases the viewer may see, and counted the way the evaluation counts a region: registrations, closings and
on-time closings by the month of registration, voided cases left out, "overdue" judged now. The rankings of
departments and streets are the evaluation's own (the published snapshot when the month has one).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cityops.analytics.params import EARLIEST_DAY, LATEST_DAY
from cityops.cases.models import Case, CaseState
from cityops.cases.scope import case_scope_q
from cityops.core.errors import Forbidden, InvalidInput
from cityops.core.permissions import is_platform_admin, require_role
from cityops.core.tables import ColumnKind, Table, register_report
from cityops.evaluation import selectors as evaluation
from cityops.evaluation.counters import HANDLED_STATES, overdue
from cityops.evaluation.facts import case_facts_refresh
from cityops.evaluation.kinds import SubjectKind
from cityops.evaluation.models import CaseFact
from cityops.evaluation.params import last_month, month_bounds, parse_month
from cityops.org.models import Role

if TYPE_CHECKING:
    from cityops.core.typing import AnyUser

KIND = "report.monthly"
TOP_CLASSES = 10
# Who reads the monthly report: the evaluation's broad roles, and handlers (their department's cases and
# ranking; the street ranking is not theirs to see).
READER_ROLES = (Role.LEADER, Role.SHIFT_LEADER, Role.DISPATCHER, Role.ACCEPTOR, Role.HANDLER, Role.ADMIN)
RANKED = (SubjectKind.DEPARTMENT, SubjectKind.STREET)


@dataclass
class Headline:
    """The month's headline numbers (one scope, one month)."""

    reported: int = 0
    registered: int = 0
    closed: int = 0
    close_due: int = 0
    closed_in_time: int = 0
    overdue_open: int = 0

    @property
    def closing_rate(self) -> float | None:
        """结案率 = closed / due to close (closed, or open and overdue now)."""
        return self.closed / self.close_due if self.close_due else None

    @property
    def on_time_rate(self) -> float | None:
        """按期结案率 = closed in time / due to close."""
        return self.closed_in_time / self.close_due if self.close_due else None


@dataclass
class Ranking:
    kind: str
    label: str
    columns: Sequence[tuple[str, str]]  # (indicator name, ColumnKind) shown after the composite score
    rows: list[dict[str, Any]]
    published: bool = False
    refused: str = ""  # why this viewer sees no ranking of this kind


@dataclass
class MonthlyReport:
    month: dt.date
    start: dt.date
    end: dt.date
    scope: str
    generated_at: dt.datetime
    headline: Headline
    previous: Headline
    rankings: list[Ranking] = field(default_factory=list)
    top_classes: list[dict[str, Any]] = field(default_factory=list)


# --- figures ---------------------------------------------------------------------------------------------


def monthly_report_for_user(*, user: AnyUser, month: str | dt.date | None = None) -> MonthlyReport:
    """The monthly report of `month` ("YYYY-MM", default last month) over the cases `user` may see."""
    require_role(user, *READER_ROLES)
    first = _month(month) if month else last_month()
    start, end = month_bounds(first)
    case_facts_refresh()
    now = timezone.now()
    facts = CaseFact.objects.filter(case__in=Case.objects.filter(case_scope_q(user)).values("pk"))
    previous_start, previous_end = month_bounds(start - dt.timedelta(days=1))
    return MonthlyReport(
        month=first, start=start, end=end, scope=_scope_label(user), generated_at=now,
        headline=headline(facts, start, end, now=now), previous=headline(facts, previous_start, previous_end, now=now),
        rankings=[_ranking(user, kind, start, end) for kind in RANKED],
        top_classes=top_classes(facts, start, end),
    )


def _month(value: str | dt.date) -> dt.date:
    first = parse_month(value)
    # The previous month is read too: near year 1 or 9999 that would overflow Python's dates (a 500), so the
    # month must lie in the statistics' range of dates (the same bounds and wording as `params.period_parse`).
    if not EARLIEST_DAY <= first <= LATEST_DAY:
        raise InvalidInput(_("%(name)s must lie between %(first)s and %(last)s.")
                           % {"name": "month", "first": EARLIEST_DAY.isoformat(), "last": LATEST_DAY.isoformat()},
                           field="month")
    return first


def headline(facts: Any, start: dt.date, end: dt.date, *, now: dt.datetime) -> Headline:
    """The headline numbers of [start, end] over `facts` in two aggregate queries."""
    begin, stop = _bounds(start, end)
    reported = facts.filter(reported_at__gte=begin, reported_at__lt=stop).count()
    registered = facts.filter(registered_at__gte=begin, registered_at__lt=stop)
    closed = Q(state=CaseState.CLOSED)
    counts = registered.aggregate(
        registered=Count("pk", filter=Q(voided=False)),
        closed=Count("pk", filter=closed),
        close_due=Count("pk", filter=closed | overdue(now)),
        closed_in_time=Count("pk", filter=closed & Q(disposals_on_time=F("disposals_done"))),
        overdue_open=Count("pk", filter=overdue(now)),
    )
    return Headline(reported=reported, **{k: v or 0 for k, v in counts.items()})


def top_classes(facts: Any, start: dt.date, end: dt.date, *, limit: int = TOP_CLASSES) -> list[dict[str, Any]]:
    """The classes reported most in [start, end] (高发问题类别), with their registrations and closings."""
    begin, stop = _bounds(start, end)
    month = facts.filter(reported_at__gte=begin, reported_at__lt=stop)
    total = month.count()
    rows = (month.filter(catalog_class__isnull=False)
            .values("catalog_class_id", "catalog_class__code", "catalog_class__name", "catalog_class__local_name",
                    "catalog_class__major_name")
            .annotate(reported=Count("pk"),
                      registered=Count("pk", filter=Q(registered_at__isnull=False, voided=False)),
                      handled=Count("pk", filter=Q(state__in=HANDLED_STATES)))
            .order_by("-reported", "catalog_class__code")[:limit])
    return [{
        "rank": number, "code": row["catalog_class__code"],
        "name": row["catalog_class__local_name"] or row["catalog_class__name"],
        "major": row["catalog_class__major_name"], "reported": row["reported"], "registered": row["registered"],
        "handled": row["handled"], "share": row["reported"] / total if total else None,
    } for number, row in enumerate(rows, start=1)]


def _ranking(user: AnyUser, kind: str, start: dt.date, end: dt.date) -> Ranking:
    label = str(SubjectKind(kind).label)
    try:
        result = evaluation.evaluation_results(user=user, kind=kind, start=start, end=end)
    except Forbidden as exc:
        return Ranking(kind, label, [], [], refused=exc.message)
    zh = (translation.get_language() or "").startswith("zh")
    columns = [(ind.name if zh or not ind.name_en else ind.name_en,
                ColumnKind.NUMBER if ind.method == "bins" else ColumnKind.RATE) for ind in result.indicators]
    rows = [{
        "rank": row.rank, "code": row.code, "name": row.name, "composite": row.composite, "grade": row.grade,
        "colour": row.grade_colour, "values": [row.values.get(ind.code) for ind in result.indicators],
    } for row in result.rows]
    rows.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, r["code"]))
    return Ranking(kind, label, columns, rows, published=result.snapshot is not None)


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (timezone.make_aware(dt.datetime.combine(start, dt.time.min), tz),
            timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min), tz))


def _scope_label(user: AnyUser) -> str:
    if is_platform_admin(user):
        return _("The whole city")
    names = [str(x.name) for x in (getattr(user, "scope_region", None), getattr(user, "scope_department", None)) if x]
    return "、".join(names) or _("No data scope")


# --- the workbook ----------------------------------------------------------------------------------------


def monthly_tables(*, user: AnyUser, params: dict[str, str]) -> list[Table]:
    """The monthly report as a workbook: headline numbers, the two rankings and the top classes, a sheet each."""
    report = monthly_report_for_user(user=user, month=params.get("month") or None)
    month = f"{report.month:%Y-%m}"
    notes = [_("Month: %(month)s (%(start)s – %(end)s)") % {"month": month, "start": report.start, "end": report.end},
             _("Scope: %(scope)s") % {"scope": report.scope},
             _("Generated at %(at)s") % {"at": f"{timezone.localtime(report.generated_at):%Y-%m-%d %H:%M}"}]
    tables = [_headline_table(report, month, notes)]
    tables += [_ranking_table(r, month, notes) for r in report.rankings if not r.refused]
    tables.append(_classes_table(report, month, notes))
    return tables


def headline_rows(report: MonthlyReport) -> list[tuple[str, Any, Any, str]]:
    """(label, this month, previous month, ColumnKind) of each headline number, for the page and the workbook."""
    h, p = report.headline, report.previous
    return [
        (_("Reported (上报数)"), h.reported, p.reported, ColumnKind.INT),
        (_("Registered (立案数)"), h.registered, p.registered, ColumnKind.INT),
        (_("Closed (结案数)"), h.closed, p.closed, ColumnKind.INT),
        (_("Closing rate (结案率)"), h.closing_rate, p.closing_rate, ColumnKind.RATE),
        (_("On-time closing rate (按期结案率)"), h.on_time_rate, p.on_time_rate, ColumnKind.RATE),
        (_("Overdue, not closed (超期未结数)"), h.overdue_open, p.overdue_open, ColumnKind.INT),
    ]


def _headline_table(report: MonthlyReport, month: str, notes: list[str]) -> Table:
    # A column per number (each with its own format: counts, percentages), a row per month.
    numbers = headline_rows(report)
    previous = f"{report.start - dt.timedelta(days=1):%Y-%m}"
    return Table(title=_("Monthly report %(month)s") % {"month": month},
                 columns=[_("Month")] + [label for label, *_rest in numbers],
                 rows=[[month] + [n[1] for n in numbers], [previous] + [n[2] for n in numbers]],
                 total=2, notes=notes, kinds=[ColumnKind.TEXT] + [n[3] for n in numbers])


def _ranking_table(ranking: Ranking, month: str, notes: list[str]) -> Table:
    columns = [_("Rank"), _("Code"), _("Name"), _("Composite score"), _("Grade")] + [name for name, _k in ranking.columns]
    kinds = [ColumnKind.INT, ColumnKind.TEXT, ColumnKind.TEXT, ColumnKind.NUMBER, ColumnKind.TEXT] + [
        kind for _n, kind in ranking.columns]
    rows = [[r["rank"], r["code"], r["name"], r["composite"], r["grade"], *r["values"]] for r in ranking.rows]
    title = _("%(subject)s ranking %(month)s") % {"subject": ranking.label, "month": month}
    extra = [_("Published ranking (snapshot)")] if ranking.published else []
    return Table(title=title, columns=columns, rows=rows, total=len(rows), notes=notes + extra, kinds=kinds)


def _classes_table(report: MonthlyReport, month: str, notes: list[str]) -> Table:
    columns = [_("Rank"), _("Class code"), _("Class"), _("Major class"), _("Reported"), _("Registered"),
               _("Handled"), _("Share of reports")]
    kinds = [ColumnKind.INT, ColumnKind.TEXT, ColumnKind.TEXT, ColumnKind.TEXT, ColumnKind.INT, ColumnKind.INT,
             ColumnKind.INT, ColumnKind.RATE]
    rows = [[c["rank"], c["code"], c["name"], c["major"], c["reported"], c["registered"], c["handled"], c["share"]]
            for c in report.top_classes]
    return Table(title=_("Top classes %(month)s") % {"month": month}, columns=columns, rows=rows, total=len(rows),
                 notes=notes, kinds=kinds)


register_report(KIND, gettext_lazy("Monthly report (月度报告)"), monthly_tables)
