"""Core records shared by every domain: the audit trail and the working-time calendar overrides."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ActorKind(models.TextChoices):
    USER = "user", _("User")
    TOKEN = "token", _("API token")
    DEVICE = "device", _("Device")
    SYSTEM = "system", _("System")


class AuditEvent(models.Model):
    """One change to the platform's state: who did what to which object, when (审计日志)."""

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor_kind = models.CharField(_("actor kind"), max_length=10, choices=ActorKind.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("actor label"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=80, db_index=True)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.object_type}:{self.object_id}"


class DayKind(models.TextChoices):
    WORKDAY = "workday", _("Working day")
    HOLIDAY = "holiday", _("Day off")


class CalendarOverride(models.Model):
    """An admin's correction of the statutory calendar for one date (e.g. a local holiday)."""

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=DayKind.choices)
    office_hours = models.CharField(
        _("office hours"),
        max_length=100,
        blank=True,
        help_text=_('Optional periods for this day, e.g. "09:00-12:00,14:00-17:00"; empty = the usual hours.'),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"

    def clean(self) -> None:
        """Refuse malformed office hours, and office hours on a day off."""
        from django.core.exceptions import ValidationError

        from cityops.core.worktime import parse_office_hours

        if not self.office_hours.strip():
            return
        if self.kind == DayKind.HOLIDAY:
            raise ValidationError({"office_hours": _("A day off has no office hours; leave this empty.")})
        try:
            parse_office_hours(self.office_hours)
        except ValueError as exc:
            raise ValidationError({"office_hours": str(exc)}) from exc
