"""Authentication for the JSON API: the browser session (with CSRF) or a bearer API token."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from cityops.core.audit import audit_log
from cityops.core.errors import CsrfFailed
from cityops.core.ratelimit import RateLimited, rate_limit_count
from cityops.org.models import ApiToken
from cityops.org.token_lookup import TokenLookup, token_lookup


class StaffSession(SessionAuth):
    """A logged-in, active staff session; unsafe methods need the CSRF token."""

    def _get_key(self, request: HttpRequest) -> str | None:
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
    """`Authorization: Bearer <prefix>.<secret>`; only the SHA-256 of the whole token is stored.

    Wrong tokens are counted per client address and per token prefix; past the limit, tokens from that address
    or with that prefix are refused with 429 before they are checked, so guessing costs a window per few tries.
    """

    def authenticate(self, request: Any, token: str) -> Any:
        prefix = token.split(".", 1)[0][:12]
        keys = _failure_keys(request, prefix)
        # One query: the failure counters (refused first, before the token is even checked) and the token.
        found = token_lookup(prefix=_lookup_prefix(token), counter_keys=list(keys),
                             window_seconds=settings.CITYOPS_TOKEN_FAILURE_WINDOW_SECONDS)
        _refuse_when_throttled(keys, found)
        user = _token_user(request, token, found.token)
        if user is None:
            _count_failure(keys, request=request, prefix=prefix)
        return user


def _lookup_prefix(token: str) -> str | None:
    prefix = token.split(".", 1)[0]
    return prefix if prefix and len(prefix) <= 12 else None


def _token_user(request: Any, token: str, record: ApiToken | None) -> Any:
    # No cache: a revoked token or a deactivated user is refused at once. The user's scope regions and roles
    # came along (their paths decide what the caller sees), not their polygons.
    if record is None or not record.is_usable or not record.user.is_active:
        return None
    digest = hashlib.sha256(token.encode()).hexdigest()
    if not _constant_time_equal(digest, record.key_hash):
        return None
    # Stamp last use at most once a minute: one conditional UPDATE, no read-modify-write race; and none at all
    # while the stamp just read is recent (a busy integration would otherwise write on every request).
    now = timezone.now()
    a_minute_ago = now - timedelta(minutes=1)
    if record.last_used_at is None or record.last_used_at <= a_minute_ago:
        ApiToken.objects.filter(pk=record.pk).exclude(last_used_at__gt=a_minute_ago).update(last_used_at=now)
    user = record.user
    user.via_token = record
    request.user = user
    return user


def _failure_keys(request: Any, prefix: str) -> dict[str, int]:
    """The failure counters this attempt is held against, with their limits."""
    ip = request.META.get("REMOTE_ADDR", "") or "unknown"
    keys = {f"token-fail:ip:{ip}": settings.CITYOPS_TOKEN_FAILURES_PER_IP}
    if prefix:
        keys[f"token-fail:prefix:{prefix}"] = settings.CITYOPS_TOKEN_FAILURES_PER_PREFIX
    return keys


def _refuse_when_throttled(keys: dict[str, int], found: TokenLookup) -> None:
    # core's counters are the platform's shared, DB-backed rate limits (every web process sees them).
    for limit, count in zip(keys.values(), found.counts, strict=True):
        if count >= limit:
            raise RateLimited(_("Too many invalid API tokens; try again in %(s)d seconds.")
                              % {"s": found.retry_after}, retry_after=found.retry_after)


def _count_failure(keys: dict[str, int], *, request: Any, prefix: str) -> None:
    window = settings.CITYOPS_TOKEN_FAILURE_WINDOW_SECONDS
    for key, limit in keys.items():
        count, _retry_after = rate_limit_count(key=key, window_seconds=window, add=True)
        if count == limit:  # this failure closed the window for the key: audit the lock-out once
            audit_log(actor=None, action="core.api_token.locked_out", object_type="core.rate_key", object_id=key[:64],
                      data={"ip_address": request.META.get("REMOTE_ADDR", ""), "prefix": prefix,
                            "failures": count, "window_seconds": window})


def _constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def request_viewer(request: Any) -> Any:
    """Who asks: the bearer token's user when the request carries `Authorization`, else the session's user.

    None for an anonymous request or a token that does not authenticate.
    """
    if request.headers.get("Authorization"):
        return ApiTokenAuth()(request)
    return _session_user(request)


API_AUTH = [ApiTokenAuth(), StaffSession()]
