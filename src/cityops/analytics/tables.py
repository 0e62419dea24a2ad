"""Report tables: the one shape every evaluation and statistics table takes for pages, Excel and CSV.

An app registers each table it can export (`register_report`); the exports (`analytics.exports`) look a kind
up here, call its builder for the asking user, and write the rows to xlsx or CSV, in the request or in the
background for large ones. A builder checks the user's access and the parameters (raising `InvalidInput`,
`Forbidden` …) before it yields any row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any


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


TableBuilder = Callable[..., Table]  # builder(*, user, params: dict[str, str]) -> Table


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


_discovered = False


def _discover() -> None:
    global _discovered
    if not _discovered:
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("reports")
        _discovered = True
