"""A report kind registered only for the export tests, and helpers to read the files back."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

from openpyxl import load_workbook

from cityops.core import tables
from cityops.core.errors import Forbidden, InvalidInput
from cityops.core.permissions import is_platform_admin
from cityops.core.tables import ColumnKind, Table

KIND = "test.inspectors"
BROKEN = "test.broken"
UNSIZED = "test.unsized"
TWO_SHEETS = "test.two_sheets"
HEADERS = ["监督员", "上报数", "有效上报率", "日期"]
TITLE = "监督员上报统计"


def rows(n: int) -> Iterator[list[Any]]:
    for i in range(n):
        yield [f"监督员{i + 1}", i + 1, 0.5 + i / (2 * max(n, 1)), dt.date(2026, 5, 1) + dt.timedelta(days=i % 28)]


def _count(params: dict[str, str]) -> int:
    try:
        n = int(params.get("n", "3"))
    except ValueError:
        raise InvalidInput("n must be a whole number.", field="n") from None
    if n < 0:
        raise InvalidInput("n must not be negative.", field="n")
    return n


def _check_role(user: Any) -> None:
    # Like a real builder: the role is checked before any row is made.
    if not (is_platform_admin(user) or user.has_role("leader", "dispatcher")):
        raise Forbidden("Only leaders see this table.")


def inspectors_table(*, user: Any, params: dict[str, str]) -> Table:
    _check_role(user)
    n = _count(params)
    return Table(title=TITLE, columns=HEADERS, rows=rows(n), total=n, notes=["2026年5月", "东区"],
                 kinds=["", "", ColumnKind.RATE, ColumnKind.DATE])


def broken_table(*, user: Any, params: dict[str, str]) -> Table:
    def failing() -> Iterator[list[Any]]:
        yield from rows(2)
        raise RuntimeError("database went away")

    return Table(title="坏表", columns=HEADERS, rows=failing(), total=int(params.get("n", "2")))


def unsized_table(*, user: Any, params: dict[str, str]) -> Table:
    return Table(title="未知行数", columns=HEADERS, rows=rows(3), total=None)


def two_sheets(*, user: Any, params: dict[str, str]) -> list[Table]:
    return [Table(title="第一表", columns=["甲"], rows=[[1]], total=1),
            Table(title="第二表", columns=["乙"], rows=[[2], [3]], total=2)]


def registered_test_kinds(settings: Any, tmp_path: Any) -> Iterator[Any]:
    """Register the test kinds and keep export files in a fresh folder (the body of each module's fixture)."""
    settings.CITYOPS_EXPORT_DIR = tmp_path / "exports"
    added = {KIND: inspectors_table, BROKEN: broken_table, UNSIZED: unsized_table, TWO_SHEETS: two_sheets}
    for kind, builder in added.items():
        tables.register_report(kind, kind, builder)
    yield settings.CITYOPS_EXPORT_DIR
    for kind in added:
        tables.REPORTS.pop(kind, None)


def workbook(data: bytes) -> Any:
    return load_workbook(io.BytesIO(data))


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content
