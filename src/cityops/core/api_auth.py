"""Authentication for the JSON API: the browser session (with CSRF) or a bearer API token."""

from __future__ import annotations

import hashlib
from typing import Any

from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth


class StaffSession(SessionAuth):
    """A logged-in, active staff session; unsafe methods need the CSRF token."""

    def authenticate(self, request: Any, key: str | None) -> Any:
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


class ApiTokenAuth(HttpBearer):
    """`Authorization: Bearer <prefix>.<secret>`; only the SHA-256 of the whole token is stored."""

    def authenticate(self, request: Any, token: str) -> Any:
        from cityops.org.models import ApiToken

        prefix = token.split(".", 1)[0]
        if not prefix or len(prefix) > 12:
            return None
        record = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
        if record is None or not record.is_usable or not record.user.is_active:
            return None
        digest = hashlib.sha256(token.encode()).hexdigest()
        if not _constant_time_equal(digest, record.key_hash):
            return None
        # Stamp last use at most once a minute: one conditional UPDATE, no read-modify-write race.
        now = timezone.now()
        ApiToken.objects.filter(pk=record.pk).exclude(last_used_at__gt=now - timezone.timedelta(minutes=1)).update(
            last_used_at=now
        )
        user = record.user
        user.via_token = record
        request.user = user
        return user


def _constant_time_equal(a: str, b: str) -> bool:
    import hmac

    return hmac.compare_digest(a.encode(), b.encode())


API_AUTH = [ApiTokenAuth(), StaffSession()]
