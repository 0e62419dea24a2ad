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


# --- delivery to the outside: SMS, e-mail, webhooks -------------------------------------------------------


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Webhook")


class OutboxState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed (will retry)")
    DEAD = "dead", _("Dead (gave up)")


class TemplateLanguage(models.TextChoices):
    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"


class OutboxMessage(models.Model):
    """One message to send outside the platform, written after the change it reports committed, sent by the worker."""

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recipient = models.CharField(_("recipient"), max_length=500, help_text=_("Phone number, e-mail address or URL."))
    template_key = models.CharField(_("template"), max_length=60, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=TemplateLanguage.choices,
                                default=TemplateLanguage.ZH_HANS)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"), blank=True)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(_("state"), max_length=10, choices=OutboxState.choices, default=OutboxState.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    claimed_by = models.CharField(_("claimed by"), max_length=100, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The worker's scan: due rows of a state, oldest first.
            models.Index(fields=["state", "next_attempt_at"], name="notify_outbox_due"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} → {self.recipient} ({self.state})"


class MessageTemplate(models.Model):
    """The wording of one message kind on one channel in one language (Django template text, editable by admins)."""

    key = models.CharField(_("key"), max_length=60)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=10, choices=TemplateLanguage.choices)
    subject = models.CharField(_("subject"), max_length=200, blank=True,
                               help_text=_("E-mail subject (Django template text); unused for SMS."))
    body = models.TextField(_("body"), help_text=_("Django template text, e.g. {{ case.number }}."))

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["key", "channel", "language"]
        constraints = [
            models.UniqueConstraint(fields=["key", "channel", "language"], name="notify_template_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.key} · {self.channel} · {self.language}"
