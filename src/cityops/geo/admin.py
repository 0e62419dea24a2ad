"""Django admin for regions: browse, rename, assign grid inspectors. Polygons come only by import."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cityops.core.permissions import Role, is_platform_admin
from cityops.geo import services
from cityops.geo.models import Level, Region, RegionSetVersion

if TYPE_CHECKING:
    # The stubs' name for what get_fields returns (a list or tuple of names or of rows of names).
    from django.contrib.admin.options import _FieldGroups


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    """Regions are created and reshaped by `cityops import-regions`; here they are read, renamed and staffed."""

    list_display = ["code", "name", "level", "parent", "area_km2", "inspector_count"]
    list_filter = ["level"]
    search_fields = ["^code", "name", "name_en"]
    list_select_related = ["parent"]
    ordering = ["path"]
    show_full_result_count = False  # a count over 50,000 grids on every page is wasted work
    filter_horizontal = ["inspectors"]
    fields = ["level", "code", "name", "name_en", "parent", "path", "geometry_summary", "inspectors", "properties",
              "updated_at"]
    readonly_fields = ["level", "code", "parent", "path", "geometry_summary", "updated_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Region]:
        # The polygon blob is never needed on these pages.
        regions: QuerySet[Region] = super().get_queryset(request).defer("geom_wkb").annotate(
            n_inspectors=Count("inspectors")
        )
        return regions

    def get_fields(self, request: HttpRequest, obj: Region | None = None) -> _FieldGroups:
        fields = list(super().get_fields(request, obj))
        return fields if obj is not None and obj.level == Level.GRID else [f for f in fields if f != "inspectors"]

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "inspectors":
            # The user model by Django's own indirection: geo lies under org and does not import it.
            inspectors = get_user_model().objects.filter(is_active=True, role_assignments__role=Role.INSPECTOR)
            kwargs["queryset"] = inspectors.distinct()
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description=_("area (km²)"), ordering="area_m2")
    def area_km2(self, obj: Region) -> str:
        return f"{obj.area_m2 / 1e6:,.3f}"

    @admin.display(description=_("inspectors"), ordering="n_inspectors")
    def inspector_count(self, obj: Region) -> int:
        count: int = obj.n_inspectors  # type: ignore[attr-defined]  # annotated by get_queryset
        return count

    @admin.display(description=_("geometry"))
    def geometry_summary(self, obj: Region) -> str:
        return (f"{obj.area_m2 / 1e6:,.4f} km² · bbox {obj.min_lon:.6f}, {obj.min_lat:.6f} – "
                f"{obj.max_lon:.6f}, {obj.max_lat:.6f} · centre {obj.centroid_lon:.6f}, {obj.centroid_lat:.6f}")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a region without a polygon is useless: import it

    def has_delete_permission(self, request: HttpRequest, obj: Region | None = None) -> bool:
        return False  # cases, assets and scopes point at regions; retire them by re-import instead

    def has_change_permission(self, request: HttpRequest, obj: Region | None = None) -> bool:
        return super().has_change_permission(request, obj) and is_platform_admin(request.user)

    def save_model(self, request: HttpRequest, obj: Region, form: Any, change: bool) -> None:
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in ("name", "name_en",
                                                                                         "properties")}
        if changes:
            # The form already copied the values onto `obj`; the service compares against the stored row.
            services.region_update(region=Region.objects.get(pk=obj.pk), actor=request.user, **changes)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        if "inspectors" in form.changed_data:
            services.grid_assign_inspectors(grid=form.instance, inspectors=form.cleaned_data["inspectors"],
                                            actor=request.user)


@admin.register(RegionSetVersion)
class RegionSetVersionAdmin(admin.ModelAdmin):
    """The counter every process watches to rebuild its locate index; changed only by region writes."""

    list_display = ["version", "changed_at"]
    readonly_fields = ["version", "changed_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
