"""Django admin of the evaluation scheme (audited edits) and the published snapshots (read-only)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cityops.core.admin_audit import AuditedAdminMixin
from cityops.evaluation.counters import COUNTERS
from cityops.evaluation.models import GradeBand, Indicator, Snapshot, SnapshotRow


class IndicatorForm(forms.ModelForm):
    """Counters offered from the vocabulary of every kind; `Indicator.clean` checks they fit the chosen kind."""

    class Meta:
        model = Indicator
        fields = ["kind", "position", "code", "name", "name_en", "numerator", "denominator", "method", "weight",
                  "bins", "source", "active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        codes = sorted({code for counters in COUNTERS.values() for code in counters})
        choices = [(c, c) for c in codes]
        self.fields["numerator"] = forms.ChoiceField(label=_("numerator counter"), choices=choices)
        self.fields["denominator"] = forms.ChoiceField(label=_("denominator counter"), required=False,
                                                       choices=[("", "—"), *choices])


@admin.register(Indicator)
class IndicatorAdmin(AuditedAdminMixin, admin.ModelAdmin):
    form = IndicatorForm
    list_display = ["kind", "position", "code", "name", "name_en", "numerator", "denominator", "method", "weight",
                    "active"]
    list_filter = ["kind", "method", "active"]
    list_editable = ["weight", "active"]
    search_fields = ["code", "name", "name_en"]
    ordering = ["kind", "position"]


@admin.register(GradeBand)
class GradeBandAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["grade", "lower", "upper", "colour", "colour_hex"]


class SnapshotRowInline(admin.TabularInline):
    model = SnapshotRow
    extra = 0
    can_delete = False
    fields = ["rank", "subject_code", "subject_name", "composite", "grade"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Snapshot)
class SnapshotAdmin(admin.ModelAdmin):
    """Published results are never edited: view only (publishing is the service's job)."""

    list_display = ["kind", "month", "published_at", "published_by_label"]
    list_filter = ["kind"]
    inlines = [SnapshotRowInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
