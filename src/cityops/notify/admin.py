"""Notifications in the admin: for looking up only (they are written by the notify hooks, read by their owners)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from cityops.notify.models import Notification


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

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
