"""In-app notifications: one row per recipient and event, read or not."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    NEW_TASK = "new_task", _("New task")
    DEADLINE_WARNING = "deadline_warning", _("Deadline warning")
    OVERDUE = "overdue", _("Overdue")
    URGED = "urged", _("Urged (督办)")
    MERGED = "merged", _("Merged as duplicate")
    REQUEST_PENDING = "request_pending", _("Request awaiting decision")
    REQUEST_DECIDED = "request_decided", _("Request decided")


class Notification(models.Model):
    """A message for one user about something that concerns them (usually a case)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), max_length=2000, blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The inbox and the unread badge: a user's unread (read_at IS NULL) rows, newest first.
            models.Index(fields=["recipient", "read_at", "created_at"], name="notify_inbox"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
