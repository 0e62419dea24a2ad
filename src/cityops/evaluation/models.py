"""Comprehensive evaluation (综合评价, GB/T 30428.4): per-case facts, the editable scheme, published snapshots.

`CaseFact` is one narrow row per case derived from the case, its stage clocks and its events
(`evaluation.facts.build_fact`), so an evaluation of any period is a handful of aggregate queries over one
table instead of a replay of millions of histories. The scheme (indicators, score bins, grade bands) is data
an administrator edits; a `Snapshot` freezes a period's results so a published ranking never changes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityops.cases.models import Case


class SubjectKind(models.TextChoices):
    """Who or what is evaluated (评价对象)."""

    INSPECTOR = "inspector", _("Inspector (监督员)")
    ACCEPTOR = "acceptor", _("Acceptor (受理员)")
    SHIFT_LEADER = "shift_leader", _("Shift leader (值班长)")
    DISPATCHER = "dispatcher", _("Dispatcher (派遣员)")
    DEPARTMENT = "department", _("Department (专业部门)")
    GRID = "grid", _("Unit grid (单元网格)")
    COMMUNITY = "community", _("Community (社区)")
    STREET = "street", _("Street (街道)")
    DISTRICT = "district", _("District (区)")


def _user_ref(related: str = "+") -> models.ForeignKey:
    # No database constraint: a fact is a derived copy and must not block deleting a user or a region.
    return models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING,
                             db_constraint=False, related_name=related)


def _ref(model: str) -> models.ForeignKey:
    return models.ForeignKey(model, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
                             related_name="+")


class CaseFact(models.Model):
    """What one case counts for in the evaluation, derived from its clocks and events (never edited by hand).

    Booleans named `*_on_time` are None when the stage has no clock (no limit configured) or has not finished.
    Counters (`dispatches`, `checks_due`, …) count rounds: a rework starts a new 处置 and a new 核查 round.
    """

    case = models.OneToOneField(Case, primary_key=True, on_delete=models.CASCADE, related_name="fact")
    # The case version and last event the fact was built from (a later event makes it stale).
    version = models.PositiveIntegerField(default=0)
    built_at = models.DateTimeField(default=timezone.now)

    reported_at = models.DateTimeField(db_index=True)
    registered_at = models.DateTimeField(null=True, blank=True, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=10)
    source = models.CharField(max_length=10)
    public_source = models.BooleanField(default=False)  # citizen, hotline or Open311 (监督举报)
    catalog_class = _ref("catalog.CatalogClass")
    grid = _ref("geo.Region")
    community = _ref("geo.Region")
    street = _ref("geo.Region")
    district = _ref("geo.Region")
    department = _ref("org.Department")

    # 受理 (acceptance) and the acceptor's hand-offs to inspectors (派发核实 / 派发核查).
    reporter = _user_ref()
    self_handled = models.BooleanField(default=False)
    acceptor = _user_ref()
    accept_on_time = models.BooleanField(null=True)
    verify_sent = models.BooleanField(default=False)
    verify_sent_on_time = models.BooleanField(null=True)
    check_sends = models.PositiveSmallIntegerField(default=0)
    check_sends_on_time = models.PositiveSmallIntegerField(default=0)

    # 核实 (verification) by an inspector.
    verifier = _user_ref()
    verify_done = models.BooleanField(default=False)
    verify_on_time = models.BooleanField(null=True)
    verify_confirmed = models.BooleanField(null=True)

    # 立案 (registration) and 结案 (closing) by a shift leader; 作废 (void).
    registrar = _user_ref()
    register_on_time = models.BooleanField(null=True)
    voided = models.BooleanField(default=False)
    voided_after_registration = models.BooleanField(default=False)
    closer = _user_ref()
    close_on_time = models.BooleanField(null=True)

    # 派遣 (dispatch) rounds; a return (回退) sends the case back for another dispatch.
    dispatcher = _user_ref()
    dispatches = models.PositiveSmallIntegerField(default=0)
    dispatches_on_time = models.PositiveSmallIntegerField(default=0)
    returns = models.PositiveSmallIntegerField(default=0)

    # 处置 (disposal) rounds by the department; rework (返工), extension (延期), suspension (挂账).
    disposal_rounds = models.PositiveSmallIntegerField(default=0)
    disposals_done = models.PositiveSmallIntegerField(default=0)
    disposals_on_time = models.PositiveSmallIntegerField(default=0)
    reworks = models.PositiveSmallIntegerField(default=0)
    extensions = models.PositiveSmallIntegerField(default=0)
    suspensions = models.PositiveSmallIntegerField(default=0)

    # 核查 (check) rounds by an inspector.
    checker = _user_ref()
    checks_due = models.PositiveSmallIntegerField(default=0)
    checks_done = models.PositiveSmallIntegerField(default=0)
    checks_on_time = models.PositiveSmallIntegerField(default=0)

    # The stage running now and its deadline: "overdue and not done" is judged at evaluation time.
    open_stage = models.CharField(max_length=10, blank=True)
    open_deadline = models.DateTimeField(null=True, blank=True)
    open_paused = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("case fact")
        verbose_name_plural = _("case facts")
        indexes = [
            models.Index(fields=["department", "registered_at"], name="evaluation_fact_dept"),
            models.Index(fields=["grid", "registered_at"], name="evaluation_fact_grid"),
        ]

    def __str__(self) -> str:
        return f"fact {self.case_id}"


class FactWatermark(models.Model):
    """The last case event folded into the facts (one row): `case_facts_refresh` continues after it."""

    last_event_id = models.BigIntegerField(default=0)
    refreshed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("fact watermark")
        verbose_name_plural = _("fact watermarks")

    def __str__(self) -> str:
        return str(self.last_event_id)
