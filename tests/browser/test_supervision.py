"""In real Chromium: a leader watches the one map, reads a month's evaluation and downloads it as Excel."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from cityops.testing import factories as f
from tests.cases.workflow_cast import *  # noqa: F403 (the cast and its fixtures)
from tests.evaluation.histories import *  # noqa: F403 (the fixture `march`: ten March cases with known counts)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Chromium is not installed at {CHROMIUM}"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def test_a_leader_watches_the_map_reads_the_evaluation_and_downloads_it_as_excel(live_server, browser, cast,
                                                                                  march, tmp_path):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/accounts/login/?next=/console/command/")
    page.fill("input[name=username]", "leader")
    page.fill("input[name=password]", f.PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url(re.compile(r"/console/command/$"))

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
