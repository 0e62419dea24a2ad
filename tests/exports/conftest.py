"""Fixtures of the export tests: those of the statistics tests, whose report kinds they export."""

from tests.analytics.conftest import _empty_cache, _fast_hashing  # noqa: F401
