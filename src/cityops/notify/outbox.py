"""The outbox: messages to the outside world written after the change they report commits, sent by the worker.

`outbox_enqueue` renders the message at once (the wording reflects the moment of the event) and writes the row
on commit, so a rolled-back change sends nothing. `outbox_deliver_due` (the worker's job) claims due rows,
sends each through its channel's backend outside any transaction, and marks it sent, or failed with an
exponential backoff, or dead after CITYOPS_OUTBOX_MAX_ATTEMPTS tries. A claim is a lease: a row left `sending`
longer than CITYOPS_OUTBOX_LEASE_SECONDS (its worker died) is claimed again, so nothing is lost on a restart.
Delivery is at least once: the lease must outlast a backend's timeout, or a slow send may be repeated.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.template import Context, Template
from django.utils import timezone

from cityops.core.audit import audit_log
from cityops.notify.backends import backend_for
from cityops.notify.models import Channel, MessageTemplate, OutboxMessage, OutboxState, TemplateLanguage
from cityops.notify.template_defaults import DEFAULTS

if TYPE_CHECKING:
    from cityops.core.typing import Actor

logger = logging.getLogger("cityops.notify.outbox")
BACKOFF_CAP_MINUTES = 60
ERROR_LIMIT = 2000


def outbox_enqueue(*, channel: str, to: str, template: str = "", context: dict[str, Any] | None = None,
                   language: str | None = None, case: Any = None, payload: dict | None = None) -> None:
    """Queue a message of `template` (rendered now with `context`) to `to`, written once the transaction commits."""
    language = _language(language)
    subject, body = render(key=template, channel=channel, language=language, context=context or {}) if template \
        else ("", "")
    fields = {"channel": Channel(channel), "recipient": to[:500], "template_key": template, "language": language,
              "subject": subject[:200], "body": body, "payload": payload or {},
              "case_id": getattr(case, "pk", None)}

    # A named function: Django logs a robust callback's failure by its __qualname__.
    def write_outbox_message() -> None:
        OutboxMessage.objects.create(**fields)

    transaction.on_commit(write_outbox_message, robust=True)


def render(*, key: str, channel: str, language: str, context: dict[str, Any]) -> tuple[str, str]:
    """(subject, body) of template `key` for `channel` in `language`: the admins' row, else the default wording."""
    row = MessageTemplate.objects.filter(key=key, channel=channel, language=language).first()
    if row is not None:
        subject, body = row.subject, row.body
    elif (key, language) in DEFAULTS:
        subject, body = DEFAULTS[(key, language)]
    else:
        raise LookupError(f"no message template {key!r} ({channel}, {language})")
    # Plain text, not HTML: no autoescaping (an SMS must show "&", not "&amp;").
    ctx = Context(context, autoescape=False)
    return Template(subject).render(ctx).strip(), Template(body).render(ctx).strip()


def _language(language: str | None) -> str:
    choices = set(TemplateLanguage.values)
    wanted = (language or settings.LANGUAGE_CODE).lower()
    return wanted if wanted in choices else TemplateLanguage.ZH_HANS


# --- delivery ---------------------------------------------------------------------------------------------


@dataclass
class DeliveryReport:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    dead: int = 0

    def __str__(self) -> str:
        return f"{self.claimed} claimed, {self.sent} sent, {self.failed} to retry, {self.dead} dead"


def outbox_deliver_due(*, worker_id: str, batch: int = 50, now: datetime | None = None) -> DeliveryReport:
    """Claim up to `batch` due messages for `worker_id` and send them; returns what happened."""
    now = now or timezone.now()
    report = DeliveryReport()
    token = f"{worker_id}/{uuid.uuid4().hex[:8]}"[:100]
    for message in _claim(token=token, batch=batch, now=now):
        report.claimed += 1
        outcome = _send(message, token=token, now=now)
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def _due(now: datetime) -> Q:
    lease = timedelta(seconds=settings.CITYOPS_OUTBOX_LEASE_SECONDS)
    waiting = Q(state__in=[OutboxState.PENDING, OutboxState.FAILED], next_attempt_at__lte=now)
    abandoned = Q(state=OutboxState.SENDING, claimed_at__lt=now - lease)  # its worker died mid-send
    return waiting | abandoned


def _claim(*, token: str, batch: int, now: datetime) -> list[OutboxMessage]:
    claim = {"state": OutboxState.SENDING, "claimed_by": token, "claimed_at": now, "attempts": F("attempts") + 1}
    with transaction.atomic():
        due: QuerySet = OutboxMessage.objects.filter(_due(now)).order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            # PostgreSQL: rows another worker has locked are skipped, not waited for; the lock is held until
            # the claim below commits, so two workers never claim one row.
            ids = list(due.select_for_update(skip_locked=True).values_list("id", flat=True)[:batch])
            OutboxMessage.objects.filter(id__in=ids).update(**claim)
        else:
            # SQLite has no row locks: another worker may claim some of these ids between the SELECT and the
            # UPDATE. The UPDATE repeats the due condition, and SQLite runs writes one at a time, so a row
            # claimed meanwhile no longer matches and stays the other worker's; we send only rows with our token.
            ids = list(due.values_list("id", flat=True)[:batch])
            OutboxMessage.objects.filter(_due(now), id__in=ids).update(**claim)
    return list(OutboxMessage.objects.filter(id__in=ids, claimed_by=token).order_by("next_attempt_at", "id"))


def _send(message: OutboxMessage, *, token: str, now: datetime) -> str:
    mine = OutboxMessage.objects.filter(pk=message.pk, claimed_by=token, state=OutboxState.SENDING)
    try:
        backend_for(message.channel).send(message)
    except Exception as exc:  # any failure of a backend is retried; the error is kept for the admins
        error = f"{type(exc).__name__}: {exc}"[:ERROR_LIMIT]
        if message.attempts >= settings.CITYOPS_OUTBOX_MAX_ATTEMPTS:
            mine.update(state=OutboxState.DEAD, last_error=error)
            logger.error("outbox message %s dead after %s attempts: %s", message.pk, message.attempts, error)
            return "dead"
        mine.update(state=OutboxState.FAILED, last_error=error, next_attempt_at=now + backoff(message.attempts))
        logger.warning("outbox message %s failed (attempt %s): %s", message.pk, message.attempts, error)
        return "failed"
    mine.update(state=OutboxState.SENT, sent_at=timezone.now(), last_error="")
    return "sent"


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after `attempts` tries: 1, 2, 4, … minutes, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), BACKOFF_CAP_MINUTES))


def outbox_retry(*, messages: QuerySet[OutboxMessage], actor: Actor) -> int:
    """Make failed or dead messages due now (one more try each); returns how many."""
    with transaction.atomic():
        # By id, without the caller's joins (an admin list joins the case; FOR UPDATE refuses outer joins).
        ids = list(messages.values_list("pk", flat=True))
        rows = list(OutboxMessage.objects.select_for_update().filter(
            pk__in=ids, state__in=[OutboxState.FAILED, OutboxState.DEAD]))
        now = timezone.now()
        for row in rows:
            row.state, row.next_attempt_at = OutboxState.PENDING, now
            row.save(update_fields=["state", "next_attempt_at"])
            audit_log(actor=actor, action="notify.outbox.retried", obj=row,
                      data={"channel": row.channel, "attempts": row.attempts})
    return len(rows)
