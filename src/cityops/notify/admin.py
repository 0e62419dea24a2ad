"""Notifications in the admin: in-app ones for looking up only, the outbox with retries, and message templates."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext as _

from cityops.notify.models import MessageTemplate, Notification, OutboxMessage
from cityops.notify.outbox import outbox_retry


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "title", "case", "read_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "recipient__username", "case__number"]
    list_select_related = ["recipient", "case"]
    raw_id_fields = ["recipient", "case"]
    date_hierarchy = "created_at"
    fields = ["recipient", "kind", "case", "title", "body", "url", "created_at", "read_at"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """The outbox: what was sent, what waits, and what failed with its last error; failures can be retried."""

    list_display = ["created_at", "channel", "recipient", "template_key", "state", "attempts", "next_attempt_at",
                    "short_error", "case"]
    list_filter = ["state", "channel", "template_key"]
    search_fields = ["recipient", "case__number", "last_error"]
    list_select_related = ["case"]
    date_hierarchy = "created_at"
    actions = ["retry_now"]
    readonly_fields = ["channel", "recipient", "template_key", "language", "subject", "body", "payload", "case",
                       "state", "attempts", "next_attempt_at", "last_error", "claimed_by", "claimed_at",
                       "created_at", "sent_at"]
    fields = readonly_fields

    @admin.display(description=_("last error"))
    def short_error(self, obj: OutboxMessage) -> str:
        return obj.last_error[:80]

    @admin.action(description=_("Retry now"))
    def retry_now(self, request: HttpRequest, queryset: Any) -> None:
        count = outbox_retry(messages=queryset, actor=request.user)
        self.message_user(request, _("%(n)d messages will be sent again.") % {"n": count})

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    """The wording of SMS and e-mails per event and language (Django template syntax)."""

    list_display = ["key", "channel", "language", "subject"]
    list_filter = ["channel", "language", "key"]
    search_fields = ["key", "subject", "body"]
