"""Exports (导出) of the registered report tables to Excel or CSV: start, run, serve and expire.

`export_start` checks the kind, the format and — by calling the table's builder for the asking user — the
parameters and the user's access, at once. A small table (its row count known and at most
CITYOPS_EXPORT_INLINE_ROWS) is written in the request; anything else is queued and written by the worker
(`export_run_due`), which runs the builder again as the same user so the rows are exactly what they may see.
Files are written under a temporary name and renamed when complete, so a failed export leaves no half file;
they are served only through `export_file_for_user` and deleted after CITYOPS_EXPORT_KEEP_DAYS.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cityops.analytics import report_tables  # noqa: F401  (registers this app's own report kinds)
from cityops.core.audit import audit_log
from cityops.core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from cityops.core.permissions import is_platform_admin
from cityops.core.tables import ReportKind, Table, report_kind, report_kinds, tables_of
from cityops.exports.models import ExportFormat, ExportJob, ExportState
from cityops.exports.writers import CONTENT_TYPES, WRITERS

if TYPE_CHECKING:
    from cityops.core.typing import Actor, AnyUser, User

logger = logging.getLogger("cityops.exports.services")

MAX_PARAMS = 30
MAX_PARAM_LENGTH = 500
MAX_ATTEMPTS = 3
ERROR_LIMIT = 2000
_UNSAFE_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')
# The exports were part of analytics until they became an app of their own: their audit events keep the
# names they were written with (`analytics.export.*` on `analytics.exportjob`), so one job's history and the
# audit log's filters do not split at the move.
AUDIT_OBJECT_TYPE = "analytics.exportjob"


def exports_dir() -> Path:
    """Where export files are kept: outside the public media folder, so only the download view serves them."""
    return Path(getattr(settings, "CITYOPS_EXPORT_DIR", None) or Path(settings.VAR_DIR) / "exports")


def inline_rows() -> int:
    return int(getattr(settings, "CITYOPS_EXPORT_INLINE_ROWS", 5000))


def keep_days() -> float:
    return float(getattr(settings, "CITYOPS_EXPORT_KEEP_DAYS", 7))


def lease_seconds() -> float:
    return float(getattr(settings, "CITYOPS_EXPORT_LEASE_SECONDS", 600))


# --- reads -----------------------------------------------------------------------------------------------


def export_kinds_for_user(*, user: AnyUser) -> list[ReportKind]:
    """The report kinds one can ask to export (each builder still checks the user's role and scope)."""
    _require_user(user)
    return report_kinds()


def export_jobs_for_user(*, user: AnyUser, limit: int = 50) -> list[ExportJob]:
    """The user's own exports, newest first."""
    owner = _require_user(user)
    return list(ExportJob.objects.filter(requested_by=owner).order_by("-created_at", "-id")[:limit])


def export_job_for_user(*, user: AnyUser, job_id: Any) -> ExportJob:
    """One export, for the user who asked for it or a platform admin; NotFound (404) for anyone else."""
    owner = _require_user(user)
    try:
        pk = int(job_id)
    except (TypeError, ValueError):
        raise NotFound(_("Export not found.")) from None
    jobs = ExportJob.objects.select_related("requested_by")
    if not is_platform_admin(owner):
        jobs = jobs.filter(requested_by=owner)
    job = jobs.filter(pk=pk).first()
    if job is None:
        raise NotFound(_("Export not found."))
    return job


@dataclass(frozen=True)
class ExportFile:
    path: Path
    name: str
    content_type: str


def export_file_for_user(*, user: AnyUser, job_id: Any) -> ExportFile:
    """The finished file of an export the user may download; 404 for others, 409 while it is being written."""
    job = export_job_for_user(user=user, job_id=job_id)
    if job.state == ExportState.EXPIRED:
        raise NotFound(_("This export has expired; start it again."))
    if job.state != ExportState.DONE:
        raise Conflict(_("This export is not ready (%(state)s).") % {"state": job.get_state_display()})
    path = exports_dir() / job.file
    if not job.file or not path.is_file():
        raise NotFound(_("The file of this export is missing; start it again."))
    return ExportFile(path=path, name=job.file_name, content_type=CONTENT_TYPES[job.format])


def _require_user(user: AnyUser) -> User:
    """The authenticated user, who owns the exports they start; Forbidden (403) for anyone else."""
    if not getattr(user, "is_authenticated", False):
        raise Forbidden(_("Authentication required."))
    # An authenticated user is a staff member (AUTH_USER_MODEL), never AnonymousUser.
    return cast("User", user)


# --- start -----------------------------------------------------------------------------------------------


def export_start(*, user: AnyUser, kind: str, params: Any, fmt: str) -> ExportJob:
    """Export (导出) report `kind` with `params` as `fmt`: written now when small, else queued for the worker."""
    owner = _require_user(user)
    fmt = _format(fmt)
    report = _kind(kind)
    params = _params(params)
    # The builder checks the parameters and the user's role and scope before it yields a row: bad input is
    # refused here, in the request, not minutes later in the worker.
    tables = tables_of(report.builder(user=user, params=params))
    total = _total(tables)
    inline = total is not None and total <= inline_rows()
    now = timezone.now()
    token = f"inline/{uuid.uuid4().hex[:12]}"
    job = ExportJob(kind=report.kind, params=params, format=fmt, language=translation.get_language() or "",
                    requested_by=owner, rows_total=total,
                    file_name=_download_name(report, tables, fmt, now), created_at=now)
    if inline:
        job.state, job.started_at, job.heartbeat_at, job.claimed_by, job.attempts = (
            ExportState.RUNNING, now, now, token, 1)
    with transaction.atomic():
        job.save()
        audit_log(actor=user, action="analytics.export.started", obj=job, object_type=AUDIT_OBJECT_TYPE,
                  data={"kind": job.kind, "format": fmt, "params": params, "rows_total": total, "inline": inline})
    if inline:
        _write(job, tables, token=token, actor=user)
        job.refresh_from_db()
    return job


def _format(fmt: Any) -> str:
    value = str(fmt or "").strip().lower()
    if value not in ExportFormat.values:
        raise InvalidInput(_("Unknown format %(format)r; use one of: %(choices)s.")
                           % {"format": str(fmt)[:20], "choices": ", ".join(ExportFormat.values)}, field="format")
    return value


def _kind(kind: Any) -> ReportKind:
    report = report_kind(str(kind or "").strip())
    if report is None:
        raise InvalidInput(_("Unknown report %(kind)r.") % {"kind": str(kind)[:100]}, field="kind")
    return report


def _params(params: Any) -> dict[str, str]:
    if params is None:
        return {}
    if not isinstance(params, dict) or len(params) > MAX_PARAMS:
        raise InvalidInput(_("Parameters must be an object of at most %(n)s names and values.") % {"n": MAX_PARAMS},
                           field="params")
    clean: dict[str, str] = {}
    for name, value in params.items():
        if not isinstance(name, str) or not name or len(name) > 50 or isinstance(value, dict | list):
            raise InvalidInput(_("Parameter %(name)r is not a plain name and value.") % {"name": str(name)[:50]},
                               field=f"params.{str(name)[:50]}")
        text = "" if value is None else (str(value).lower() if isinstance(value, bool) else str(value)).strip()
        if len(text) > MAX_PARAM_LENGTH:
            raise InvalidInput(_("Parameter %(name)r is too long.") % {"name": name}, field=f"params.{name}")
        clean[name] = text
    return clean


def _total(tables: Sequence[Table]) -> int | None:
    totals = [t.total for t in tables]
    return None if None in totals else sum(t for t in totals if t is not None)


def _download_name(report: ReportKind, tables: Sequence[Table], fmt: str, now: datetime) -> str:
    title = str(tables[0].title if len(tables) == 1 else report.label) or report.kind
    title = _UNSAFE_FILENAME.sub("_", title).strip(" ._")[:120] or "export"
    return f"{title}-{timezone.localtime(now):%Y%m%d-%H%M}.{fmt}"


# --- writing (in the request or in the worker) ---------------------------------------------------------------


class _Abandoned(Exception):
    """The job is no longer ours (its lease expired and another worker took it): stop writing."""


def _write(job: ExportJob, tables: Sequence[Table], *, token: str, actor: Actor) -> bool:
    """Write the tables to the job's file and mark it done; on any failure mark it failed. True when done."""
    folder = exports_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_urlsafe(24)}.{job.format}"
    part = folder / f"{name}.part"
    mine = ExportJob.objects.filter(pk=job.pk, state=ExportState.RUNNING, claimed_by=token)

    def progress(rows: int) -> None:
        # Each update renews the lease; none updated means another worker has taken the job over.
        if not mine.update(rows_done=rows, heartbeat_at=timezone.now()):
            raise _Abandoned

    try:
        with open(part, "wb") as out:
            rows = WRITERS[job.format](tables, out, progress=progress)
        os.replace(part, folder / name)
    except _Abandoned:
        part.unlink(missing_ok=True)
        logger.warning("export %s was taken over by another worker; stopped writing", job.pk)
        return False
    except Exception as exc:
        part.unlink(missing_ok=True)  # never leave a half file behind
        _fail(job, token=token, exc=exc, actor=actor)
        if isinstance(exc, DomainError) and token.startswith("inline/"):
            raise  # the request shows the refusal (e.g. 422) like one raised before writing
        return False
    return _finish(job, token=token, name=name, rows=rows, actor=actor)


def _finish(job: ExportJob, *, token: str, name: str, rows: int, actor: Actor) -> bool:
    path = exports_dir() / name
    now = timezone.now()
    with transaction.atomic():
        done = ExportJob.objects.filter(pk=job.pk, state=ExportState.RUNNING, claimed_by=token).update(
            state=ExportState.DONE, file=name, rows_done=rows, rows_total=rows, size_bytes=path.stat().st_size,
            finished_at=now, heartbeat_at=now, expires_at=now + timedelta(days=keep_days()), error="")
        if done:
            audit_log(actor=actor, action="analytics.export.finished", obj=job, object_type=AUDIT_OBJECT_TYPE,
                      data={"kind": job.kind, "format": job.format, "rows": rows})
    if not done:  # taken over meanwhile: the other worker's file is the one that counts
        path.unlink(missing_ok=True)
    return bool(done)


def _fail(job: ExportJob, *, token: str, exc: BaseException, actor: Actor) -> None:
    if isinstance(exc, DomainError):
        message = exc.message  # a refusal the user can act on ("outside your scope", "bad month" …)
    else:
        logger.exception("export %s (%s) failed", job.pk, job.kind)
        message = _("The export failed because of an internal error (%(error)s).") % {"error": type(exc).__name__}
    with transaction.atomic():
        failed = ExportJob.objects.filter(pk=job.pk, claimed_by=token).exclude(state=ExportState.DONE).update(
            state=ExportState.FAILED, error=message[:ERROR_LIMIT], finished_at=timezone.now())
        if failed:
            audit_log(actor=actor, action="analytics.export.failed", obj=job, object_type=AUDIT_OBJECT_TYPE,
                      data={"kind": job.kind, "format": job.format, "error": message[:200]})


# --- the worker --------------------------------------------------------------------------------------------


@dataclass
class RunReport:
    claimed: int = 0
    done: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return f"{self.claimed} claimed, {self.done} done, {self.failed} failed"


def export_run_due(*, worker_id: str, batch: int = 1, now: datetime | None = None) -> RunReport:
    """Claim up to `batch` queued (or abandoned) exports for `worker_id` and write them."""
    report = RunReport()
    token = f"{worker_id}/{uuid.uuid4().hex[:8]}"[:100]
    for job in _claim(token=token, batch=batch, now=now or timezone.now()):
        report.claimed += 1
        if _run(job, token=token):
            report.done += 1
        else:
            report.failed += 1
    return report


def _due(now: datetime) -> Q:
    abandoned = Q(state=ExportState.RUNNING, heartbeat_at__lt=now - timedelta(seconds=lease_seconds()))
    return Q(state=ExportState.QUEUED) | abandoned  # a running job whose worker stopped renewing its lease


def _claim(*, token: str, batch: int, now: datetime) -> list[ExportJob]:
    claim = {"state": ExportState.RUNNING, "claimed_by": token, "started_at": now, "heartbeat_at": now,
             "rows_done": 0, "attempts": F("attempts") + 1}
    with transaction.atomic():
        due: QuerySet[ExportJob] = ExportJob.objects.filter(_due(now)).order_by("created_at", "id")
        rows: list[tuple[int, str, str]]
        if connection.features.has_select_for_update_skip_locked:
            # PostgreSQL: a job another worker is claiming is skipped, not waited for; the row lock lasts until
            # the UPDATE below commits, so two workers never claim the same job.
            rows = list(due.select_for_update(skip_locked=True).values_list("id", "state", "claimed_by")[:batch])
            ids = [pk for pk, *_rest in rows]
            ExportJob.objects.filter(id__in=ids).update(**claim)
        else:
            # SQLite has no row locks: the UPDATE repeats the due condition and SQLite serialises writes, so a job
            # claimed by another worker in between no longer matches; we keep only the rows with our token.
            rows = list(due.values_list("id", "state", "claimed_by")[:batch])
            ids = [pk for pk, *_rest in rows]
            ExportJob.objects.filter(_due(now), id__in=ids).update(**claim)
        before = {pk: (state, claimant) for pk, state, claimant in rows}
        claimed = list(ExportJob.objects.select_related("requested_by").filter(id__in=ids, claimed_by=token)
                       .order_by("created_at", "id"))
        for job in claimed:
            _audit_claim(job, before=before.get(job.pk))
    return claimed


def _audit_claim(job: ExportJob, *, before: tuple[str, str] | None) -> None:
    # A claim is a state change like any other: queued → running, or a takeover of a running job whose
    # worker stopped renewing its lease (running → running under another claimant).
    state, previous = before or (ExportState.QUEUED, "")
    taken_over = state == ExportState.RUNNING
    audit_log(actor="cityops worker", action="analytics.export.taken_over" if taken_over else "analytics.export.claimed",
              obj=job, object_type=AUDIT_OBJECT_TYPE, data={"kind": job.kind, "worker": job.claimed_by, "attempt": job.attempts,
                             **({"from": previous} if taken_over else {})})


def _run(job: ExportJob, *, token: str) -> bool:
    with translation.override(job.language or settings.LANGUAGE_CODE):
        return _run_as_requested(job, token=token)


def _run_as_requested(job: ExportJob, *, token: str) -> bool:
    actor = "cityops worker"
    user = job.requested_by
    try:
        if job.attempts > MAX_ATTEMPTS:
            raise Conflict(_("The export was abandoned %(n)s times by a stopped worker; start it again.")
                           % {"n": job.attempts - 1})
        if not user.is_active:
            raise Forbidden(_("The user who asked for this export is no longer active."))
        report = _kind(job.kind)
        # The same builder, as the same user, with the same parameters: the scope cannot widen in the worker.
        tables = tables_of(report.builder(user=user, params=dict(job.params)))
    except Exception as exc:
        _fail(job, token=token, exc=exc, actor=actor)
        return False
    return _write(job, tables, token=token, actor=actor)


# --- expiry ----------------------------------------------------------------------------------------------


def exports_expire(*, now: datetime | None = None) -> int:
    """Delete the files of exports older than CITYOPS_EXPORT_KEEP_DAYS (and stray partial files)."""
    now = now or timezone.now()
    folder = exports_dir()
    expired = 0
    for job in ExportJob.objects.filter(state=ExportState.DONE, expires_at__lte=now).order_by("id")[:1000]:
        with transaction.atomic():
            # Conditional: two workers expiring at once delete and audit each file once.
            if not ExportJob.objects.filter(pk=job.pk, state=ExportState.DONE).update(
                    state=ExportState.EXPIRED, file=""):
                continue
            audit_log(actor="cityops worker", action="analytics.export.expired", obj=job, object_type=AUDIT_OBJECT_TYPE,
                      data={"kind": job.kind, "format": job.format})
        if job.file:
            (folder / job.file).unlink(missing_ok=True)
        expired += 1
    _remove_stray_parts(folder)
    return expired


def _remove_stray_parts(folder: Path) -> None:
    # A worker killed mid-write leaves its ".part" file; no live writer leaves one untouched this long.
    if not folder.is_dir():
        return
    cutoff = time.time() - 2 * lease_seconds()
    for part in folder.glob("*.part"):
        try:
            if part.stat().st_mtime < cutoff:
                part.unlink()
        except FileNotFoundError:
            pass
