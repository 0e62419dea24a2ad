"""How an outbox message leaves the platform: one backend per channel, chosen by settings.

A backend's `send(message)` returns when the message was handed over and raises `DeliveryError` (or any
exception) when it was not; the outbox then retries with backoff. Backends never touch the database.

- SMS: `CITYOPS_SMS_BACKEND=console` logs the text (development); `http` POSTs to a gateway, the body built from
  `CITYOPS_SMS_HTTP_TEMPLATE` (JSON with "{phone}" and "{text}" placeholders in its strings).
- E-mail: Django's mail (`EMAIL_*` settings).
- Webhook: POST of the message's JSON payload, signed `X-Cityops-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of
  "<t>.<body>">` with the target's secret (see `register_secret_resolver`) or `CITYOPS_WEBHOOK_SECRET`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any, Protocol

from django.conf import settings
from django.core.mail import send_mail

from cityops.notify.models import Channel, OutboxMessage

logger = logging.getLogger("cityops.notify.outbox")
SIGNATURE_HEADER = "X-Cityops-Signature"
SECRET_REF_KEY = "secret_ref"  # payload key naming a per-target secret ("<kind>:<id>"), never the secret itself


class DeliveryError(Exception):
    """The message could not be handed over (the outbox retries it)."""


class Backend(Protocol):
    def send(self, message: OutboxMessage) -> None: ...


class ConsoleSmsBackend:
    """Logs the SMS instead of sending it (development and tests)."""

    def send(self, message: OutboxMessage) -> None:
        logger.info("SMS to %s: %s", message.recipient, message.body)


class HttpSmsBackend:
    """POSTs the SMS to an HTTP gateway; the request body comes from a JSON template."""

    def __init__(self, *, url: str, template: str, headers: dict[str, str], timeout: float) -> None:
        if not url:
            raise DeliveryError("CITYOPS_SMS_HTTP_URL is not set")
        self.url, self.template, self.headers, self.timeout = url, json.loads(template), headers, timeout

    def send(self, message: OutboxMessage) -> None:
        body = _fill(self.template, {"phone": message.recipient, "text": message.body})
        data = json.dumps(body, ensure_ascii=False).encode()
        post_json(self.url, data, headers=self.headers, timeout=self.timeout)


class EmailBackend:
    """Sends through Django's mail (whatever EMAIL_BACKEND is configured)."""

    def send(self, message: OutboxMessage) -> None:
        send_mail(message.subject or message.body[:60], message.body, settings.DEFAULT_FROM_EMAIL,
                  [message.recipient], fail_silently=False)


class WebhookBackend:
    """POSTs the payload as JSON, signed with HMAC-SHA256 over the timestamp and the exact body."""

    def __init__(self, *, timeout: float) -> None:
        self.timeout = timeout

    def send(self, message: OutboxMessage) -> None:
        payload = dict(message.payload or {})
        secret = resolve_secret(payload.pop(SECRET_REF_KEY, ""))
        data = json.dumps(payload.get("body", payload), ensure_ascii=False, separators=(",", ":")).encode()
        headers = {SIGNATURE_HEADER: sign(data, secret=secret)} if secret else {}
        post_json(message.recipient, data, headers=headers, timeout=self.timeout)


# --- signing ----------------------------------------------------------------------------------------------

_SECRET_RESOLVERS: dict[str, Callable[[str], str]] = {}


def register_secret_resolver(kind: str, resolve: Callable[[str], str]) -> None:
    """Let webhook payloads name a per-target secret as "<kind>:<id>" (e.g. an integration source's secret)."""
    _SECRET_RESOLVERS[kind] = resolve


def resolve_secret(ref: str) -> str:
    """The secret a webhook is signed with: the target's own, else the platform's CITYOPS_WEBHOOK_SECRET."""
    kind, _sep, ident = (ref or "").partition(":")
    if kind in _SECRET_RESOLVERS:
        found = _SECRET_RESOLVERS[kind](ident)
        if found:
            return found
    return settings.CITYOPS_WEBHOOK_SECRET


def sign(body: bytes, *, secret: str, timestamp: int | None = None) -> str:
    """The signature header's value: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`."""
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def verify(body: bytes, header: str, *, secret: str, tolerance: int = 300, now: float | None = None) -> bool:
    """Whether `header` is a valid signature of `body` made within `tolerance` seconds (for receivers and tests)."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        t = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - t) > tolerance:
        return False
    return hmac.compare_digest(sign(body, secret=secret, timestamp=t), header.strip())


# --- plumbing ---------------------------------------------------------------------------------------------


def post_json(url: str, data: bytes, *, headers: dict[str, str], timeout: float) -> None:
    """POST `data` as JSON; a non-2xx answer, a timeout or a refused connection raise DeliveryError."""
    if not url.startswith(("http://", "https://")):
        raise DeliveryError(f"not an http(s) URL: {url[:80]}")
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8", **headers})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310  (scheme checked above)
            status = response.status
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code} from {url[:80]}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}"[:300]) from exc
    if not 200 <= status < 300:
        raise DeliveryError(f"HTTP {status} from {url[:80]}")


def _fill(value: Any, values: dict[str, str]) -> Any:
    # Placeholders are replaced inside the parsed template's strings, so a text with quotes stays valid JSON.
    if isinstance(value, str):
        for name, text in values.items():
            value = value.replace("{" + name + "}", text)
        return value
    if isinstance(value, dict):
        return {k: _fill(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, values) for v in value]
    return value


def backend_for(channel: str) -> Backend:
    """The configured backend of `channel`."""
    timeout = settings.CITYOPS_NOTIFY_HTTP_TIMEOUT
    if channel == Channel.SMS:
        if settings.CITYOPS_SMS_BACKEND == "http":
            return HttpSmsBackend(url=settings.CITYOPS_SMS_HTTP_URL, template=settings.CITYOPS_SMS_HTTP_TEMPLATE,
                                  headers=settings.CITYOPS_SMS_HTTP_HEADERS, timeout=timeout)
        return ConsoleSmsBackend()
    if channel == Channel.EMAIL:
        return EmailBackend()
    if channel == Channel.WEBHOOK:
        return WebhookBackend(timeout=timeout)
    raise DeliveryError(f"unknown channel {channel!r}")
