"""The case (案件): one problem from report to close, its per-stage clocks, history, photos and requests."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityops.catalog.models import ClassKind, Stage, TimeBasis


class CaseState(models.TextChoices):
    """Workflow states (GB/T 30428.8 model); the transition table in `cases.workflow` is the truth."""

    REPORTED = "reported", _("Awaiting acceptance (待受理)")
    VERIFYING = "verifying", _("Awaiting verification (待核实)")
    ACCEPTED = "accepted", _("Awaiting registration (待立案)")
    REGISTERED = "registered", _("Awaiting dispatch (待派遣)")
    DISPATCHED = "dispatched", _("Being handled (处置中)")
    HANDLED = "handled", _("Awaiting check (待核查)")
    CHECKING = "checking", _("Being checked (核查中)")
    CHECKED = "checked", _("Awaiting closing (待结案)")
    CLOSED = "closed", _("Closed (已结案)")
    VOIDED = "voided", _("Voided (已作废)")
    SUSPENDED = "suspended", _("Suspended (挂账)")


OPEN_STATES = frozenset(CaseState.values) - {CaseState.CLOSED, CaseState.VOIDED}


class Source(models.TextChoices):
    INSPECTOR = "inspector", _("Inspector (监督员上报)")
    CITIZEN = "citizen", _("Citizen (公众举报)")
    HOTLINE = "hotline", _("Hotline (热线)")
    OPEN311 = "open311", _("Open311")
    WEBHOOK = "webhook", _("External system (外部系统)")
    VIDEO_AI = "video_ai", _("Video AI (智能视频)")
    IOT = "iot", _("Sensor alarm (物联感知)")
    STAFF = "staff", _("Staff (坐席录入)")


class VoidReason(models.TextChoices):
    INVALID = "invalid", _("Invalid report (无效)")
    DUPLICATE = "duplicate", _("Duplicate (重复)")
    OUT_OF_SCOPE = "out_of_scope", _("Out of scope (非城管范围)")
    NOT_FOUND = "not_found", _("Not found on site (现场未发现)")


class Case(models.Model):
    """A reported problem and where it stands in the closed loop."""

    number = models.CharField(_("case number"), max_length=16, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=ClassKind.choices)
    catalog_class = models.ForeignKey(
        "catalog.CatalogClass", verbose_name=_("class"), on_delete=models.PROTECT, related_name="cases"
    )
    urgency = models.ForeignKey("catalog.Urgency", verbose_name=_("urgency"), on_delete=models.PROTECT, related_name="+")
    description = models.TextField(_("description"), max_length=2000)
    # Location (WGS84) and the regions `locate` found for it.
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    grid = models.ForeignKey("geo.Region", verbose_name=_("unit grid"), on_delete=models.PROTECT, related_name="cases")
    community = models.ForeignKey(
        "geo.Region", verbose_name=_("community"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    street = models.ForeignKey("geo.Region", verbose_name=_("street"), null=True, on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey(
        "geo.Region", verbose_name=_("district"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    # Copy of the grid's path: scope filters are one indexed prefix match, no join.
    region_path = models.CharField(_("region path"), max_length=100, db_index=True)
    # H3 cell (resolution `cases.duplicates.H3_RESOLUTION`) as a signed 64-bit integer, for duplicate search.
    h3_cell = models.BigIntegerField(_("H3 cell"), db_index=True)
    component = models.ForeignKey(
        "assets.Component", verbose_name=_("component"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="cases",
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reporter"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="reported_cases",
    )
    reporter_name = models.CharField(_("reporter name"), max_length=60, blank=True)
    reporter_contact = models.CharField(_("reporter contact"), max_length=120, blank=True)
    # The client's Idempotency-Key: a retried report returns the case the first attempt created.
    # NULL (not "") when absent, so the unique (reporter, key) constraint ignores reports without a key.
    idempotency_key = models.CharField(_("idempotency key"), max_length=80, null=True, blank=True)  # noqa: DJ001

    state = models.CharField(_("state"), max_length=10, choices=CaseState.choices, default=CaseState.REPORTED,
                             db_index=True)
    # Bumped by every change; an action names the version it saw and a stale one is refused (409).
    version = models.PositiveIntegerField(_("version"), default=1)
    department = models.ForeignKey(
        "org.Department", verbose_name=_("responsible department"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="cases",
    )
    handling_unit = models.ForeignKey(
        "org.Department", verbose_name=_("handling sub-unit"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    proposed_department = models.ForeignKey(
        "org.Department", verbose_name=_("proposed department"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    proposal_reason = models.CharField(_("why this department"), max_length=300, blank=True)
    dispatch_overridden = models.BooleanField(_("dispatcher overrode the proposal"), default=False)
    result = models.TextField(_("handling result"), max_length=2000, blank=True)
    void_reason = models.CharField(_("void reason"), max_length=12, choices=VoidReason.choices, blank=True)
    master = models.ForeignKey(
        "self", verbose_name=_("duplicate of"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="duplicates",
    )
    recurrence_of = models.ForeignKey(
        "self", verbose_name=_("recurrence of"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="recurrences",
    )

    # The clock of the current stage, copied from its CaseStageClock so queues sort without a join.
    current_stage = models.CharField(_("current stage"), max_length=10, choices=Stage.choices, blank=True)
    due_at = models.DateTimeField(_("current deadline"), null=True, blank=True, db_index=True)
    # When the deadline warning falls due (a share of the stage's allowed time, `CITYOPS_SLA_WARNING_SHARE`),
    # stored so the worker finds the cases to warn with one indexed comparison instead of per-case arithmetic.
    warn_at = models.DateTimeField(_("deadline warning at"), null=True, blank=True, db_index=True)
    is_overdue = models.BooleanField(_("overdue"), default=False, db_index=True)
    warned = models.BooleanField(_("deadline warning sent"), default=False)
    is_urged = models.BooleanField(_("urged (督办)"), default=False)
    is_self_handled = models.BooleanField(_("self-handled (自处理)"), default=False)
    rework_count = models.PositiveSmallIntegerField(_("reworks (返工)"), default=0)
    extension_count = models.PositiveSmallIntegerField(_("extensions (延期)"), default=0)
    return_count = models.PositiveSmallIntegerField(_("returns (回退)"), default=0)

    # Citizen-facing: the unguessable code on the public tracking page, moderation, and the citizen's rating.
    tracking_code = models.CharField(_("tracking code"), max_length=16, null=True, blank=True, unique=True)  # noqa: DJ001
    public_hidden = models.BooleanField(
        _("hidden from the public"), default=False,
        help_text=_("Set by an acceptor when the reported text or photos must not be shown publicly."),
    )
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction (1–5)"), null=True, blank=True)
    satisfaction_comment = models.CharField(_("satisfaction comment"), max_length=500, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)

    reported_at = models.DateTimeField(_("reported at"), default=timezone.now, db_index=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-reported_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["reporter", "idempotency_key"], name="cases_idempotency_per_reporter"),
        ]
        indexes = [
            models.Index(fields=["catalog_class", "h3_cell", "reported_at"], name="cases_dup_lookup"),
            models.Index(fields=["state", "due_at"], name="cases_queue"),
            models.Index(fields=["department", "state"], name="cases_department_state"),
            models.Index(fields=["region_path", "reported_at"], name="cases_region_time"),
            # The overdue list, newest first (the keyset order of the case list): a few thousand rows in a
            # million, so a partial index walks them in order instead of sorting every overdue case.
            models.Index(models.F("reported_at").desc(), models.F("id").desc(), condition=models.Q(is_overdue=True),
                         name="cases_overdue_recent"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class CaseStageClock(models.Model):
    """One stage's clock for a case (受理, 核实, 立案, 派遣, 处置, 核查, 结案): deadline, done, met.

    A stage may run several rounds (rework sends a case back to 处置): each round is its own row.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="clocks")
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices)
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    started_at = models.DateTimeField(_("started at"))
    minutes_allowed = models.PositiveIntegerField(_("minutes allowed"))
    basis = models.CharField(_("counted in"), max_length=10, choices=TimeBasis.choices)
    extended_minutes = models.PositiveIntegerField(_("minutes added by extensions"), default=0)
    deadline = models.DateTimeField(_("deadline"))
    paused_at = models.DateTimeField(_("paused at (suspension)"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    on_time = models.BooleanField(_("on time"), null=True)

    class Meta:
        verbose_name = _("stage clock")
        verbose_name_plural = _("stage clocks")
        ordering = ["case", "started_at", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "stage", "round"], name="cases_clock_round_unique")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.stage}#{self.round}"


class CaseEvent(models.Model):
    """One entry of a case's history: who did what, from which state to which, when (the case's audit trail)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("actor label"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=40, db_index=True)  # namespaced, e.g. "case.dispatched"
    from_state = models.CharField(_("from state"), max_length=10, choices=CaseState.choices, blank=True)
    to_state = models.CharField(_("to state"), max_length=10, choices=CaseState.choices, blank=True)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    # Shown on the public tracking page (issue: citizen portal) when true; internal notes never are.
    public = models.BooleanField(_("public"), default=False)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action}"


class PhotoPhase(models.TextChoices):
    BEFORE = "before", _("Before (处置前)")
    AFTER = "after", _("After (处置后)")
    CHECK = "check", _("Check (核查)")


class CasePhoto(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="photos")
    phase = models.CharField(_("phase"), max_length=6, choices=PhotoPhase.choices)
    image = models.ImageField(_("image"), upload_to="cases/%Y/%m/")
    thumbnail = models.ImageField(_("thumbnail"), upload_to="cases/thumbs/%Y/%m/", blank=True)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("case photo")
        verbose_name_plural = _("case photos")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.image.name


class RequestKind(models.TextChoices):
    EXTENSION = "extension", _("Extension (延期)")
    RETURN = "return", _("Return (回退)")
    SUSPENSION = "suspension", _("Suspension (挂账)")
    VOID = "void", _("Void (作废)")


class RequestState(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


class CaseRequest(models.Model):
    """A request that needs approval (延期 / 回退 / 挂账 / 作废), with its own state and audit."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="requests")
    kind = models.CharField(_("kind"), max_length=10, choices=RequestKind.choices)
    state = models.CharField(_("state"), max_length=10, choices=RequestState.choices, default=RequestState.PENDING)
    reason = models.TextField(_("reason"), max_length=1000)
    extra_minutes = models.PositiveIntegerField(_("extra minutes (extension)"), null=True, blank=True)
    void_reason = models.CharField(_("void reason"), max_length=12, choices=VoidReason.choices, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("case request")
        verbose_name_plural = _("case requests")
        ordering = ["-requested_at", "-id"]
        constraints = [
            # One open request of a kind per case: a second one while the first waits is refused.
            models.UniqueConstraint(
                fields=["case", "kind"], condition=models.Q(state="pending"), name="cases_one_pending_request_per_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.state}"


class CaseNumberCounter(models.Model):
    """The last sequence used for a day's case numbers (YYYYMMDD + 5 digits)."""

    day = models.DateField(unique=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("case number counter")
        verbose_name_plural = _("case number counters")

    def __str__(self) -> str:
        return f"{self.day} {self.last}"
