"""Which catalogue classes Open311 clients see, under which public names (GeoReport v2 services)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ServiceType(models.TextChoices):
    REALTIME = "realtime", _("Realtime")
    BATCH = "batch", _("Batch")
    BLACKBOX = "blackbox", _("Black box")


class Open311Service(models.Model):
    """One GeoReport service: a catalogue class exposed under a public code and names (zh and en)."""

    catalog_class = models.OneToOneField(
        "catalog.CatalogClass", verbose_name=_("class"), on_delete=models.CASCADE, related_name="open311_service"
    )
    service_code = models.CharField(_("service code"), max_length=32, unique=True)
    name = models.CharField(_("public name"), max_length=100)
    name_en = models.CharField(_("public name (English)"), max_length=160, blank=True)
    description = models.TextField(_("public description"), blank=True)
    description_en = models.TextField(_("public description (English)"), blank=True)
    group = models.CharField(_("group"), max_length=100, blank=True)
    group_en = models.CharField(_("group (English)"), max_length=160, blank=True)
    keywords = models.CharField(_("keywords"), max_length=300, blank=True, help_text=_("Comma separated."))
    type = models.CharField(_("type"), max_length=10, choices=ServiceType.choices, default=ServiceType.REALTIME)
    # GeoReport service attributes (the service definition); `metadata` is true exactly when there are some.
    attributes = models.JSONField(_("attributes"), default=list, blank=True)
    exposed = models.BooleanField(_("exposed"), default=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("Open311 service")
        verbose_name_plural = _("Open311 services")
        ordering = ["order", "service_code"]

    def __str__(self) -> str:
        return f"{self.service_code} {self.name}"

    @property
    def metadata(self) -> bool:
        return bool(self.attributes)
