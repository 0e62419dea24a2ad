"""Cases in the admin: for looking up and inspecting only.

A case changes state only through `cases.services` (the transition table, the clocks and the history are
kept there), so nothing here edits a case, a request or a number counter; the history and the clocks show
inline, read-only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cityops.cases.models import Case, CaseEvent, CaseNumberCounter, CaseRequest, CaseStageClock


class ReadOnlyAdminMixin:
    """View permission only: no add, change or delete from the admin."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CaseStageClockInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CaseStageClock
    extra = 0
    fields = ["stage", "round", "started_at", "minutes_allowed", "basis", "extended_minutes", "deadline",
              "paused_at", "done_at", "on_time"]
    readonly_fields = fields
    verbose_name_plural = _("stage clocks")


class CaseEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CaseEvent
    extra = 0
    fields = ["at", "actor_label", "action", "from_state", "to_state", "note", "data"]
    readonly_fields = fields
    verbose_name_plural = _("history")


class CaseRequestInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CaseRequest
    extra = 0
    fields = ["kind", "state", "reason", "extra_minutes", "void_reason", "requested_by", "requested_at",
              "decided_by", "decided_at"]
    readonly_fields = fields


@admin.register(Case)
class CaseAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["number", "state", "catalog_class", "department", "due_at", "is_overdue", "is_urged",
                    "reported_at"]
    list_filter = ["state", "is_overdue", "is_urged", "is_self_handled", "source", "kind", "department"]
    search_fields = ["=number", "description"]
    date_hierarchy = "reported_at"
    list_select_related = ["catalog_class", "department"]
    # The catalogue and the regions are large: show the foreign keys as ids, never as a full <select>.
    raw_id_fields = ["catalog_class", "grid", "community", "street", "district", "component", "reporter",
                     "department", "handling_unit", "proposed_department", "master", "recurrence_of", "urgency"]
    readonly_fields = [f.name for f in Case._meta.fields]
    inlines = [CaseStageClockInline, CaseRequestInline, CaseEventInline]


@admin.register(CaseRequest)
class CaseRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["case", "kind", "state", "requested_by", "requested_at", "decided_by", "decided_at"]
    list_filter = ["kind", "state"]
    search_fields = ["=case__number", "reason"]
    list_select_related = ["case", "requested_by", "decided_by"]
    readonly_fields = [f.name for f in CaseRequest._meta.fields]


@admin.register(CaseNumberCounter)
class CaseNumberCounterAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["day", "last"]
    ordering = ["-day"]
    readonly_fields = ["day", "last"]
