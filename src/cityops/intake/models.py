"""Intake channels (信息采集): external systems and their reports, replay guards, rate limits."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IntegrationKind(models.TextChoices):
    VIDEO_AI = "video_ai", _("Video AI detection (智能视频)")
    DRONE = "drone", _("Drone (无人机)")
    PLATFORM = "platform", _("Other platform (外部平台)")
    HOTLINE = "hotline", _("Hotline system (12345 热线)")
    IOT = "iot", _("Sensor platform (物联感知)")


class IntegrationSource(models.Model):
    """An external system allowed to post reports: signs its requests with a shared HMAC secret."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=IntegrationKind.choices)
    # The shared HMAC key. It must be readable to verify signatures, so it is stored as given;
    # the admin never shows it back.
    secret = models.CharField(_("signing secret"), max_length=200)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("acts as"), on_delete=models.PROTECT, related_name="+",
        help_text=_("The system user its reports are filed under (reporter and audit actor)."),
    )
    default_threshold = models.FloatField(
        _("confidence threshold"), default=0.8,
        help_text=_("Detections at or above it go straight to registration; below it, to the acceptor to verify."),
    )
    class_thresholds = models.JSONField(
        _("thresholds per class"), default=dict, blank=True, help_text=_('e.g. {"matter:06010": 0.9}')
    )
    callback_url = models.URLField(_("status callback URL"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("integration source")
        verbose_name_plural = _("integration sources")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ExternalOutcome(models.TextChoices):
    REGISTRATION = "registration", _("Sent to registration")
    VERIFICATION = "verification", _("Sent to verification")
    DUPLICATE = "duplicate", _("Linked to an open case")
    REFUSED = "refused", _("Refused")


class ExternalReport(models.Model):
    """One report received from an integration (detection, hotline ticket…), stored before it is processed."""

    source = models.ForeignKey(IntegrationSource, on_delete=models.PROTECT, related_name="reports")
    external_id = models.CharField(_("external id"), max_length=80)
    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    confidence = models.FloatField(_("confidence"), null=True, blank=True)
    payload = models.JSONField(_("payload"), default=dict)
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(_("outcome"), max_length=12, choices=ExternalOutcome.choices, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("external report")
        verbose_name_plural = _("external reports")
        ordering = ["-received_at", "-id"]
        constraints = [
            # The source's own id makes a resent report idempotent.
            models.UniqueConstraint(fields=["source", "external_id"], name="intake_external_id_per_source"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id}:{self.external_id}"


class SignatureNonce(models.Model):
    """A nonce seen in a signed request; a second request with it is a replay and is refused."""

    source = models.ForeignKey(IntegrationSource, on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=64)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("signature nonce")
        verbose_name_plural = _("signature nonces")
        constraints = [models.UniqueConstraint(fields=["source", "nonce"], name="intake_nonce_once")]

    def __str__(self) -> str:
        return self.nonce


class PublicCategory(models.Model):
    """A problem as citizens name it on the portal (垃圾, 井盖, 路灯 …), mapped to one catalogue class."""

    name = models.CharField(_("name"), max_length=40)
    name_en = models.CharField(_("English name"), max_length=80)
    hint = models.CharField(_("hint"), max_length=120, blank=True, help_text=_("A short plain-words example."))
    hint_en = models.CharField(_("English hint"), max_length=160, blank=True)
    catalog_class = models.ForeignKey(
        "catalog.CatalogClass", verbose_name=_("catalogue class"), on_delete=models.PROTECT, related_name="+"
    )
    sort = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("public category")
        verbose_name_plural = _("public categories")
        ordering = ["sort", "id"]

    def __str__(self) -> str:
        return self.name


class ReportBatch(models.Model):
    """A batch of reports received through the store-first door (`POST /api/v1/intake/batches`), acknowledged once
    its items are stored; the worker turns the items into cases afterwards."""

    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), on_delete=models.PROTECT, related_name="+"
    )
    via_token = models.CharField(_("API token"), max_length=12, blank=True, help_text=_("The token's prefix."))
    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    size = models.PositiveIntegerField(_("items"), default=0)

    class Meta:
        verbose_name = _("report batch")
        verbose_name_plural = _("report batches")
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} ({self.size})"


class InboxState(models.TextChoices):
    PENDING = "pending", _("Waiting to be processed")
    PROCESSING = "processing", _("Being processed")
    DONE = "done", _("Case created")
    FAILED = "failed", _("Refused when processed")


class InboxReport(models.Model):
    """One stored report of a batch, waiting for (or done by) the worker; idempotent on (reporter, key)."""

    batch = models.ForeignKey(ReportBatch, verbose_name=_("batch"), on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(_("position in the batch"))
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reporter"), on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=80)
    payload = models.JSONField(_("report"), default=dict)
    state = models.CharField(_("state"), max_length=12, choices=InboxState.choices, default=InboxState.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # A claimed item whose worker died is claimed again once its lease has run out: nothing is lost.
    lease_until = models.DateTimeField(_("lease until"), null=True, blank=True)
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    error = models.JSONField(_("error"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("inbox report")
        verbose_name_plural = _("inbox reports")
        ordering = ["batch_id", "position"]
        constraints = [
            # The client's key makes a resent item (in the same or a later batch) the same item, hence one case.
            models.UniqueConstraint(fields=["reporter", "idempotency_key"], name="intake_inbox_key_per_reporter"),
        ]
        indexes = [
            # The worker's claim: the oldest items not done, without scanning the done ones.
            models.Index(fields=["id"], name="intake_inbox_open",
                         condition=models.Q(state__in=["pending", "processing"])),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.position}"
