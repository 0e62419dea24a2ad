"""Writing report tables to files: Excel (xlsx, ready to print) and CSV (UTF-8 with a BOM), streaming rows.

Both writers take the tables and a `progress(rows_done)` callback and write to an open binary file; they
hold at most `SAMPLE_ROWS` rows in memory (to size the Excel columns), so a million-row export stays flat.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import itertools
import os
import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, BinaryIO

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from cityops.core.tables import ColumnKind, Table

Progress = Callable[[int], None]

# Rows read ahead to size the columns before the sheet is streamed.
SAMPLE_ROWS = 200
# Call `progress` after this many rows (and once at the end of each table).
PROGRESS_EVERY = 500
SHEET_TITLE_MAX = 31  # Excel's limit
MIN_WIDTH, MAX_WIDTH = 6, 60

# Keyed by the kinds' values (a column's kind arrives as its string).
NUMBER_FORMATS: dict[str, str] = {
    ColumnKind.INT: "0",
    ColumnKind.NUMBER: "0.00",
    ColumnKind.RATE: "0.00%",
    ColumnKind.DATE: "yyyy-mm-dd",
    ColumnKind.DATETIME: "yyyy-mm-dd hh:mm",
}
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
# A CSV cell starting with one of these is run as a formula by spreadsheets (CSV injection): quote it.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

_THIN = Side(style="thin", color="999999")
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
_HEADER_BORDER = Border(top=_THIN, bottom=_THIN, left=_THIN, right=_THIN)
_HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)
_TITLE_FONT = Font(bold=True, size=14)
_NOTE_FONT = Font(italic=True, color="555555")


# --- Excel -----------------------------------------------------------------------------------------------


def write_xlsx(tables: Sequence[Table], out: BinaryIO, *, progress: Progress | None = None) -> int:
    """Write each table to its own sheet of a workbook on `out`; returns the rows written."""
    workbook = Workbook(write_only=True)
    used: set[str] = set()
    counter = _Counter(progress)
    try:
        for table in tables:
            sheet = workbook.create_sheet(sheet_title(str(table.sheet or table.title), used))
            _write_sheet(sheet, table, counter)
        workbook.save(out)
    except BaseException:
        _discard(workbook)
        raise
    return counter.done


def _discard(workbook: Workbook) -> None:
    # Each write-only sheet streams into a temporary file until the workbook is saved: close and delete them.
    for sheet in workbook.worksheets:
        writer = getattr(sheet, "_writer", None)
        with contextlib.suppress(Exception):
            sheet.close()
        path = getattr(writer, "out", None)
        if isinstance(path, str):
            with contextlib.suppress(OSError):
                os.remove(path)


def sheet_title(title: str, used: set[str]) -> str:
    """`title` made a valid, unique sheet name: no []:*?/\\, at most 31 characters."""
    base = _SHEET_FORBIDDEN.sub("_", ILLEGAL_CHARACTERS_RE.sub("", str(title or ""))).strip().strip("'") or "Sheet"
    name, n = base[:SHEET_TITLE_MAX], 1
    while name.lower() in used:  # Excel compares sheet names without case
        n += 1
        suffix = f" ({n})"
        name = base[: SHEET_TITLE_MAX - len(suffix)] + suffix
    used.add(name.lower())
    return name


def _write_sheet(sheet: Any, table: Table, counter: _Counter) -> None:
    rows = iter(table.rows)
    sample = list(itertools.islice(rows, SAMPLE_ROWS))
    kinds = column_kinds(table, sample)
    header_row = 2 + len(table.notes)
    # Everything about the sheet's layout must be set before the first row: a write-only sheet streams.
    _size_columns(sheet, table.columns, sample)
    _print_setup(sheet, header_row)
    sheet.append([_styled(sheet, table.title, font=_TITLE_FONT)])
    for note in table.notes:
        sheet.append([_styled(sheet, note, font=_NOTE_FONT)])
    sheet.append([_header_cell(sheet, name) for name in table.columns])
    last = header_row
    for row in itertools.chain(sample, rows):
        sheet.append([_cell(sheet, value, kind) for value, kind in zip(row, kinds, strict=False)])
        last += 1
        counter.add()
    counter.flush()
    if table.columns:
        sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(len(table.columns))}{last}"


def _print_setup(sheet: Any, header_row: int) -> None:
    # Ready to print: A4 landscape, every column on one page width, the header repeated on each page.
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages tall as needed
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.oddFooter.center.text = "&P / &N"


def _size_columns(sheet: Any, columns: Sequence[str], sample: Sequence[Sequence[Any]]) -> None:
    for index, name in enumerate(columns):
        widths = [display_width(name)] + [display_width(_text(row[index])) for row in sample if index < len(row)]
        sheet.column_dimensions[get_column_letter(index + 1)].width = max(MIN_WIDTH, min(MAX_WIDTH, max(widths) + 2))


def display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: a CJK (wide) character counts as two."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def column_kinds(table: Table, sample: Sequence[Sequence[Any]]) -> list[str]:
    """Each column's kind: the table's declared kind, else guessed from the first non-empty sampled value."""
    kinds = []
    for index in range(len(table.columns)):
        declared = table.kinds[index] if index < len(table.kinds) else ""
        if declared:
            kinds.append(ColumnKind(declared).value)
            continue
        value = next((row[index] for row in sample if index < len(row) and row[index] is not None), None)
        kinds.append(_guess(value))
    return kinds


def _guess(value: Any) -> str:
    if isinstance(value, bool):
        return ColumnKind.TEXT
    if isinstance(value, dt.datetime):
        return ColumnKind.DATETIME
    if isinstance(value, dt.date):
        return ColumnKind.DATE
    if isinstance(value, int):
        return ColumnKind.INT
    if isinstance(value, float | Decimal):
        return ColumnKind.NUMBER
    return ColumnKind.TEXT


def _cell(sheet: Any, value: Any, kind: str) -> Any:
    value = excel_value(value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        # openpyxl would store "=…" as a formula; a report's text is data, never something Excel runs.
        cell.data_type = "s"
    elif value is not None and kind in NUMBER_FORMATS and not isinstance(value, bool):
        cell.number_format = _format_for(value, kind)
    return cell


def _format_for(value: Any, kind: str) -> str:
    if isinstance(value, dt.datetime):
        return NUMBER_FORMATS[ColumnKind.DATETIME]
    if isinstance(value, dt.date):
        return NUMBER_FORMATS[ColumnKind.DATE]
    if kind in (ColumnKind.DATE, ColumnKind.DATETIME):  # a number in a date column: leave it plain
        return "General"
    return NUMBER_FORMATS[kind]


def excel_value(value: Any) -> Any:
    """A value openpyxl can store: local naive datetimes, plain numbers, text without control characters."""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, Decimal):
        return float(value)
    if value is None or isinstance(value, bool | int | float | dt.date | dt.time):
        return value
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def _styled(sheet: Any, value: str, *, font: Font) -> Any:
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", str(value)))
    cell.data_type = "s"
    cell.font = font
    return cell


def _header_cell(sheet: Any, name: str) -> Any:
    cell = _styled(sheet, name, font=_HEADER_FONT)
    cell.fill, cell.border, cell.alignment = _HEADER_FILL, _HEADER_BORDER, _HEADER_ALIGN
    return cell


# --- CSV -------------------------------------------------------------------------------------------------


def write_csv(tables: Sequence[Table], out: BinaryIO, *, progress: Progress | None = None) -> int:
    """Write the tables as UTF-8 CSV with a BOM (so Excel reads Chinese); returns the rows written.

    One table: its header, then its rows. Several tables: a section each (title line, header, rows) with a
    blank line between, so one file still holds the whole report.
    """
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text)
    counter = _Counter(progress)
    several = len(tables) > 1
    try:
        for number, table in enumerate(tables):
            if several:
                if number:
                    writer.writerow([])
                writer.writerow([csv_value(str(table.title))])
            writer.writerow([csv_value(name) for name in table.columns])
            for row in table.rows:
                writer.writerow([csv_value(value) for value in row])
                counter.add()
            counter.flush()
    finally:
        text.detach()  # leave `out` open for the caller
    return counter.done


def csv_value(value: Any) -> Any:
    """A value as CSV text: ISO dates, local times, numbers as they are, formula-like text quoted."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return local.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool | int | float | Decimal):
        return value
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


# --- shared ----------------------------------------------------------------------------------------------


class _Counter:
    """Counts written rows and reports them every PROGRESS_EVERY rows."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress, self.done, self._reported = progress, 0, 0

    def add(self) -> None:
        self.done += 1
        if self.progress is not None and self.done - self._reported >= PROGRESS_EVERY:
            self.flush()

    def flush(self) -> None:
        if self.progress is not None and self.done != self._reported:
            self._reported = self.done
            self.progress(self.done)


def _text(value: Any) -> str:
    value = excel_value(value)
    if isinstance(value, dt.datetime):
        return "0000-00-00 00:00"
    if isinstance(value, float):
        return f"{value:.2f}"
    return "" if value is None else str(value)


WRITERS: dict[str, Callable[..., int]] = {"xlsx": write_xlsx, "csv": write_csv}
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}

