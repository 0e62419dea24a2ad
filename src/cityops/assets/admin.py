"""Django admin for the component census; saves are checked like the services and audited."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models.fields.files import FieldFile
from django.http import HttpRequest

from cityops.assets.images import validate_photo
from cityops.assets.models import Component, ComponentPhoto
from cityops.assets.selectors import component_photo_url
from cityops.assets.validation import ComponentCleaner
from cityops.catalog.admin import AuditedModelAdmin
from cityops.catalog.models import ClassKind
from cityops.core.errors import InvalidInput
from cityops.core.uploads import EXTENSIONS, prepared_photo


class _Linked:
    """A stored photo as the file input shows it: its name, linked to the download view (MEDIA_URL serves nothing)."""

    def __init__(self, name: str, url: str) -> None:
        self.name, self.url = name, url

    def __str__(self) -> str:
        return self.name


class StoredPhotoInput(forms.ClearableFileInput):
    def format_value(self, value: Any) -> Any:
        shown = super().format_value(value)
        instance = getattr(value, "instance", None)
        if shown is None or getattr(instance, "pk", None) is None:
            return shown
        return _Linked(value.name, component_photo_url(instance))


class ComponentPhotoForm(forms.ModelForm):
    class Meta:
        model = ComponentPhoto
        fields = ["image", "caption", "taken_at"]
        widgets = {"image": StoredPhotoInput}

    def clean_image(self) -> Any:
        image = self.cleaned_data["image"]
        # A new upload, not the stored file (a FieldFile). An upload has no `_committed`: the check that
        # looked for it being False never ran, and the admin stored anything forms.ImageField let through.
        if image and not isinstance(image, FieldFile):
            try:
                image_format = validate_photo(image)
            except InvalidInput as exc:
                raise ValidationError(exc.message) from exc
            # Stored as the API stores it: upright, downscaled, without metadata, named by its real format.
            stored = prepared_photo(image, image_format, thumbnail_side=None).image
            stored.name = f"photo-{uuid.uuid4().hex[:12]}.{EXTENSIONS[image_format]}"
            return stored
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
        super().clean()
        data = self.cleaned_data  # what the model form's clean returns
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
