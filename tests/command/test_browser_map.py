"""In real Chromium: the one map loads without a console error, draws the cases, and a dispatcher dispatches a
case from its card (opened from the live feed) without leaving the map."""

from __future__ import annotations

import re

import pytest

from cityops.cases import services as s
from cityops.cases.models import Case, CaseState
from cityops.catalog.models import ResponsibilityRule
from cityops.catalog.selectors import catalog_class_from_ref
from cityops.org.models import Role
from cityops.testing import factories as f
from tests.browser_support import BROWSER_MARKS

pytestmark = BROWSER_MARKS


@pytest.fixture
def registered(settings):
    """A 东区 case waiting for dispatch, the 东区 dispatcher, and two more open cases."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CITYOPS_TILE_URL = ""
    city = f.make_small_city()
    east = city.districts[0]
    department = f.make_department("EAST-CG", "东区城管局", region=east)
    ResponsibilityRule.objects.create(catalog_class=catalog_class_from_ref("matter:06010"), region=east,
                                      department=department)
    inspector = f.make_user("inspector", Role.INSPECTOR, scope_region=east)
    centre = f.make_user("centre", Role.ACCEPTOR, Role.SHIFT_LEADER, scope_region=city.city)
    f.make_user("dispatcher", Role.DISPATCHER, scope_region=east)
    for lon in (104.004, 104.006):
        s.case_report(actor=inspector, source="inspector", catalog_class="matter:06010", description="堆放垃圾",
                      lon=lon, lat=30.012)
    case = s.case_report(actor=inspector, source="inspector", catalog_class="matter:06010",
                         description="路口堆放建筑垃圾", lon=104.005, lat=30.015).case
    case = s.case_accept(case=case, actor=centre, version=case.version)
    return s.case_register(case=case, actor=centre, version=case.version)


def test_a_dispatcher_dispatches_from_the_one_map(live_server, registered, browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error"
            and not message.location.get("url", "").endswith("/favicon.ico") else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/accounts/login/?next=/console/command/")
    page.fill("input[name=username]", "dispatcher")
    page.fill("input[name=password]", f.PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url(re.compile(r"/console/command/$"))

    page.wait_for_selector("#command-map[data-loaded='1']")
    drawn = page.evaluate("window.cityopsCommand.layers.cases.getLayers().length")
    assert drawn >= 1
    assert page.locator("#headline-overdue").inner_text().strip() == "0"

    page.locator(f"#command-feed .feed-row[data-number='{registered.number}']").click()
    form = page.locator("#command-card form[data-action='dispatch']")
    form.wait_for()
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#command-card .card-result.ok")
    assert Case.objects.get(pk=registered.pk).state == CaseState.DISPATCHED
    assert page.locator("#command-card form[data-action='dispatch']").count() == 0
    assert page.url.endswith("/console/command/")  # the dispatcher never left the map

    page.check("#command-layer-inspectors")
    page.select_option("#command-load", "open")
    page.wait_for_function("() => window.cityopsCommand.layers.load.getLayers().length > 0")
    page.select_option("#id_state", "reported")
    page.wait_for_function("() => new URL(location.href).searchParams.get('state') === 'reported'")
    page.wait_for_timeout(500)
    assert errors == []
    context.close()
