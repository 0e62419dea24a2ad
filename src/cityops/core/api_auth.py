"""Authentication for the JSON API: the browser session (with CSRF) or a bearer API token."""

from __future__ import annotations

import hashlib
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from cityops.core.errors import CsrfFailed


class StaffSession(SessionAuth):
    """A logged-in, active staff session; unsafe methods need the CSRF token."""

    def _get_key(self, request: Any) -> str | None:
        # ninja checks CSRF before it knows whether there is a session at all, so an anonymous POST (no cookie,
        # no token) answered 403 "CSRF check Failed" instead of 401. CSRF protects a session: check it only
        # when there is one; without a session this scheme simply does not apply and the caller gets 401.
        if not _session_user(request):
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request) is not None:
            raise CsrfFailed(_("CSRF check failed: send the csrftoken cookie's value in an X-CSRFToken header."))
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: Any, key: str | None) -> Any:
        return _session_user(request)


def _session_user(request: Any) -> Any:
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated and user.is_active else None


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
