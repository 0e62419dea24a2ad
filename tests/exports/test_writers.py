"""The Excel and CSV writers: Chinese headers, a title and notes, print setup, number formats, safe text."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

from cityops.core.tables import ColumnKind, Table, tables_of
from cityops.exports import writers as w
from tests.exports.export_support import HEADERS, TITLE, rows, workbook


def xlsx(*tables: Table, progress=None) -> bytes:
    out = io.BytesIO()
    w.write_xlsx(list(tables), out, progress=progress)
    return out.getvalue()


def table(n: int = 3, **kwargs) -> Table:
    kwargs.setdefault("kinds", ["", "", ColumnKind.RATE, ColumnKind.DATE])
    return Table(title=TITLE, columns=HEADERS, rows=rows(n), total=n, notes=["2026年5月", "东区"], **kwargs)


def test_a_sheet_has_the_title_the_notes_the_chinese_headers_and_the_rows():
    sheet = workbook(xlsx(table()))[TITLE]
    assert sheet["A1"].value == TITLE and sheet["A1"].font.bold
    assert [sheet["A2"].value, sheet["A3"].value] == ["2026年5月", "东区"]
    assert [c.value for c in sheet[4]] == HEADERS
    assert [c.value for c in sheet[5]] == ["监督员1", 1, 0.5, dt.datetime(2026, 5, 1)]
    assert sheet.max_row == 7


def test_the_sheet_is_ready_to_print():
    sheet = workbook(xlsx(table()))[TITLE]
    assert sheet.freeze_panes == "A5"  # the header row stays in view
    assert sheet.print_title_rows == "$4:$4"  # and is repeated on every printed page
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.auto_filter.ref == "A4:D7"


def test_rates_show_as_percentages_and_dates_as_dates():
    sheet = workbook(xlsx(table()))[TITLE]
    assert sheet["C5"].number_format == "0.00%"
    assert sheet["D5"].number_format == "yyyy-mm-dd"
    assert sheet["B5"].number_format == "0"


def test_undeclared_columns_are_formatted_by_their_values():
    shanghai = ZoneInfo("Asia/Shanghai")
    when = dt.datetime(2026, 5, 3, 9, 30, tzinfo=shanghai)
    t = Table(title="t", columns=["a", "b", "c"], rows=[[when, 1.25, "x"]], total=1)
    sheet = workbook(xlsx(t))["t"]
    assert sheet["A3"].value == dt.datetime(2026, 5, 3, 9, 30)  # local wall-clock time, no time zone
    assert sheet["A3"].number_format == "yyyy-mm-dd hh:mm"
    assert sheet["B3"].number_format == "0.00"


def test_columns_are_wide_enough_for_chinese_text():
    sheet = workbook(xlsx(Table(title="t", columns=["很长很长的中文列名称"], rows=[["x"]], total=1)))["t"]
    assert sheet.column_dimensions["A"].width >= 20  # ten wide characters


def test_text_that_looks_like_a_formula_stays_text():
    sheet = workbook(xlsx(Table(title="t", columns=["a"], rows=[["=HYPERLINK(\"http://x\")"]], total=1)))["t"]
    assert sheet["A3"].value == '=HYPERLINK("http://x")' and sheet["A3"].data_type == "s"


def test_control_characters_are_dropped_instead_of_breaking_the_file():
    sheet = workbook(xlsx(Table(title="t", columns=["a"], rows=[["ab\x01c"]], total=1)))["t"]
    assert sheet["A3"].value == "abc"


def test_each_table_gets_its_own_sheet_with_a_valid_unique_name():
    long = "各街道 [2026/05] 案件处置情况统计表：按专业部门及问题类别汇总"
    book = workbook(xlsx(Table(title=long, columns=["a"], rows=[[1]]), Table(title=long, columns=["a"], rows=[[2]])))
    first, second = book.sheetnames
    assert len(first) <= 31 and len(second) <= 31 and first != second
    assert not set("[]:*?/\\") & set(first + second)
    assert book[first]["A1"].value == long  # the full title is still printed in the sheet


def test_sheet_titles_ignore_case_when_made_unique():
    used: set[str] = set()
    assert w.sheet_title("Rates", used) == "Rates"
    assert w.sheet_title("rates", used) == "rates (2)"
    assert w.sheet_title("", used) == "Sheet"


def test_progress_is_reported_while_writing(monkeypatch):
    monkeypatch.setattr(w, "PROGRESS_EVERY", 10)
    seen: list[int] = []
    assert w.write_xlsx([table(25)], io.BytesIO(), progress=seen.append) == 25
    assert seen == [10, 20, 25]


def test_rows_are_streamed_not_held_in_memory():
    consumed = []

    def lazy():
        for row in rows(1000):
            consumed.append(1)
            yield row

    t = Table(title=TITLE, columns=HEADERS, rows=lazy(), total=1000)
    w.write_xlsx([t], io.BytesIO())
    assert len(consumed) == 1000  # a generator is read once, in order (only SAMPLE_ROWS are read ahead)


def test_csv_starts_with_a_bom_and_keeps_chinese():
    out = io.BytesIO()
    assert w.write_csv([table()], out) == 3
    data = out.getvalue()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert lines[0] == HEADERS
    assert lines[1] == ["监督员1", "1", "0.5", "2026-05-01"]


def test_csv_quotes_formula_like_text():
    out = io.BytesIO()
    w.write_csv([Table(title="t", columns=["a"], rows=[["=1+1"], ["-2"], ["正常"]])], out)
    lines = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
    assert lines[1:] == [["'=1+1"], ["'-2"], ["正常"]]


def test_csv_of_several_tables_has_a_section_per_table():
    out = io.BytesIO()
    w.write_csv([Table(title="第一表", columns=["甲"], rows=[[1]]), Table(title="第二表", columns=["乙"], rows=[[2]])], out)
    lines = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
    assert lines == [["第一表"], ["甲"], ["1"], [], ["第二表"], ["乙"], ["2"]]


def test_a_builder_may_return_one_table_or_several():
    one = Table(title="a", columns=[], rows=[])
    assert tables_of(one) == [one]
    assert tables_of([one, one]) == [one, one]


def test_a_table_may_name_its_sheet_shorter_than_its_title():
    book = workbook(xlsx(table(1, sheet="部门评价")))
    assert book.sheetnames == ["部门评价"]
    assert book["部门评价"].cell(row=1, column=1).value == TITLE
