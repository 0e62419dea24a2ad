"""Fixtures of the cases tests: the cast (personas plus the centre's staff), logged-in clients, API tokens."""

from __future__ import annotations

import hashlib
import secrets

import pytest

from cityops.org.models import ApiToken, Department, Role
from cityops.testing import factories as f


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The cast's passwords are hashed on creation; the production hasher would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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
