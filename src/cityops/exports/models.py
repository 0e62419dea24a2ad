"""Exports (导出): one row per requested Excel/CSV file of report tables, written in the request or by the worker.

The file itself lives outside the public media folder (`exports_dir()`), under a random name, and is only
ever served through a view that checks who asks.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ExportFormat(models.TextChoices):
    XLSX = "xlsx", _("Excel (xlsx)")
    CSV = "csv", _("CSV")


class ExportState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")


class ExportJob(models.Model):
    """One export of a registered report kind (`core.tables`) for the user who asked for it."""

    kind = models.CharField(_("report"), max_length=100)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    format = models.CharField(_("format"), max_length=4, choices=ExportFormat.choices)
    # The requester's language: the worker writes headers and labels in it, as the request would have.
    language = models.CharField(_("language"), max_length=10, blank=True)
    # The builder runs again in the worker as this user, so the rows are exactly what they may see.
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"),
                                     on_delete=models.CASCADE, related_name="export_jobs")
    state = models.CharField(_("state"), max_length=8, choices=ExportState.choices, default=ExportState.QUEUED)
    rows_done = models.PositiveIntegerField(_("rows written"), default=0)
    rows_total = models.PositiveIntegerField(_("rows in all"), null=True, blank=True)
    # Relative to the export folder; a random token, so the name cannot be guessed from the job.
    file = models.CharField(_("file"), max_length=200, blank=True)
    file_name = models.CharField(_("download name"), max_length=200, blank=True)
    size_bytes = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    # The worker's claim (a lease renewed by every progress update): a running job whose worker stopped
    # renewing it is claimed again, up to a few attempts.
    claimed_by = models.CharField(_("claimed by"), max_length=100, blank=True)
    heartbeat_at = models.DateTimeField(_("last progress at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)

    class Meta:
        # The table (and its index names) kept the name it had while exports were part of analytics: the model
        # moved between apps without copying a row (migrations exports 0001 / analytics 0003).
        db_table = "analytics_exportjob"
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["requested_by", "created_at"], name="analytics_export_mine"),
            models.Index(fields=["state", "created_at"], name="analytics_export_due"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.format}) #{self.pk}"

    @property
    def progress(self) -> int | None:
        """Percent of rows written, when the total is known."""
        if self.state == ExportState.DONE:
            return 100
        if not self.rows_total:
            return None
        return min(100, int(self.rows_done * 100 / self.rows_total))

    @property
    def is_downloadable(self) -> bool:
        return self.state == ExportState.DONE and bool(self.file)
