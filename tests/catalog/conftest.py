from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(fast_password_hashing):
    """Every test here uses the shared fast hasher."""


