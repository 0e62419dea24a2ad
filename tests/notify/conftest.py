"""Fixtures of the notify tests: the notices' cast (see tests.cases.notice_cast)."""

from __future__ import annotations

from tests.cases.notice_cast import cast, committed, fast_hashing, garbage, people, told  # noqa: F401  (fixtures)
