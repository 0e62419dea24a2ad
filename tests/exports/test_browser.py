"""In real Chromium: the monthly report downloads as a workbook; a background export's progress updates in place."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest

from cityops.catalog.models import ResponsibilityRule
from cityops.catalog.selectors import catalog_class_from_ref
from cityops.exports.models import ExportJob
from cityops.exports.services import export_run_due
from cityops.org.models import Role
from cityops.testing import factories as f
from tests.browser_support import BROWSER_MARKS
from tests.exports.export_support import KIND, TITLE, registered_test_kinds, workbook

pytestmark = BROWSER_MARKS


@pytest.fixture
def leader(settings, tmp_path):
    """A city leader in the small city; the test report kinds registered; export files in a fresh folder."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    city = f.make_small_city()
    department = f.make_department("EAST-CG", "东区城管局", region=city.districts[0])
    ResponsibilityRule.objects.create(catalog_class=catalog_class_from_ref("matter:06010"),
                                      region=city.districts[0], department=department)
    user = f.make_user("leader", Role.LEADER, scope_region=city.city)
    yield from (user for _folder in registered_test_kinds(settings, tmp_path))


def log_in(browser, base_url: str, next_path: str):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{base_url}/accounts/login/?next={quote(next_path)}")
    page.fill("input[name=username]", "leader")
    page.fill("input[name=password]", f.PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url(re.compile(re.escape(next_path) + "$"))
    return page


def test_the_monthly_report_downloads_as_an_excel_workbook(live_server, leader, browser):
    page = log_in(browser, live_server.url, "/console/exports/monthly-report/?month=2026-03")
    assert page.locator("h1").first.inner_text() == "Monthly report 2026-03"
    with page.expect_download() as download:
        page.click("text=Download all tables (Excel)")
    saved = download.value
    assert saved.suggested_filename.endswith(".xlsx")
    book = workbook(Path(saved.path()).read_bytes())
    assert book.sheetnames[0] == "Monthly report 2026-03"
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[5]][:3] == ["Month", "Reported (上报数)", "Registered (立案数)"]


def test_a_background_exports_progress_updates_without_a_reload(live_server, leader, browser, settings):
    settings.CITYOPS_EXPORT_INLINE_ROWS = 10
    page = log_in(browser, live_server.url, f"/console/exports/new/?kind={KIND}&n=40")
    with page.expect_navigation():
        page.click("form.report button[type=submit]")
    assert "Queued" in page.locator("#export-job").inner_text()
    export_run_due(worker_id="browser-test")  # the worker, while the page is open
    link = page.locator("#export-job a.button")
    link.wait_for(timeout=10_000)  # htmx polls every 2 s and swaps the finished state in
    with page.expect_download() as download:
        link.click()
    sheet = workbook(Path(download.value.path()).read_bytes())[TITLE]
    assert sheet.max_row == 4 + 40
    assert ExportJob.objects.get().rows_done == 40
