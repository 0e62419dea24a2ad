"""The GB/T 47678.5 catalogue of component and matter classes, time limits and responsibility rules."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ClassKind(models.TextChoices):
    COMPONENT = "component", _("Component (部件)")
    MATTER = "matter", _("Matter (事项)")


class MatterKind(models.TextChoices):
    NONE = "", _("—")
    COMPONENT_ABNORMALITY = "component_abnormality", _("Component abnormality (部件异常类)")
    EVENT = "event", _("Event (事件类)")


class CatalogClass(models.Model):
    """A component or matter class, identified by (kind, code); `code` is MMmmm (2 major + 3 minor)."""

    kind = models.CharField(_("kind"), max_length=10, choices=ClassKind.choices)
    code = models.CharField(_("code"), max_length=5)
    matter_kind = models.CharField(
        _("matter kind"), max_length=24, choices=MatterKind.choices, blank=True, default=MatterKind.NONE
    )
    major_code = models.CharField(_("major code"), max_length=2)
    major_name = models.CharField(_("major class"), max_length=60)
    major_name_en = models.CharField(_("major class (English)"), max_length=120, blank=True)
    name = models.CharField(_("standard name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=160, blank=True)
    local_name = models.CharField(
        _("local name"), max_length=60, blank=True, help_text=_("Shown instead of the standard name when set.")
    )
    pinyin_initials = models.CharField(_("pinyin initials"), max_length=60, blank=True, db_index=True)
    is_local = models.BooleanField(_("local extension"), default=False)
    retired_at = models.DateTimeField(
        _("retired at"), null=True, blank=True, help_text=_("Retired classes stay for history, hidden from new reports.")
    )
    source = models.CharField(_("source"), max_length=400, blank=True)
    default_department_hint = models.CharField(_("typical responsible department"), max_length=100, blank=True)
    register_conditions = models.TextField(_("registration (立案) conditions"), blank=True)
    close_conditions = models.TextField(_("closing (结案) conditions"), blank=True)
    # Duplicate detection: open reports of this class within the radius and window are shown as likely duplicates.
    duplicate_radius_m = models.PositiveIntegerField(
        _("duplicate radius (m)"), default=50, help_text=_("Open cases of this class this close count as duplicates.")
    )
    duplicate_window_hours = models.PositiveIntegerField(
        _("duplicate window (hours)"), default=24, help_text=_("How far back a duplicate may have been reported.")
    )
    auto_dispatch = models.BooleanField(
        _("dispatch automatically"), default=False,
        help_text=_("Registered cases of this class go to the proposed department without a dispatcher."),
    )

    class Meta:
        verbose_name = _("catalogue class")
        verbose_name_plural = _("catalogue classes")
        ordering = ["kind", "code"]
        constraints = [models.UniqueConstraint(fields=["kind", "code"], name="catalog_class_kind_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.display_name}"

    @property
    def display_name(self) -> str:
        return self.local_name or self.name

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None


class Urgency(models.Model):
    """An urgency level (紧急 / 较急 / 一般); lower rank = more urgent."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=20)
    name_en = models.CharField(_("English name"), max_length=40, blank=True)
    rank = models.PositiveSmallIntegerField(_("rank"), default=0)
    is_default = models.BooleanField(_("default for new reports"), default=False)

    class Meta:
        verbose_name = _("urgency level")
        verbose_name_plural = _("urgency levels")
        ordering = ["rank"]

    def __str__(self) -> str:
        return self.name


class Stage(models.TextChoices):
    ACCEPT = "accept", _("Accept (受理)")
    VERIFY = "verify", _("Verify (核实)")
    REGISTER = "register", _("Register (立案)")
    DISPATCH = "dispatch", _("Dispatch (派遣)")
    HANDLE = "handle", _("Handle (处置)")
    CHECK = "check", _("Check (核查)")
    CLOSE = "close", _("Close (结案)")


class TimeBasis(models.TextChoices):
    WORKING = "working", _("Working minutes")
    NATURAL = "natural", _("Natural minutes")


class TimeLimit(models.Model):
    """The time limit of one stage for (class, urgency); a row without class is the default for all classes."""

    catalog_class = models.ForeignKey(
        CatalogClass,
        verbose_name=_("class"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="time_limits",
    )
    urgency = models.ForeignKey(Urgency, verbose_name=_("urgency"), on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices)
    minutes = models.PositiveIntegerField(_("minutes"))
    basis = models.CharField(_("counted in"), max_length=10, choices=TimeBasis.choices, default=TimeBasis.WORKING)

    class Meta:
        verbose_name = _("time limit")
        verbose_name_plural = _("time limits")
        ordering = ["catalog_class__code", "urgency__rank", "stage"]
        constraints = [
            models.UniqueConstraint(
                fields=["catalog_class", "urgency", "stage"], name="catalog_time_limit_unique"
            ),
            models.UniqueConstraint(
                fields=["urgency", "stage"],
                condition=models.Q(catalog_class__isnull=True),
                name="catalog_time_limit_default_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.catalog_class or '*'} {self.urgency} {self.get_stage_display()} {self.minutes}"


class ResponsibilityRule(models.Model):
    """(class, region subtree) → responsible department; the most specific matching rule wins."""

    catalog_class = models.ForeignKey(
        CatalogClass,
        verbose_name=_("class"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="responsibility_rules",
        help_text=_("Empty = any class."),
    )
    region = models.ForeignKey(
        "geo.Region", verbose_name=_("region subtree"), on_delete=models.CASCADE, related_name="responsibility_rules"
    )
    department = models.ForeignKey(
        "org.Department", verbose_name=_("responsible department"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("responsibility rule")
        verbose_name_plural = _("responsibility rules")
        constraints = [
            models.UniqueConstraint(fields=["catalog_class", "region"], name="catalog_rule_unique"),
            models.UniqueConstraint(
                fields=["region"], condition=models.Q(catalog_class__isnull=True), name="catalog_rule_any_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.catalog_class or '*'} @ {self.region} → {self.department}"
