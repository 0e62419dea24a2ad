"""What every browser test shares: Debian's Chromium, the marks, and logging in.

The `browser` (and `playwright_and_browser`) fixtures are in tests/conftest.py; a browser test module sets
`pytestmark = BROWSER_MARKS` and asks for `live_server` and `browser`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from cityops.testing import factories as f

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Chromium is not installed at {CHROMIUM} "
                       "(apt-get install -y chromium)"),
    # The live server needs the catalogue (and portal categories) the migrations load back after the flush.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the test are still sync.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


def log_in(browser, base_url: str, username: str, next_path: str, **context_options):
    """A fresh browser context (its own cookies) logged in as `username`, on `next_path`."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, **context_options)
    page = context.new_page()
    page.goto(f"{base_url}/accounts/login/?next={next_path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", f.PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url(re.compile(re.escape(next_path) + "$"))
    return page
