"""In real Chromium on a phone-sized screen: a report made offline is queued, sent once back online, never doubled."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from cityops.cases.models import Case, CasePhoto
from cityops.org.models import Role
from cityops.testing import factories as f
from tests.browser_support import BROWSER_MARKS

EAST = {"longitude": 104.005, "latitude": 30.015}  # 东区网格1

pytestmark = BROWSER_MARKS


@pytest.fixture
def inspector(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path
    city = f.make_small_city()
    user = f.make_user("inspector", Role.INSPECTOR, scope_region=city.districts[0])
    city.grids[0].inspectors.add(user)
    return user


def photo_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (2400, 1800), (30, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def phone_context(playwright, browser):
    """An iPhone 13-like context (390×844, touch, mobile) that may read a fixed GPS position."""
    device = {k: v for k, v in playwright.devices["iPhone 13"].items() if k != "default_browser_type"}
    return browser.new_context(**device, geolocation=EAST, permissions=["geolocation"])


def queued(page) -> int:
    return int(page.get_attribute("#queue-bar", "data-count") or 0)


def test_an_offline_report_is_queued_then_sent_once(live_server, inspector, playwright_and_browser):
    playwright, browser = playwright_and_browser
    context = phone_context(playwright, browser)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/m/report/")
    page.fill("input[name=username]", "inspector")
    page.fill("input[name=password]", f.PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url(re.compile(r"/m/report/$"))
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")  # the app shell is installed
    page.wait_for_function("() => document.getElementById('lon').value !== ''")  # the GPS placed the point
    page.fill("#class-search", "bllj")
    page.click("#class-list button[data-ref='matter:06010']")

    context.set_offline(True)
    page.fill("#description", "路口堆放垃圾（离线上报）")
    page.set_input_files("#photos", files=[{"name": "p.png", "mimeType": "image/png", "buffer": photo_png()}])
    page.wait_for_selector("#thumbs img")
    page.click("#report button[type=submit]")
    page.wait_for_function("() => document.getElementById('queue-bar').dataset.count === '1'")
    assert page.is_visible("#queue-bar") and Case.objects.count() == 0
    item = page.evaluate("window.cityopsInspector.queueAll().then(items => items[0])")
    assert len(item["key"]) == 36 and item["payload"]["photos"][0].startswith("data:image/jpeg")

    context.set_offline(False)  # the `online` event sends the queue
    page.wait_for_function("() => document.getElementById('queue-bar').dataset.count === '0'")
    case = Case.objects.get()
    assert case.idempotency_key == item["key"] and case.source == "inspector"
    assert CasePhoto.objects.filter(case=case).count() == 1
    with Image.open(CasePhoto.objects.get().image.path) as stored:
        assert stored.format == "JPEG" and max(stored.size) <= 1600  # compressed on the phone

    # The same report sent again after a reload (a lost answer, a second tab): still one case, one photo.
    page.reload()
    # The page flushes its queue on load, asynchronously: the put may be sent by that flush or by the next
    # load's, so the wait for the resend starts before both.
    with page.expect_response(re.compile(r"/api/v1/inspector/reports$")) as resent:
        page.evaluate("item => window.cityopsInspector.queuePut(item)", item)
        page.reload()  # sending on load
    # 200, not 201: the server recognised the key and answered with the case it already had. (The body is not
    # read: the page may navigate on once the queue is empty, and the browser then drops it.)
    assert resent.value.status == 200
    page.wait_for_function("() => document.getElementById('queue-bar').dataset.count === '0'")
    assert Case.objects.count() == 1 and CasePhoto.objects.count() == 1
    context.close()
