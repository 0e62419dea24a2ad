"""Django admin for the component census; saves are checked like the services and audited."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from cityops.assets.images import validate_photo
from cityops.assets.models import Component, ComponentPhoto
from cityops.assets.validation import ComponentCleaner
from cityops.catalog.admin import AuditedModelAdmin
from cityops.catalog.models import ClassKind
from cityops.core.errors import InvalidInput


class ComponentPhotoForm(forms.ModelForm):
    class Meta:
        model = ComponentPhoto
        fields = ["image", "caption", "taken_at"]

    def clean_image(self) -> Any:
        image = self.cleaned_data["image"]
        if image and not getattr(image, "_committed", True):  # a new upload, not the stored file
            try:
                validate_photo(image)
            except InvalidInput as exc:
                raise ValidationError(exc.message) from exc
        return image


class ComponentPhotoInline(admin.TabularInline):
    model = ComponentPhoto
    form = ComponentPhotoForm
    extra = 0


class ComponentForm(forms.ModelForm):
    class Meta:
        model = Component
        fields = [
            "ident", "catalog_class", "name", "lon", "lat", "address", "status", "survey_date", "change_date",
            "supervising_dept_code", "supervising_dept_name", "owner_code", "owner_name", "maintainer_code",
            "maintainer_name", "owner_department", "data_source", "remarks", "attributes",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "catalog_class" in self.fields:
            self.fields["catalog_class"].queryset = self.fields["catalog_class"].queryset.filter(
                kind=ClassKind.COMPONENT)

    def clean(self) -> dict[str, Any]:
        """Locate the point and check the ident against class and district, as the services do."""
        data = super().clean()
        if self.errors:
            return data
        record = {"ident": data.get("ident"), "class": f"component:{data['catalog_class'].code}",
                  "lon": data.get("lon"), "lat": data.get("lat")}
        try:
            values = ComponentCleaner().clean(record)
        except InvalidInput as exc:
            field = {"class": "catalog_class"}.get(exc.field or "", exc.field)
            raise ValidationError({field if field in self.fields else "__all__": exc.message}) from exc
        if values["ident"] is None:
            raise ValidationError({"ident": "The identifier is required here."})
        self.instance.grid_id, self.instance.region_path = values["grid_id"], values["region_path"]
        return data


class ClassMajorFilter(admin.SimpleListFilter):
    title = "major class"
    parameter_name = "major"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        majors = Component.objects.values_list("catalog_class__major_code", "catalog_class__major_name").distinct()
        return sorted(set(majors))

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        return queryset.filter(catalog_class__major_code=self.value()) if self.value() else queryset


@admin.register(Component)
class ComponentAdmin(AuditedModelAdmin):
    form = ComponentForm
    list_display = ["ident", "catalog_class", "name", "status", "address", "grid", "survey_date", "change_date"]
    list_filter = [ClassMajorFilter, "status"]
    search_fields = ["ident", "name", "address"]
    readonly_fields = ["grid", "region_path", "updated_at"]
    raw_id_fields = ["owner_department"]
    inlines = [ComponentPhotoInline]
    list_select_related = ["catalog_class", "grid"]
