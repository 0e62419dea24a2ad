"""Admin for the platform core: the working calendar (overrides, yearly arrangements) and the read-only audit trail.

A change to the calendar made here recomputes, in the admin's transaction, the open case clocks whose deadlines
it moves (`core.services.calendar_dates_changed`), and says how many.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cityops.core.admin_audit import AuditedAdminMixin
from cityops.core.audit import audit_log
from cityops.core.models import ArrangementDay, AuditEvent, CalendarOverride, DayKind, HolidayArrangement
from cityops.core.services import calendar_dates_changed

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
        return _weekday(obj.date)

    def save_model(self, request: HttpRequest, obj: CalendarOverride, form: Any, change: bool) -> None:
        old_date = CalendarOverride.objects.filter(pk=obj.pk).values_list("date", flat=True).first() if change else None
        super().save_model(request, obj, form, change)
        _recompute(request, {obj.date, old_date} - {None}, reason=f"calendar override {obj.date}")

    def delete_model(self, request: HttpRequest, obj: CalendarOverride) -> None:
        super().delete_model(request, obj)
        _recompute(request, {obj.date}, reason=f"calendar override {obj.date} deleted")

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        with transaction.atomic():  # the changelist's bulk delete runs outside the change form's transaction
            dates = set(queryset.values_list("date", flat=True))
            super().delete_queryset(request, queryset)
            _recompute(request, dates, reason="calendar overrides deleted")


class ArrangementDayInline(admin.TabularInline):
    model = ArrangementDay
    fields = ["date", "kind", "name"]
    extra = 3
    ordering = ["date"]


@admin.register(HolidayArrangement)
class HolidayArrangementAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """The State Council's yearly arrangement, entered by hand with its days; `cityops calendar-import` loads a file."""

    audit_prefix = "core.holiday_arrangement"
    list_display = ["year", "reference", "holidays", "workdays", "updated_at"]
    search_fields = ["reference", "note"]
    inlines = [ArrangementDayInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(
            n_holidays=Count("days", filter=Q(days__kind=DayKind.HOLIDAY)),
            n_workdays=Count("days", filter=Q(days__kind=DayKind.WORKDAY)),
        )

    @admin.display(description=_("days off"), ordering="n_holidays")
    def holidays(self, obj: HolidayArrangement) -> int:
        return obj.n_holidays  # type: ignore[attr-defined]

    @admin.display(description=_("make-up working days"), ordering="n_workdays")
    def workdays(self, obj: HolidayArrangement) -> int:
        return obj.n_workdays  # type: ignore[attr-defined]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        before = _days_of(form.instance)
        super().save_related(request, form, formsets, change)
        after = _days_of(form.instance)
        changed = sorted(day for day in before.keys() | after.keys() if before.get(day) != after.get(day))
        if not changed:
            return
        audit_log(actor=request.user, action="core.holiday_arrangement.days_changed", obj=form.instance, data={
            "via": "admin", "year": form.instance.year,
            "before": {d.isoformat(): list(before[d]) for d in changed if d in before},
            "after": {d.isoformat(): list(after[d]) for d in changed if d in after},
        })
        _recompute(request, changed, reason=f"holiday arrangement {form.instance.year}")

    def delete_model(self, request: HttpRequest, obj: HolidayArrangement) -> None:
        dates = list(obj.days.values_list("date", flat=True))
        super().delete_model(request, obj)
        _recompute(request, dates, reason=f"holiday arrangement {obj.year} deleted")

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        with transaction.atomic():
            dates = list(ArrangementDay.objects.filter(arrangement__in=queryset).values_list("date", flat=True))
            super().delete_queryset(request, queryset)
            _recompute(request, dates, reason="holiday arrangements deleted")


def _days_of(arrangement: HolidayArrangement) -> dict[date, tuple[str, str]]:
    if arrangement.pk is None:
        return {}
    return {day: (kind, name) for day, kind, name in arrangement.days.values_list("date", "kind", "name")}


def _recompute(request: HttpRequest, dates: Any, *, reason: str) -> None:
    """Recompute the clocks the changed `dates` move and tell the administrator how many cases changed."""
    count = calendar_dates_changed(dates=list(dates), actor=request.user, reason=reason)
    if count:
        messages.info(request, ngettext(
            "The deadline of %(n)d open case was recomputed.",
            "The deadlines of %(n)d open cases were recomputed.", count) % {"n": count})


def _weekday(day: date) -> str:
    return date_format(day, "l")


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit trail is evidence: it can be read and searched, never written by hand."""

    list_display = ["at", "actor_kind", "actor_label", "action", "object_type", "object_id"]
    list_filter = ["actor_kind", "action", "object_type"]
    search_fields = ["=object_id", "action", "actor_label"]
    date_hierarchy = "at"
    list_select_related = ["actor_user"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
