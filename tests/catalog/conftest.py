from __future__ import annotations

import hashlib
import secrets

import pytest

from cityops.org.models import ApiToken


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The personas' passwords are hashed on creation; Argon2 would dominate the run time.
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
