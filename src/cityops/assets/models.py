"""Component census (部件普查): every manhole cover, lamp, bin… with its GB/T 47678.5 identifier."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ComponentStatus(models.TextChoices):
    INTACT = "intact", _("Intact (完好)")
    DAMAGED = "damaged", _("Damaged (破损)")
    LOST = "lost", _("Lost (丢失)")
    ABANDONED = "abandoned", _("Abandoned (废弃)")
    REMOVED = "removed", _("Removed (移除)")


class Component(models.Model):
    """A component instance; `ident` = 6 admin code + 5 class code + 6 sequence (17 digits)."""

    ident = models.CharField(_("identifier"), max_length=17, unique=True)
    catalog_class = models.ForeignKey(
        "catalog.CatalogClass", verbose_name=_("class"), on_delete=models.PROTECT, related_name="components"
    )
    name = models.CharField(_("name"), max_length=30, blank=True)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    # Optional line or area shape (WKB, WGS84) for components that are not points (e.g. a fence).
    shape_wkb = models.BinaryField(_("shape (WKB)"), null=True, blank=True)
    grid = models.ForeignKey(
        "geo.Region", verbose_name=_("unit grid"), null=True, on_delete=models.PROTECT, related_name="components"
    )
    # Copy of the grid's path so scope filters need no join.
    region_path = models.CharField(_("region path"), max_length=100, db_index=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    supervising_dept_code = models.CharField(_("supervising dept code"), max_length=18, blank=True)
    supervising_dept_name = models.CharField(_("supervising dept name"), max_length=100, blank=True)
    owner_code = models.CharField(_("owner unit code"), max_length=18, blank=True)
    owner_name = models.CharField(_("owner unit name"), max_length=100, blank=True)
    maintainer_code = models.CharField(_("maintenance unit code"), max_length=18, blank=True)
    maintainer_name = models.CharField(_("maintenance unit name"), max_length=100, blank=True)
    owner_department = models.ForeignKey(
        "org.Department",
        verbose_name=_("owner department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_components",
        help_text=_("The department cases on this component go to, when set."),
    )
    status = models.CharField(_("status"), max_length=10, choices=ComponentStatus.choices, default=ComponentStatus.INTACT)
    survey_date = models.DateField(_("initial survey date"))
    change_date = models.DateField(_("change date"), null=True, blank=True)
    data_source = models.CharField(_("data source"), max_length=30, blank=True)
    remarks = models.TextField(_("remarks"), max_length=1000, blank=True)
    attributes = models.JSONField(_("other attributes"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("component")
        verbose_name_plural = _("components")
        ordering = ["ident"]
        indexes = [
            models.Index(fields=["lon", "lat"], name="assets_component_lonlat"),
            models.Index(fields=["catalog_class", "lon"], name="assets_component_class_lon"),
        ]

    def __str__(self) -> str:
        return self.ident


class ComponentPhoto(models.Model):
    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("image"), upload_to="components/%Y/%m/")
    caption = models.CharField(_("caption"), max_length=100, blank=True)
    taken_at = models.DateTimeField(_("taken at"), default=timezone.now)

    class Meta:
        verbose_name = _("component photo")
        verbose_name_plural = _("component photos")

    def __str__(self) -> str:
        return self.image.name or ""
