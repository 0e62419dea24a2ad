"""Admin for the platform core: the calendar overrides and the (read-only) audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from cityops.core.admin_audit import AuditedAdminMixin
from cityops.core.models import AuditEvent, CalendarOverride

admin.site.site_header = _("City Operation Management Service Platform administration")
admin.site.site_title = _("cityops administration")
admin.site.index_title = _("Site administration")


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(AuditedAdminMixin, admin.ModelAdmin):
    audit_prefix = "core.calendar_override"
    list_display = ["date", "weekday", "kind", "office_hours", "note"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["note"]

    @admin.display(description=_("weekday"))
    def weekday(self, obj: CalendarOverride) -> str:
        from django.utils.dateformat import format as date_format

        return date_format(obj.date, "l")


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit trail is evidence: it can be read and searched, never written by hand."""

    list_display = ["at", "actor_kind", "actor_label", "action", "object_type", "object_id"]
    list_filter = ["actor_kind", "action", "object_type"]
    search_fields = ["=object_id", "action", "actor_label"]
    date_hierarchy = "at"
    list_select_related = ["actor_user"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
