"""In real Chromium: one case goes round the whole loop, each role clicking in the operator console."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from cityops.cases.models import Case, CaseState
from cityops.catalog.models import ResponsibilityRule
from cityops.catalog.selectors import catalog_class_from_ref
from cityops.org.models import Role
from cityops.testing import factories as f
from tests.browser_support import BROWSER_MARKS, log_in

pytestmark = BROWSER_MARKS


@pytest.fixture
def staff(settings):
    """The small city with one person per role; 东区 garbage goes to 东区城管局."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    city = f.make_small_city()
    east = city.districts[0]
    department = f.make_department("EAST-CG", "东区城管局", region=east)
    ResponsibilityRule.objects.create(catalog_class=catalog_class_from_ref("matter:06010"), region=east,
                                      department=department)
    return {
        "inspector": f.make_user("inspector", Role.INSPECTOR, scope_region=east),
        "acceptor": f.make_user("acceptor", Role.ACCEPTOR, scope_region=city.city),
        "shift_leader": f.make_user("shift_leader", Role.SHIFT_LEADER, scope_region=city.city),
        "dispatcher": f.make_user("dispatcher", Role.DISPATCHER, scope_region=east),
        "handler": f.make_user("handler", Role.HANDLER, scope_department=department, department=department),
    }


def act(page, action: str, *, answer: str | None = None, fill: dict[str, str] | None = None) -> None:
    """Open the action's box on the case page, fill its fields and press its button."""
    form = page.locator(f"form[data-action='{action}']")
    if not form.is_visible():
        page.locator("details.action-box", has=form).locator("summary").click()
    for name, value in (fill or {}).items():
        form.locator(f"[name='{name}']").fill(value)
    button = form.locator(f"button[name='answer'][value='{answer}']" if answer else "button[type=submit]")
    with page.expect_navigation():
        button.click()
    assert page.locator(".messages li.success").count() == 1, page.content()


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 60, 30)).save(buffer, format="JPEG")
    return buffer.getvalue()


def assert_photo_renders(page) -> None:
    """The case page's before-photo really shows: its <img> loaded an image (naturalWidth > 0), not a broken icon."""
    image = page.locator(".card.photos img").first
    image.scroll_into_view_if_needed()  # the thumbnails load lazily
    page.wait_for_function("img => img.complete", arg=image.element_handle())
    assert image.evaluate("img => img.naturalWidth") == 320, image.get_attribute("src")


def test_one_case_goes_from_the_inspectors_report_to_the_shift_leaders_close(live_server, staff, browser):
    base = live_server.url
    page = log_in(browser, base, "inspector", "/console/new/")
    page.fill("input[name=klass]", "matter:06010 暴露垃圾")
    page.fill("textarea[name=description]", "路口堆放建筑垃圾")
    page.fill("input[name=address]", "一街 8 号")
    page.set_input_files("input[name=photos]", files=[{"name": "scene.jpg", "mimeType": "image/jpeg",
                                                        "buffer": _jpeg()}])
    map_box = page.locator(".map").bounding_box()
    page.locator(".map").click(position={"x": map_box["width"] * 0.3, "y": map_box["height"] * 0.3})
    assert page.input_value("#id_lon") and page.input_value("#id_lat")  # the click placed the point
    with page.expect_navigation():
        page.click("form.report button[type=submit]")
    number = re.search(r"/console/cases/(\d+)/", page.url).group(1)
    case_path = f"/console/cases/{number}/"
    assert Case.objects.get(number=number).state == CaseState.REPORTED
    assert_photo_renders(page)
    page.context.close()

    steps = [
        ("acceptor", "accept", {}, None, CaseState.ACCEPTED),
        ("shift_leader", "register", {}, None, CaseState.REGISTERED),
        ("dispatcher", "dispatch", {}, None, CaseState.DISPATCHED),
        ("handler", "handle", {"result": "已清运完毕"}, None, CaseState.HANDLED),
        ("acceptor", "send-to-check", {}, None, CaseState.CHECKING),
        ("inspector", "check", {"note": "现场已干净"}, "yes", CaseState.CHECKED),
        ("shift_leader", "close", {}, None, CaseState.CLOSED),
    ]
    for username, action, fill, answer, state in steps:
        page = log_in(browser, base, username, case_path)
        if username == "dispatcher":
            assert_photo_renders(page)  # another role's browser shows the reporter's photo too
        act(page, action, answer=answer, fill=fill)
        assert Case.objects.get(number=number).state == state, (username, action)
        page.context.close()

    case = Case.objects.get(number=number)
    assert case.result == "已清运完毕" and case.department.code == "EAST-CG"
    assert list(case.events.values_list("action", flat=True)) == [
        "case.reported", "case.photo_added", "case.accepted", "case.registered", "case.dispatched", "case.handled",
        "case.sent_to_check", "case.checked", "case.closed",
    ]
