"""Fixtures of the cases tests: the cast (personas plus the centre's staff), logged-in clients, API tokens."""

from __future__ import annotations

import pytest

from cityops.org.models import Department, Role
from cityops.testing import factories as f


@pytest.fixture(autouse=True)
def _fast_password_hashing(fast_password_hashing):
    """Every test here uses the shared fast hasher."""


@pytest.fixture
def cast(personas, city):
    """The personas plus the centre's acceptor and shift leader (whole city) and an inspector of 西区."""
    east, west = city.districts
    return {
        **personas,
        "acceptor": f.make_user("acceptor", Role.ACCEPTOR, scope_region=city.city),
        "shift_leader": f.make_user("shift_leader", Role.SHIFT_LEADER, scope_region=city.city),
        "west_inspector": f.make_user("west_inspector", Role.INSPECTOR, scope_region=west),
        "east_dept": Department.objects.get(code="EAST-CG"),
        "west_dept": Department.objects.get(code="WEST-CG"),
    }


@pytest.fixture
def as_user(client, cast):
    """A test client logged in as one of the cast."""

    def login(name: str):
        client.force_login(cast[name])
        return client

    return login


