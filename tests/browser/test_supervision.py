"""In real Chromium: a leader watches the one map, reads a month's evaluation and downloads it as Excel."""

from __future__ import annotations

import re

from openpyxl import load_workbook

from tests.browser_support import BROWSER_MARKS, log_in
from tests.cases.workflow_cast import *  # noqa: F403 (the cast and its fixtures)
from tests.evaluation.histories import *  # noqa: F403 (the fixture `march`: ten March cases with known counts)

pytestmark = BROWSER_MARKS


def test_a_leader_watches_the_map_reads_the_evaluation_and_downloads_it_as_excel(live_server, browser, cast,
                                                                                  march, tmp_path):
    page = log_in(browser, live_server.url, "leader", "/console/command/", accept_downloads=True)
    context = page.context
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # The one map: the two March cases still open (G suspended, H in 处置) are drawn.
    page.wait_for_selector("#command-map[data-loaded='1']")
    assert page.evaluate("window.cityopsCommand.layers.cases.getLayers().length") >= 1
    assert page.locator("#command-headline").is_visible()

    # The departments' evaluation for March: 东区城管局 ranked with its registered count and a grade.
    page.click("#nav-evaluation")
    page.goto(f"{live_server.url}/console/evaluation/?kind=department&start=2026-03-01&end=2026-03-31")
    row = page.locator("tr", has_text="东区城管局")
    assert row.count() == 1
    assert re.search(r"\b[ABCDE]\b", row.inner_text())

    # Download the same table as Excel: the start form is prefilled with the kind and the period.
    page.click("text=Download Excel/CSV")
    page.wait_for_url(re.compile(r"/console/exports/new/"))
    with page.expect_download() as download_info:
        page.click("form[action='/console/exports/new/'] button[type=submit]")
    path = tmp_path / "evaluation.xlsx"
    download_info.value.save_as(path)
    assert download_info.value.suggested_filename.endswith(".xlsx")

    workbook = load_workbook(path, read_only=True)
    assert workbook.sheetnames == ["Department (专业部门)"]
    sheet = workbook[workbook.sheetnames[0]]
    rows = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    header = next(r for r in rows if "Rank" in r or "Grade" in r)
    assert rows[0][0] == "Comprehensive evaluation · Department (专业部门)"
    assert {"Rank", "Grade"} <= set(header)
    east = next(r for r in rows if "东区城管局" in r)
    assert east[header.index("Grade")] in {"A", "B", "C", "D", "E"}
    assert errors == []
    context.close()
