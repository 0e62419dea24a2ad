"""In real Chromium on a phone-sized screen: a citizen reports on the map, follows, rates and reopens."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from cityops.cases.models import Case, CaseState, Source
from cityops.org.models import Role
from cityops.testing import factories as f
from tests.browser_support import BROWSER_MARKS
from tests.intake.portal.support import staff, walk_to_close

pytestmark = BROWSER_MARKS


@pytest.fixture
def cast(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path
    settings.CITYOPS_PORTAL_CHALLENGE_MIN_AGE = 0
    city = f.make_small_city()
    east = city.districts[0]
    dept = f.make_department("EAST-CG", "东区城管局", region=east)
    personas = {
        "inspector": f.make_user("inspector", Role.INSPECTOR, scope_region=east),
        "dispatcher": f.make_user("dispatcher", Role.DISPATCHER, scope_region=east),
        "handler": f.make_user("handler", Role.HANDLER, scope_department=dept, department=dept),
    }
    return staff(personas, city)


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (40, 140, 60)).save(buffer, format="JPEG")
    return buffer.getvalue()


def answer_challenge(form) -> None:
    a, b = re.findall(r"\d+", form.locator(".challenge-question").inner_text())
    form.locator("input[name=challenge_answer]").fill(str(int(a) + int(b)))


def test_a_citizen_reports_on_the_map_follows_the_case_rates_it_and_reopens_it(browser, live_server, cast):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/portal/report/")
    page.get_by_label("暴露垃圾").check()
    page.wait_for_function("() => document.querySelector('.leaflet-container') !== null")
    the_map = page.locator(".map")
    box = the_map.bounding_box()
    # The map frames the whole city (东区 west of 104.02); a point a fifth across lies in 东区.
    the_map.tap(position={"x": box["width"] * 0.2, "y": box["height"] * 0.5})
    assert float(page.input_value("#id_lon")) < 104.02
    page.fill("#id_description", "小区门口垃圾堆了三天")
    page.fill("#id_contact", "13800138000")
    page.set_input_files("#id_photos", files=[{"name": "pile.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}])
    answer_challenge(page.locator("form.card"))
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/portal/track/[A-Z0-9]{10}/$"))
    code = page.locator("#tracking-code").inner_text().strip()
    case = Case.objects.get(tracking_code=code)
    assert case.source == Source.CITIZEN and case.reporter_contact == "13800138000"
    assert "小区门口垃圾堆了三天" not in page.content()  # not shown before an acceptor took it in
    assert page.locator(".photos img").count() == 0

    walk_to_close(case, cast, result="垃圾已清运，地面已冲洗")
    page.reload()
    assert page.locator(".status").get_attribute("data-status") == "closed"
    assert page.locator(".result").inner_text() == "垃圾已清运，地面已冲洗"
    assert "小区门口垃圾堆了三天" in page.content()
    # The citizen's photo, public once accepted, really renders for an anonymous visitor.
    photo = page.locator(".photos img").first
    photo.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete", arg=photo.element_handle())
    assert photo.evaluate("img => img.naturalWidth") == 320, photo.get_attribute("src")
    assert [s.get_attribute("data-step") for s in page.locator("ol.timeline li").all()] == [
        "received", "accepted", "dispatched", "handled", "closed"]
    for secret in ("shift_leader", "dispatcher", "东区城管局"):
        assert secret not in page.content()

    rate = page.locator("#rate-form")
    rate.locator("input[name=satisfaction][value='2']").check()
    rate.locator("textarea[name=comment]").fill("没扫干净")
    rate.locator("button[type=submit]").click()
    page.wait_for_selector(".rating")
    assert page.locator(".rating").inner_text() == "2"
    assert page.locator("#rate-form").count() == 0

    reopen = page.locator("#reopen-form")
    reopen.locator("textarea[name=description]").fill("第二天又堆满了")
    answer_challenge(reopen)
    reopen.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/portal/track/(?!" + code + r")[A-Z0-9]{10}/$"))
    new = Case.objects.get(recurrence_of=case)
    assert new.state == CaseState.REPORTED and new.tracking_code in page.url
    assert page.locator(f"a[href='/portal/track/{code}/']").count() == 1
    page.goto(f"{live_server.url}/portal/track/{code}/")
    assert page.locator("a.reopened").inner_text() == new.tracking_code
    context.close()
