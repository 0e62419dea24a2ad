"""Django admin for the catalogue; every save and delete writes an audit event."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cityops.catalog import services
from cityops.catalog.importing import pinyin_initials
from cityops.catalog.models import CatalogClass, ResponsibilityRule, TimeLimit, Urgency
from cityops.core.admin_audit import AuditedAdminMixin, snapshot
from cityops.core.audit import audit_log
from cityops.core.errors import DomainError


class AuditedModelAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Audited saves and deletes (core mixin) plus audited inline rows (e.g. a class's time limits)."""

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            audit_log(actor=request.user, action=f"{obj._meta.label_lower}.created", obj=obj,
                      data={"via": "admin", "after": snapshot(obj)})
        for obj, fields in formset.changed_objects:
            audit_log(actor=request.user, action=f"{obj._meta.label_lower}.updated", obj=obj,
                      data={"via": "admin", "fields": list(fields), "after": snapshot(obj)})
        for obj in formset.deleted_objects:
            audit_log(actor=request.user, action=f"{obj._meta.label_lower}.deleted",
                      object_type=obj._meta.label_lower, object_id=str(obj.pk or ""),
                      data={"via": "admin", "repr": str(obj)})


class RetiredFilter(admin.SimpleListFilter):
    title = _("retired")
    parameter_name = "retired"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Retired")), ("no", _("In use"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(retired_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(retired_at__isnull=True)
        return queryset


class TimeLimitInline(admin.TabularInline):
    model = TimeLimit
    extra = 0
    fields = ["urgency", "stage", "minutes", "basis"]


@admin.register(CatalogClass)
class CatalogClassAdmin(AuditedModelAdmin):
    list_display = ["code", "kind", "name", "name_en", "local_name", "major_name", "is_local", "retired_at",
                    "auto_dispatch"]
    list_filter = ["kind", "major_code", "is_local", RetiredFilter, "auto_dispatch"]
    search_fields = ["code", "name", "name_en", "local_name", "pinyin_initials", "major_name"]
    readonly_fields = ["pinyin_initials", "retired_at", "is_local"]
    inlines = [TimeLimitInline]
    actions = ["retire_selected", "restore_selected"]

    def save_model(self, request: HttpRequest, obj: CatalogClass, form: Any, change: bool) -> None:
        obj.pinyin_initials = pinyin_initials(obj.name, obj.local_name)  # keep search in step with the names
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Retire the selected classes (hidden from new reports)"))
    def retire_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._run(request, queryset, services.catalog_class_retire)

    @admin.action(description=_("Restore the selected classes"))
    def restore_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._run(request, queryset, services.catalog_class_restore)

    def _run(self, request: HttpRequest, queryset: QuerySet, service: Any) -> None:
        try:
            for catalog_class in queryset:
                service(catalog_class=catalog_class, actor=request.user)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        self.message_user(request, _("%(n)d classes updated.") % {"n": queryset.count()}, messages.SUCCESS)


@admin.register(Urgency)
class UrgencyAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "name_en", "rank", "is_default"]


@admin.register(TimeLimit)
class TimeLimitAdmin(AuditedModelAdmin):
    list_display = ["catalog_class", "urgency", "stage", "minutes", "basis"]
    list_filter = ["urgency", "stage", "basis", ("catalog_class", admin.EmptyFieldListFilter)]
    search_fields = ["catalog_class__code", "catalog_class__name"]
    autocomplete_fields = ["catalog_class"]


@admin.register(ResponsibilityRule)
class ResponsibilityRuleAdmin(AuditedModelAdmin):
    list_display = ["catalog_class", "region", "department", "note"]
    search_fields = ["catalog_class__code", "catalog_class__name", "region__name", "region__code", "department__name"]
    autocomplete_fields = ["catalog_class"]
    raw_id_fields = ["region", "department"]
