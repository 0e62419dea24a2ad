"""Regions from the city down to the unit grid (单元网格), with their polygons."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    CITY = "city", _("City (市)")
    DISTRICT = "district", _("District (区)")
    STREET = "street", _("Street (街道)")
    COMMUNITY = "community", _("Community (社区)")
    GRID = "grid", _("Unit grid (单元网格)")


LEVEL_ORDER: list[str] = [Level.CITY, Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID]
# Code length per level: GB/T 2260 6-digit codes for city and district, 9-digit street, 12-digit
# community, 15-character grid (district 6 + street 3 + community 3 + sequence 3).
CODE_LENGTH: dict[str, int] = {Level.CITY: 6, Level.DISTRICT: 6, Level.STREET: 9, Level.COMMUNITY: 12, Level.GRID: 15}


class Region(models.Model):
    """One polygon of the region hierarchy: city → district → street → community → unit grid."""

    level = models.CharField(_("level"), max_length=10, choices=Level.choices, db_index=True)
    code = models.CharField(_("code"), max_length=15, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Materialised path of codes ("/510100/510104/510104001/"): a subtree is one indexed prefix match.
    path = models.CharField(_("path"), max_length=100, db_index=True, editable=False)
    # Polygon or multipolygon in WGS84 lon/lat, as WKB (no GIS extension needed on either database).
    geom_wkb = models.BinaryField(_("geometry (WKB)"))
    min_lon = models.FloatField(_("min longitude"))
    min_lat = models.FloatField(_("min latitude"))
    max_lon = models.FloatField(_("max longitude"))
    max_lat = models.FloatField(_("max latitude"))
    centroid_lon = models.FloatField(_("centroid longitude"))
    centroid_lat = models.FloatField(_("centroid latitude"))
    area_m2 = models.FloatField(_("area (m²)"))
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible inspectors"),
        blank=True,
        related_name="inspected_grids",
    )
    properties = models.JSONField(_("other properties"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["path"]
        indexes = [models.Index(fields=["level", "min_lon", "min_lat"], name="geo_region_level_bbox")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.path = f"{self.parent.path if self.parent is not None else '/'}{self.code}/"
        super().save(*args, **kwargs)


class RegionSetVersion(models.Model):
    """A single counter bumped whenever regions change, so every process can rebuild its locate index."""

    version = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("region set version")
        verbose_name_plural = _("region set version")

    def __str__(self) -> str:
        return f"v{self.version} ({self.changed_at:%Y-%m-%d %H:%M:%S})"
