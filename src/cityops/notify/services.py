"""Writes of the notify app: create notifications, mark them read.

Generic: the caller says who gets which message. Creating notifications is a side effect of another app's
change, called after that change commits (the case events' notices: `cityops.cases.notices`), whose own
history is the audit record of why the notification exists. Marking read is the recipient's own act and is
audited.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.core.audit import audit_log
from cityops.core.errors import NotFound
from cityops.core.permissions import is_user
from cityops.notify.models import Notification, NotificationKind

if TYPE_CHECKING:
    from cityops.core.typing import Actor

MAX_TITLE = 200
MAX_BODY = 2000


def notify_users(*, users: Iterable[Any], kind: str, case: Any = None, title: str, body: str = "", url: str = "",
                 at: datetime | None = None) -> list[Notification]:
    """Give each user (once, however often listed) an in-app notification; one INSERT for all of them."""
    kind = NotificationKind(kind)
    at = at or timezone.now()
    recipients = {user.pk: user for user in users if user is not None and user.pk is not None}
    rows = [
        Notification(recipient_id=pk, kind=kind, case=case, title=str(title)[:MAX_TITLE], body=str(body)[:MAX_BODY],
                     url=url[:300], created_at=at)
        for pk in sorted(recipients)
    ]
    return Notification.objects.bulk_create(rows) if rows else []


@dataclass(frozen=True)
class Notice:
    """One notification to write: to whom, of which kind, what it says and links to, about which case (if any)."""

    recipient: Any
    kind: str
    title: str
    body: str = ""
    url: str = ""
    case: Any = None


def notifications_create(*, notices: Sequence[Notice], at: datetime | None = None) -> list[Notification]:
    """Write many notifications, each to its own recipient, in INSERTs of 1,000 rows (a worker's batch)."""
    at = at or timezone.now()
    rows = [
        Notification(recipient=n.recipient, kind=NotificationKind(n.kind), case=n.case, title=str(n.title)[:MAX_TITLE],
                     body=str(n.body)[:MAX_BODY], url=n.url[:300], created_at=at)
        for n in notices
    ]
    return Notification.objects.bulk_create(rows, batch_size=1000) if rows else []


def notification_mark_read(*, notification: Notification, actor: Actor) -> Notification:
    """Mark one of the actor's own notifications read (someone else's: NotFound, 404); marking twice is harmless."""
    if not is_user(actor) or notification.recipient_id != actor.pk:
        raise NotFound(_("Notification not found."))
    now = timezone.now()
    with transaction.atomic():
        # Conditional: a second click (or a second tab) keeps the first read time and writes no second audit row.
        changed = Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        if changed:
            audit_log(actor=actor, action="notify.notification.read", obj=notification)
    notification.refresh_from_db(fields=["read_at"])
    return notification


def notifications_mark_all_read(*, actor: Actor) -> int:
    """Mark every unread notification of the actor read; returns how many were unread."""
    if not is_user(actor):
        return 0
    with transaction.atomic():
        changed = Notification.objects.filter(recipient_id=actor.pk, read_at__isnull=True).update(
            read_at=timezone.now())
        if changed:
            audit_log(actor=actor, action="notify.notification.read_all", data={"count": changed},
                      object_type="notify.notification")
    return changed
