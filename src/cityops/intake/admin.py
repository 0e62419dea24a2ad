"""Admin of the intake channels: integration sources (the secret is write-only) and their reports (read-only)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cityops.core.audit import audit_log
from cityops.intake.models import ExternalReport, IntegrationSource


class IntegrationSourceForm(forms.ModelForm):
    """The signing secret is typed in, never shown back; left blank on a change, the current one is kept."""

    secret = forms.CharField(
        label=_("signing secret"), required=False, max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Write-only: leave blank to keep the current secret."),
    )

    callback_url = forms.URLField(label=_("status callback URL"), required=False, assume_scheme="https")

    class Meta:
        model = IntegrationSource
        fields = ["code", "name", "kind", "secret", "account", "default_threshold", "class_thresholds",
                  "callback_url", "is_active"]

    def clean_secret(self) -> str:
        value = self.cleaned_data.get("secret") or ""
        if value:
            if len(value) < 16:
                raise forms.ValidationError(_("Use at least 16 characters."))
            return value
        if self.instance.pk:
            return self.instance.secret
        raise forms.ValidationError(_("A new source needs a secret."))

    def clean_class_thresholds(self) -> dict:
        value = self.cleaned_data.get("class_thresholds") or {}
        if not isinstance(value, dict) or not all(
            isinstance(v, int | float) and 0 <= v <= 1 for v in value.values()
        ):
            raise forms.ValidationError(_('A JSON object of class → threshold between 0 and 1, e.g. {"matter:06010": 0.9}.'))
        return value


@admin.register(IntegrationSource)
class IntegrationSourceAdmin(admin.ModelAdmin):
    form = IntegrationSourceForm
    list_display = ["code", "name", "kind", "account", "default_threshold", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]
    raw_id_fields = ["account"]

    def save_model(self, request: HttpRequest, obj: IntegrationSource, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # The audit trail names the fields changed, never the secret's value.
        audit_log(actor=request.user, action="intake.source.changed" if change else "intake.source.created",
                  obj=obj, data={"fields": sorted(form.changed_data)})


@admin.register(ExternalReport)
class ExternalReportAdmin(admin.ModelAdmin):
    list_display = ["external_id", "source", "received_at", "confidence", "outcome", "case"]
    list_filter = ["source", "outcome"]
    search_fields = ["external_id", "case__number"]
    date_hierarchy = "received_at"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
