"""Login lock-outs (django-axes): the client address counted, the 429 page, one audit event per lock-out."""

from __future__ import annotations

import math
from typing import Any

from axes.helpers import get_cool_off
from axes.signals import user_locked_out
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cityops.core.audit import audit_log


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address as Django sees it (REMOTE_ADDR), or None for a request without one.

    None, not a placeholder: axes stores the address in an inet column, which PostgreSQL checks (a login made
    in code, like the test client's force_login, has no address).
    """
    return request.META.get("REMOTE_ADDR") or None


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict[str, Any] | None = None) -> HttpResponse:
    """A 429 page saying the login is locked and for how long, with Retry-After (never the login form again)."""
    cool_off = get_cool_off(request)
    seconds = max(1, int(cool_off.total_seconds())) if cool_off else 0
    context = {"minutes": math.ceil(seconds / 60)}
    response = render(request, "registration/locked_out.html", context, status=429)
    if seconds:
        response["Retry-After"] = str(seconds)
    return response


@receiver(user_locked_out, dispatch_uid="cityops.org.lockout.audit")
def _audit_lockout(sender: Any, request: HttpRequest, username: str | None, ip_address: str | None,
                   **kwargs: Any) -> None:
    audit_log(actor=None, action="org.login.locked_out", object_type="org.user", object_id=(username or "")[:64],
              data={"username": username or "", "ip_address": ip_address or ""})
