"""Reads of the notify app: a user's own notifications (the inbox and its unread count)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils.translation import gettext as _

from cityops.core.errors import NotFound
from cityops.notify.models import Notification

if TYPE_CHECKING:
    from cityops.core.typing import User

INBOX_PAGE = 50


def notifications_for_user(*, user: User, unread: bool | None = None, before: int | None = None,
                           limit: int = INBOX_PAGE) -> list[Notification]:
    """The user's own notifications, newest first; `unread` filters, `before` continues after a row's id."""
    rows = Notification.objects.filter(recipient=user).select_related("case")
    if unread is True:
        rows = rows.filter(read_at__isnull=True)
    elif unread is False:
        rows = rows.filter(read_at__isnull=False)
    if before is not None:
        cursor = notification_get_for_user(user=user, pk=before)
        rows = rows.filter(Q(created_at__lt=cursor.created_at) | Q(created_at=cursor.created_at, pk__lt=cursor.pk))
    return list(rows.order_by("-created_at", "-pk")[:limit])


def notification_get_for_user(*, user: User, pk: int) -> Notification:
    """One of the user's own notifications; anyone else's is NotFound (404), as if it did not exist."""
    found = Notification.objects.filter(recipient=user, pk=pk).first() if getattr(user, "pk", None) else None
    if found is None:
        raise NotFound(_("Notification not found."))
    return found


def unread_count(*, user: User) -> int:
    """How many of the user's notifications are unread (one COUNT on the inbox index)."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
