"""Shared fixtures: the small city and the fixed cast of personas (see cityops.testing.factories)."""

from __future__ import annotations

import hashlib
import secrets

import pytest

from cityops.org.models import ApiToken, Role
from cityops.testing import factories as f


@pytest.fixture(autouse=True)
def _fresh_working_calendar():
    """Calendar overrides are cached per process; a rolled-back test must not leak its overrides."""
    from cityops.catalog import cache
    from cityops.core.worktime import clear_caches

    clear_caches()
    cache.clear()  # the report path's copy of the catalogue policy, too (ids of a rolled-back test)
    yield
    clear_caches()
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """A request in another language leaves it active in the thread (LocaleMiddleware): reset it for the next test."""
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def city(db):
    return f.make_small_city()


@pytest.fixture
def personas(city):
    """inspector/dispatcher/handler of district 0 (东区), a handler of district 1 (西区), admin, no-scope user."""
    east, west = city.districts
    dept_east = f.make_department("EAST-CG", "东区城管局", region=east)
    dept_west = f.make_department("WEST-CG", "西区城管局", region=west)
    return {
        "inspector": f.make_user("inspector", Role.INSPECTOR, scope_region=east),
        "dispatcher": f.make_user("dispatcher", Role.DISPATCHER, scope_region=east),
        "handler": f.make_user("handler", Role.HANDLER, scope_department=dept_east, department=dept_east),
        "other_handler": f.make_user("other_handler", Role.HANDLER, scope_department=dept_west, department=dept_west),
        "leader": f.make_user("leader", Role.LEADER, scope_region=city.city),
        "admin": f.make_user("admin", Role.ADMIN, is_staff=True),
        "nobody": f.make_user("nobody"),
    }


@pytest.fixture
def fast_password_hashing(settings):
    """Hash the personas' passwords with MD5: Argon2 would dominate the run time of API-heavy modules."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def api_token():
    """Make a bearer token for a user with the given scopes; returns the Authorization header value."""

    def make(user, *scopes: str) -> str:
        prefix = secrets.token_hex(4)
        token = f"{prefix}.{secrets.token_urlsafe(24)}"
        ApiToken.objects.create(user=user, name="test", prefix=prefix, scopes=list(scopes),
                                key_hash=hashlib.sha256(token.encode()).hexdigest())
        return f"Bearer {token}"

    return make


@pytest.fixture
def playwright_and_browser():
    """Playwright and Debian's headless Chromium (see tests/browser_support.py), closed after the test."""
    from playwright.sync_api import sync_playwright

    from tests.browser_support import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield playwright, chromium
        chromium.close()


@pytest.fixture
def browser(playwright_and_browser):
    """Debian's headless Chromium for a browser test."""
    return playwright_and_browser[1]
