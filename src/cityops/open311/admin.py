from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cityops.core.errors import InvalidInput
from cityops.open311.models import Open311Service
from cityops.open311.services import attributes_check, open311_services_expose


class Open311ServiceForm(forms.ModelForm):
    class Meta:
        model = Open311Service
        fields = ["catalog_class", "service_code", "name", "name_en", "description", "description_en", "group",
                  "group_en", "keywords", "type", "attributes", "exposed", "order"]

    def clean_attributes(self) -> Any:
        value = self.cleaned_data["attributes"]
        try:
            attributes_check(value)
        except InvalidInput as exc:
            raise forms.ValidationError(exc.message) from None
        return value


@admin.register(Open311Service)
class Open311ServiceAdmin(admin.ModelAdmin):
    form = Open311ServiceForm
    list_display = ("service_code", "name", "name_en", "group", "type", "exposed", "order")
    list_filter = ("exposed", "type")
    list_editable = ("exposed",)
    search_fields = ("service_code", "name", "name_en", "keywords")
    autocomplete_fields = ("catalog_class",)
    actions = ["expose_common"]

    @admin.action(description=_("Expose common classes"))
    def expose_common(self, request: HttpRequest, queryset: Any) -> None:
        made = open311_services_expose(actor=request.user)
        self.message_user(request, _("%(n)d services exposed.") % {"n": len(made)}, messages.SUCCESS)
