"""Signed requests from integrations (外部系统接入): HMAC-SHA256 signatures, a clock window and a replay guard.

An integration signs each request with its source's shared secret and sends four headers:

    X-Cityops-Source:     the source's code (e.g. ``city-video-ai``)
    X-Cityops-Timestamp:  Unix time in seconds when the request was made
    X-Cityops-Nonce:      a random string (at most 64 characters), never reused
    X-Cityops-Signature:  hex HMAC-SHA256 of ``f"{timestamp}.{nonce}.".encode() + raw_body`` with the secret

In Python::

    import json, secrets, time, urllib.request
    from cityops.intake.integrations.webhooks import sign

    body = json.dumps({...}).encode()
    ts, nonce = str(int(time.time())), secrets.token_hex(16)
    headers = {"Content-Type": "application/json", "X-Cityops-Source": "city-video-ai",
               "X-Cityops-Timestamp": ts, "X-Cityops-Nonce": nonce,
               "X-Cityops-Signature": sign(SECRET, ts, nonce, body)}
    urllib.request.urlopen(urllib.request.Request(URL, data=body, headers=headers))

A refused request answers 401 with a code: ``missing_signature``, ``unknown_source``, ``bad_signature``,
``stale_timestamp`` or ``replayed``.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cityops.core.errors import DomainError
from cityops.intake.models import IntegrationSource, SignatureNonce

MAX_SKEW_SECONDS = 5 * 60
MAX_NONCE = 64
HEADERS = {
    "source": "HTTP_X_CITYOPS_SOURCE",
    "timestamp": "HTTP_X_CITYOPS_TIMESTAMP",
    "nonce": "HTTP_X_CITYOPS_NONCE",
    "signature": "HTTP_X_CITYOPS_SIGNATURE",
}


class SignatureRefused(DomainError):
    """A signed request that is not accepted (401); `code` says why."""

    status = 401
    code = "bad_signature"

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


def sign(secret: str, timestamp: str | int, nonce: str, body: bytes) -> str:
    """The hex HMAC-SHA256 signature of a request: key `secret`, message `timestamp.nonce.body`."""
    message = f"{timestamp}.{nonce}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(*, source: str, secret: str, body: bytes, nonce: str, timestamp: int | None = None) -> dict:
    """The four X-Cityops-* headers of a request, keyed as Django's test client expects (``HTTP_…``)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    values = {"source": source, "timestamp": ts, "nonce": nonce, "signature": sign(secret, ts, nonce, body)}
    return {HEADERS[name]: value for name, value in values.items()}


def verify_signed_request(meta: Any, body: bytes, *, kinds: tuple[str, ...] | None = None,
                          now: float | None = None) -> IntegrationSource:
    """Return the active source that signed this request, or refuse it (401); the nonce is spent once verified."""
    values = {name: (meta.get(key) or "").strip() for name, key in HEADERS.items()}
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise SignatureRefused(_("Missing signature header(s): %(names)s.")
                               % {"names": ", ".join(f"X-Cityops-{n.title()}" for n in missing)},
                               code="missing_signature")
    source = IntegrationSource.objects.select_related("account").filter(code=values["source"]).first()
    if source is None or not source.is_active or (kinds is not None and source.kind not in kinds):
        raise SignatureRefused(_("Unknown or inactive source %(code)r.") % {"code": values["source"]},
                               code="unknown_source")
    expected = sign(source.secret, values["timestamp"], values["nonce"], body)
    # Constant-time comparison: a timing difference must not reveal how many leading characters matched.
    if not hmac.compare_digest(expected, values["signature"].lower()):
        raise SignatureRefused(_("The signature does not match the request."), code="bad_signature")
    _check_timestamp(values["timestamp"], time.time() if now is None else now)
    _spend_nonce(source, values["nonce"])
    return source


def _check_timestamp(value: str, now: float) -> None:
    try:
        stamp = int(value)
    except ValueError:
        stamp = None
    if stamp is None or abs(now - stamp) > MAX_SKEW_SECONDS:
        raise SignatureRefused(_("The timestamp is more than %(n)d minutes from the server's clock.")
                               % {"n": MAX_SKEW_SECONDS // 60}, code="stale_timestamp")


def _spend_nonce(source: IntegrationSource, nonce: str) -> None:
    if len(nonce) > MAX_NONCE:
        raise SignatureRefused(_("The nonce is longer than %(n)d characters.") % {"n": MAX_NONCE},
                               code="bad_signature")
    try:
        # Its own transaction, committed before the report is processed: the unique constraint lets exactly one
        # of two concurrent requests with the same nonce through, and a spent nonce stays spent even if the
        # report is then refused for bad content (the integrator resends with a fresh nonce).
        with transaction.atomic():
            SignatureNonce.objects.create(source=source, nonce=nonce)
    except IntegrityError:
        raise SignatureRefused(_("This request was already received (nonce reused)."), code="replayed") from None
