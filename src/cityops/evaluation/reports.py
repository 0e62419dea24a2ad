"""Exportable evaluation tables (`evaluation.<kind>`): the ranking page's table for Excel and CSV."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cityops.core.tables import ColumnKind, Table, register_report
from cityops.evaluation import selectors
from cityops.evaluation.kinds import ScoringMethod, SubjectKind
from cityops.evaluation.params import resolve_period
from cityops.evaluation.scheme import IndicatorDef
from cityops.evaluation.scoring import EvaluationResult

if TYPE_CHECKING:
    from cityops.core.typing import AnyUser


def indicator_label(ind: IndicatorDef) -> str:
    """The indicator's name in the active language (the scheme carries both)."""
    language = translation.get_language() or ""
    return ind.name if language.startswith("zh") or not ind.name_en else ind.name_en


def result_table(result: EvaluationResult) -> Table:
    """A result as a table: rank, subject, counters, each indicator's value and score, composite, grade."""
    columns = [_("Rank"), _("Code"), _("Name")]
    kinds = [ColumnKind.INT, ColumnKind.TEXT, ColumnKind.TEXT]
    columns += [str(label) for _code, label in result.counters]
    kinds += [ColumnKind.INT] * len(result.counters)
    for ind in result.indicators:
        columns += [f"{indicator_label(ind)} · {_('value')}", f"{indicator_label(ind)} · {_('score')}"]
        kinds += [ColumnKind.NUMBER if ind.method == ScoringMethod.BINS else ColumnKind.RATE, ColumnKind.NUMBER]
    columns += [_("Composite score"), _("Grade")]
    kinds += [ColumnKind.NUMBER, ColumnKind.TEXT]
    rows = [
        [r.rank, r.code, r.name, *[r.counters.get(code) for code, _label in result.counters],
         *[x for ind in result.indicators for x in (r.values.get(ind.code), r.scores.get(ind.code))],
         r.composite, r.grade]
        for r in result.rows
    ]
    return Table(title=f"{_('Comprehensive evaluation')} · {SubjectKind(result.kind).label}", columns=columns,
                 rows=rows, total=len(rows), notes=result_notes(result), kinds=kinds,
                 sheet=str(SubjectKind(result.kind).label))


def result_notes(result: EvaluationResult) -> list[str]:
    notes = [_("Period: %(start)s – %(end)s") % {"start": result.start, "end": result.end}]
    if result.region:
        notes.append(_("Region: %(code)s") % {"code": result.region})
    if result.snapshot is not None:
        notes.append(_("Published snapshot of %(month)s (published %(at)s); it does not change.") % {
            "month": f"{result.snapshot.month:%Y-%m}",
            "at": timezone.localtime(result.snapshot.published_at).strftime("%Y-%m-%d %H:%M")})
    else:
        notes.append(_("Computed live at %(at)s.") % {
            "at": timezone.localtime(result.generated_at).strftime("%Y-%m-%d %H:%M")})
    return notes


def _builder(kind: str) -> Any:
    def build(*, user: AnyUser, params: dict[str, str]) -> Table:
        start, end = resolve_period(start=params.get("start") or None, end=params.get("end") or None,
                                              month=params.get("month") or None)
        result = selectors.evaluation_results(user=user, kind=kind, start=start, end=end,
                                              region=params.get("region") or None)
        return result_table(result)

    build.__doc__ = f"The {kind} evaluation table for params start/end or month (and region)."
    return build


for _kind, _label in SubjectKind.choices:
    register_report(f"evaluation.{_kind}", format_lazy(gettext_lazy("Evaluation: {kind}"), kind=_label),
                    _builder(_kind))
