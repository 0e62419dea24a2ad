"""Report tables: the one shape every evaluation and statistics table takes for pages, Excel and CSV.

An app registers each table it can export (`register_report`); the exports (`exports.services`) look a kind
up here, call its builder for the asking user, and write the rows to xlsx or CSV, in the request or in the
background for large ones. A builder checks the user's access and the parameters (raising `InvalidInput`,
`Forbidden` …) before it yields any row.

A builder may return several tables (a list) for one workbook with a sheet each, like the monthly report.
`Table.kinds` optionally says how a column is formatted in Excel (a rate 0.8523 shows as 85.23 %); without it
dates and numbers are recognised from the values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class ColumnKind(models.TextChoices):
    """How a column's values are shown in Excel (CSV writes the plain values)."""

    TEXT = "text", _("Text")
    INT = "int", _("Whole number")
    NUMBER = "number", _("Number (two decimals)")
    RATE = "rate", _("Rate (a fraction shown as a percentage)")
    DATE = "date", _("Date")
    DATETIME = "datetime", _("Date and time")


@dataclass
class Table:
    """A titled table: translated column headers and rows of plain values (str, int, float, date, None)."""

    title: str
    columns: list[str]
    rows: Iterable[Sequence[Any]]
    # Known row count (for progress and the in-request/background choice); None when unknown.
    total: int | None = None
    # Lines printed under the title (period, scope, generated at …).
    notes: list[str] = field(default_factory=list)
    # Per column, a ColumnKind value ("rate", "date" …); shorter than `columns` or empty → inferred.
    kinds: Sequence[str] = field(default_factory=list)
    # A short sheet name for Excel (at most 31 characters); empty: the title, shortened.
    sheet: str = ""


# builder(*, user, params: dict[str, str]) -> Table, or a list of Tables for a workbook of several sheets.
TableBuilder = Callable[..., "Table | list[Table]"]


def tables_of(result: Table | Sequence[Table]) -> list[Table]:
    """A builder's result as a list of tables (one table or several)."""
    if isinstance(result, Table):
        return [result]
    tables = list(result)
    if not tables or not all(isinstance(t, Table) for t in tables):
        raise TypeError("a report builder must return a Table or a non-empty list of Tables")
    return tables


@dataclass(frozen=True)
class ReportKind:
    kind: str
    label: Any  # a lazy translation
    builder: TableBuilder


REPORTS: dict[str, ReportKind] = {}


def register_report(kind: str, label: Any, builder: TableBuilder) -> None:
    """Make the table `kind` exportable (kinds are dotted: "evaluation.department", "analytics.by_class")."""
    REPORTS[kind] = ReportKind(kind, label, builder)


def report_kind(kind: str) -> ReportKind | None:
    """The registered table `kind`, after importing every app's `reports` module once."""
    _discover()
    return REPORTS.get(kind)


def report_kinds() -> list[ReportKind]:
    """Every registered table kind, by kind name."""
    _discover()
    return sorted(REPORTS.values(), key=lambda r: r.kind)


_discovered = False


def _discover() -> None:
    global _discovered
    if not _discovered:
        autodiscover_modules("reports")
        _discovered = True
