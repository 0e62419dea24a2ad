"""Comprehensive evaluation (综合评价, GB/T 30428.4): per-case facts, the editable scheme, published snapshots.

`CaseFact` is one narrow row per case derived from the case, its stage clocks and its events
(`evaluation.facts.build_fact`), so an evaluation of any period is a handful of aggregate queries over one
table instead of a replay of millions of histories. The scheme (indicators, score bins, grade bands) is data
an administrator edits; a `Snapshot` freezes a period's results so a published ranking never changes.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityops.cases.models import Case
from cityops.evaluation.kinds import ScoringMethod, SubjectKind
from cityops.evaluation.validation import indicator_errors

# A closed or voided case never changes again: its fact's counters do not depend on the evaluation moment, so
# the facts of these states are summed once per month into `FactRollup` (evaluation.rollups).
SETTLED_STATES = ("closed", "voided")


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
    # The acceptor who made the last 派发核查 hand-off (the acceptor's on-time check hand-off rate).
    check_sender = _user_ref()

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
            # Rollups (evaluation.rollups): settled facts rebuilt since a month was rolled up make it stale, and
            # the open facts of a rolled-up month are always counted live — both small, partial indexes.
            models.Index(fields=["built_at"], name="evaluation_fact_settled_built",
                         condition=Q(state__in=SETTLED_STATES)),
            models.Index(fields=["reported_at"], name="evaluation_fact_open_rep",
                         condition=~Q(state__in=SETTLED_STATES)),
            models.Index(fields=["registered_at"], name="evaluation_fact_open_reg",
                         condition=~Q(state__in=SETTLED_STATES)),
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


class FactRollupMonth(models.Model):
    """One rolled-up (period attribute, month): the layout it was built with and the moment its facts were read.

    The month is fresh while no settled fact of it was built after `as_of` and `layout` is the current
    `evaluation.rollups.LAYOUT_HASH`; otherwise the evaluation counts it live and the next refresh rebuilds it.
    A quarter or year (`span` 3 or 12, summed from its months' rows) is fresh while every one of its months is
    fresh and none was rebuilt after it (`as_of` not before theirs).
    """

    period = models.CharField(max_length=13)  # "reported_at" or "registered_at"
    month = models.DateField()  # the first day (of the span's first month), in the installation's time zone
    span = models.PositiveSmallIntegerField(default=1, db_default=1)  # months: 1, 3 (quarter) or 12 (year)
    layout = models.CharField(max_length=16)
    as_of = models.DateTimeField()  # every settled fact built up to here is in the rollup
    built_at = models.DateTimeField(default=timezone.now)
    seconds = models.FloatField(default=0)  # how long the build took (operations)

    class Meta:
        verbose_name = _("fact rollup month")
        verbose_name_plural = _("fact rollup months")
        constraints = [models.UniqueConstraint(fields=["period", "span", "month"], name="evaluation_rollup_span_once")]

    def __str__(self) -> str:
        return f"{self.period} {self.month:%Y-%m} ×{self.span}"


class FactRollup(models.Model):
    """The settled facts of one month (or quarter, year: `span` months from `month`) summed per subject: column cNN
    holds counter part NN of the (subject, period) group, in the order `evaluation.rollups.LAYOUT` derives from
    `evaluation.counters.COUNTERS`."""

    month = models.DateField()
    span = models.PositiveSmallIntegerField(default=1, db_default=1)  # months: 1, 3 (quarter) or 12 (year)
    period = models.CharField(max_length=13)
    subject = models.CharField(max_length=20)  # a key of counters.SUBJECT_EXPRESSIONS
    subject_id = models.BigIntegerField()  # for "grid_inspector": the grid (expanded to its inspectors on read)
    c00 = models.IntegerField(default=0, db_default=0)
    c01 = models.IntegerField(default=0, db_default=0)
    c02 = models.IntegerField(default=0, db_default=0)
    c03 = models.IntegerField(default=0, db_default=0)
    c04 = models.IntegerField(default=0, db_default=0)
    c05 = models.IntegerField(default=0, db_default=0)
    c06 = models.IntegerField(default=0, db_default=0)
    c07 = models.IntegerField(default=0, db_default=0)
    c08 = models.IntegerField(default=0, db_default=0)
    c09 = models.IntegerField(default=0, db_default=0)
    c10 = models.IntegerField(default=0, db_default=0)
    c11 = models.IntegerField(default=0, db_default=0)
    c12 = models.IntegerField(default=0, db_default=0)
    c13 = models.IntegerField(default=0, db_default=0)
    c14 = models.IntegerField(default=0, db_default=0)
    c15 = models.IntegerField(default=0, db_default=0)
    c16 = models.IntegerField(default=0, db_default=0)
    c17 = models.IntegerField(default=0, db_default=0)
    c18 = models.IntegerField(default=0, db_default=0)
    c19 = models.IntegerField(default=0, db_default=0)
    c20 = models.IntegerField(default=0, db_default=0)
    c21 = models.IntegerField(default=0, db_default=0)
    c22 = models.IntegerField(default=0, db_default=0)
    c23 = models.IntegerField(default=0, db_default=0)
    built_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("fact rollup")
        verbose_name_plural = _("fact rollups")
        indexes = [models.Index(fields=["period", "subject", "span", "month"], name="evaluation_rollup_span_read")]

    def __str__(self) -> str:
        return f"{self.period} {self.month:%Y-%m} ×{self.span} {self.subject} {self.subject_id}"


class RollupWatermark(models.Model):
    """One row: the layout and `as_of` of the last complete rollup refresh (the next one looks after it)."""

    layout = models.CharField(max_length=16, blank=True)
    as_of = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("rollup watermark")
        verbose_name_plural = _("rollup watermarks")

    def __str__(self) -> str:
        return f"{self.layout} {self.as_of}"


# --- the scheme (评价方案): indicators and grade bands an administrator edits -----------------------------------


class Indicator(models.Model):
    """One indicator of a subject kind: value = numerator counter / denominator counter, scored and weighted.

    The counters are chosen from the fixed vocabulary of the kind (`evaluation.counters.COUNTERS`), so an
    administrator can change the formula without code; `clean` refuses a counter the kind does not have.
    """

    kind = models.CharField(_("subject kind"), max_length=12, choices=SubjectKind.choices)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=100)
    numerator = models.CharField(_("numerator counter"), max_length=40)
    denominator = models.CharField(_("denominator counter"), max_length=40, blank=True,
                                   help_text=_("Required for rates; for bins an optional divisor (per grid)."))
    method = models.CharField(_("scoring method"), max_length=12, choices=ScoringMethod.choices)
    weight = models.DecimalField(_("weight (%)"), max_digits=5, decimal_places=2)
    bins = models.JSONField(_("score bins"), default=list, blank=True,
                            help_text=_("For bins: a list of [lower, upper, score]; upper null = no limit."))
    source = models.TextField(_("source"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("evaluation indicator")
        verbose_name_plural = _("evaluation indicators")
        ordering = ["kind", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["kind", "code"], name="evaluation_indicator_code_per_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name}"

    def clean(self) -> None:
        """Refuse counters the kind lacks, a rate without a denominator, bad weights or bins."""
        errors = indicator_errors(kind=self.kind, numerator=self.numerator, denominator=self.denominator,
                                  method=self.method, weight=self.weight, bins=self.bins)
        if errors:
            raise ValidationError(errors)


class GradeBand(models.Model):
    """A grade (评价等级) A–E: a composite score in [lower, upper) gets it (the top band includes its upper)."""

    grade = models.CharField(_("grade"), max_length=2, unique=True)
    lower = models.DecimalField(_("lower bound"), max_digits=5, decimal_places=2)
    upper = models.DecimalField(_("upper bound"), max_digits=5, decimal_places=2)
    colour = models.CharField(_("colour name"), max_length=20)
    colour_hex = models.CharField(_("colour"), max_length=7, help_text=_("e.g. #2e7d32"))

    class Meta:
        verbose_name = _("grade band")
        verbose_name_plural = _("grade bands")
        ordering = ["-lower"]

    def __str__(self) -> str:
        return f"{self.grade} [{self.lower}, {self.upper})"

    def clean(self) -> None:
        if self.lower is not None and self.upper is not None and not 0 <= self.lower < self.upper <= 100:
            raise ValidationError(_("Bounds must satisfy 0 ≤ lower < upper ≤ 100."))
        if self.colour_hex and not (len(self.colour_hex) == 7 and self.colour_hex.startswith("#")):
            raise ValidationError({"colour_hex": _("Use a colour like #2e7d32.")})


# --- published monthly snapshots (月度评价结果发布) -------------------------------------------------------------


class Snapshot(models.Model):
    """A published month of one subject kind: the scheme used and every row, frozen (never edited)."""

    kind = models.CharField(_("subject kind"), max_length=12, choices=SubjectKind.choices)
    month = models.DateField(_("month"), help_text=_("The first day of the month evaluated."))
    start = models.DateField(_("period start"))
    end = models.DateField(_("period end"))
    evaluated_at = models.DateTimeField(_("evaluated at"))
    published_at = models.DateTimeField(_("published at"), default=timezone.now)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("published by"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+")
    published_by_label = models.CharField(_("published by (label)"), max_length=150, blank=True)
    # {"indicators": [...], "grades": [...], "counters": {code: label}}: the scheme as it was when published.
    scheme = models.JSONField(_("scheme used"), default=dict)

    class Meta:
        verbose_name = _("evaluation snapshot")
        verbose_name_plural = _("evaluation snapshots")
        ordering = ["-month", "kind"]
        constraints = [models.UniqueConstraint(fields=["kind", "month"], name="evaluation_snapshot_once_per_month")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.month:%Y-%m}"


class SnapshotRow(models.Model):
    """One subject's frozen result in a snapshot."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="rows")
    rank = models.PositiveIntegerField(_("rank"), null=True)
    subject_id = models.BigIntegerField(_("subject id"))
    subject_code = models.CharField(_("subject code"), max_length=150)
    subject_name = models.CharField(_("subject name"), max_length=150)
    counters = models.JSONField(_("counters"), default=dict)
    # {indicator code: {"value": float | None, "score": float | None}}
    scores = models.JSONField(_("indicator scores"), default=dict)
    composite = models.DecimalField(_("composite score"), max_digits=5, decimal_places=2, null=True)
    grade = models.CharField(_("grade"), max_length=2, blank=True)

    class Meta:
        verbose_name = _("snapshot row")
        verbose_name_plural = _("snapshot rows")
        ordering = ["snapshot", "rank", "subject_code"]
        constraints = [models.UniqueConstraint(fields=["snapshot", "subject_id"], name="evaluation_row_once")]

    def __str__(self) -> str:
        return f"{self.snapshot} {self.subject_code}"
