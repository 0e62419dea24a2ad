"""Core records shared by every domain: the audit trail, the calendar overrides and the yearly holiday arrangements."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityops.core.office_hours import parse_office_hours


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
        if not self.office_hours.strip():
            return
        if self.kind == DayKind.HOLIDAY:
            raise ValidationError({"office_hours": _("A day off has no office hours; leave this empty.")})
        try:
            parse_office_hours(self.office_hours)
        except ValueError as exc:
            raise ValidationError({"office_hours": str(exc)}) from exc


# The years an arrangement may be entered for: the lunar tables of the statutory fallback end with 2099.
MIN_ARRANGEMENT_YEAR, MAX_ARRANGEMENT_YEAR = 2000, 2099


class HolidayArrangement(models.Model):
    """The State Council's yearly holiday arrangement (国务院办公厅关于某年部分节假日安排的通知) for one year.

    A model of its own rather than CalendarOverride rows with a marker: the arrangement is one published document
    entered or imported as a whole each year (re-imported in place, its absence noticed before the year starts),
    and it sits below the overrides: a local override of a date still wins over the national arrangement of the
    same date, which a single row per date could not express. Its days are `ArrangementDay` rows; a date the
    arrangement does not list follows the `chinesecalendar` package, or else the statutory fallback
    (`core.holidays`), so a partly entered arrangement never turns a statutory holiday into a working day.
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    reference = models.CharField(
        _("document"), max_length=120, blank=True,
        help_text=_("The notice it comes from, e.g. 国办发明电〔2026〕7号."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("holiday arrangement")
        verbose_name_plural = _("holiday arrangements")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)

    def date_window(self) -> tuple[date, date]:
        """The dates an arrangement may list: its year, and December before it (元旦 may start on 30 December)."""
        return date(self.year - 1, 12, 1), date(self.year, 12, 31)

    def clean(self) -> None:
        """Refuse a year outside the range the calendar can work with."""
        if self.year is not None and not MIN_ARRANGEMENT_YEAR <= self.year <= MAX_ARRANGEMENT_YEAR:
            raise ValidationError({"year": _("Enter a year between %(min)d and %(max)d.")
                                   % {"min": MIN_ARRANGEMENT_YEAR, "max": MAX_ARRANGEMENT_YEAR}})


class ArrangementDay(models.Model):
    """One day of a yearly arrangement: a day off (放假) or a make-up working day (调休上班)."""

    arrangement = models.ForeignKey(
        HolidayArrangement, verbose_name=_("holiday arrangement"), on_delete=models.CASCADE, related_name="days"
    )
    # Unique across arrangements: a date has one national answer, so the lookup needs no precedence between years.
    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=DayKind.choices)
    name = models.CharField(_("festival"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("arrangement day")
        verbose_name_plural = _("arrangement days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"

    def clean(self) -> None:
        """Refuse a date outside its arrangement's year (December before it allowed)."""
        arrangement = getattr(self, "arrangement", None)
        if self.date is None or arrangement is None or arrangement.year is None:
            return
        first, last = arrangement.date_window()
        if not first <= self.date <= last:
            raise ValidationError({"date": _("The %(year)d arrangement can list dates from %(first)s to %(last)s.")
                                   % {"year": arrangement.year, "first": first, "last": last}})


class RateCounter(models.Model):
    """Requests (or failures) counted per key and fixed window, shared by every web process (`core.ratelimit`)."""

    key = models.CharField(max_length=200)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("rate counter")
        verbose_name_plural = _("rate counters")
        # Moved here from intake with its table, rows and constraint name (core 0004).
        db_table = "intake_ratecounter"
        constraints = [models.UniqueConstraint(fields=["key", "window_start"], name="intake_rate_window")]

    def __str__(self) -> str:
        return f"{self.key} {self.window_start:%H:%M} {self.count}"
