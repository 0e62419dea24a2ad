"""Tracking (定位): the positions of tracked things, so far inspectors on patrol (the fleet's vehicles later)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PositionPing(models.Model):
    """An on-duty inspector's position (巡查轨迹), sent by the inspector app."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="position_pings")
    at = models.DateTimeField(_("time"), db_index=True)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    accuracy_m = models.FloatField(_("accuracy (m)"), null=True, blank=True)
    grid = models.ForeignKey(
        "geo.Region", verbose_name=_("unit grid"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        # The table (and its index name) kept the name it had while the pings were part of intake: the model
        # moved between apps without copying a row (migrations tracking 0001 / intake 0005).
        db_table = "intake_positionping"
        verbose_name = _("position ping")
        verbose_name_plural = _("position pings")
        ordering = ["-at"]
        indexes = [models.Index(fields=["user", "at"], name="intake_ping_user_time")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.at:%Y-%m-%d %H:%M}"
