"""pytest plugin loaded with `-p` before Django is configured: safe defaults for a test run.

The suite runs on SQLite unless CITYOPS_TEST_DATABASE_URL names a PostgreSQL server.
"""

import os
import tempfile
from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-suite-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("CITYOPS_STATIC_MANIFEST", "false")
# Tests speak English unless they ask for Chinese (Accept-Language: zh-hans); the product default stays zh-hans.
os.environ.setdefault("LANGUAGE_CODE", "en")
os.environ.setdefault("CITYOPS_VAR_DIR", tempfile.mkdtemp(prefix="cityops-test-"))
if os.environ.get("CITYOPS_TEST_DATABASE_URL"):
    os.environ["DATABASE_URL"] = os.environ["CITYOPS_TEST_DATABASE_URL"]


# --- the whole suite on another day ---------------------------------------------------------------------------
# CITYOPS_TEST_NOW=2026-12-31T23:50+08:00 runs every test as if the machine's clock said so (and keeps ticking),
# so results that depend on today's date are checked on awkward days: a year's last minutes, the eve of Spring
# Festival, a make-up working Sunday, 29 February (`make test-awkward-days`). SQLite only: PostgreSQL's own now()
# is not moved.
_traveller = None


def _pinned_moment(value: str):
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("Asia/Shanghai"))


def pytest_configure(config) -> None:
    global _traveller
    value = os.environ.get("CITYOPS_TEST_NOW", "").strip()
    if not value:
        return
    _traveller = time_machine.travel(_pinned_moment(value), tick=True)
    _traveller.start()


def pytest_unconfigure(config) -> None:
    if _traveller is not None:
        _traveller.stop()


def pytest_report_header(config) -> str | None:
    value = os.environ.get("CITYOPS_TEST_NOW", "").strip()
    return f"clock pinned: CITYOPS_TEST_NOW={value}" if value else None
