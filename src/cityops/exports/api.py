"""HTTP API of the exports (/api/v1/exports): start an export, follow its progress, download the file.

A table small enough is written in the request (201, `download_url` set); a larger one is queued (202) and
written by the worker: poll `GET /{id}` until `state` is `done`. Only the requester (or a platform admin)
sees a job or its file; anyone else gets 404. API tokens need the scope `cases:read` (the tables are read
from the case record).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.http import FileResponse
from django.urls import reverse
from ninja import Router, Schema, Status
from pydantic import Field

from cityops.core.api_schemas import ErrorOut
from cityops.core.permissions import require_token_scope
from cityops.exports import services as exports
from cityops.exports.models import ExportFormat, ExportJob

if TYPE_CHECKING:
    from cityops.core.typing import AuthedRequest

router = Router()

# Operation ids as published while the exports were part of analytics, so generated clients keep their names.


class KindOut(Schema):
    kind: str
    label: str


class ExportIn(Schema):
    kind: str = Field(max_length=100, description='A registered report kind (see GET /kinds), e.g. "report.monthly".')
    format: ExportFormat = ExportFormat.XLSX
    # Plain values only (text, numbers, booleans); the service names a nested one in its 422.
    params: dict[str, Any] = Field(default_factory=dict,
                                   description="The report's parameters, e.g. {\"month\": \"2026-05\"}.")


class ExportJobOut(Schema):
    id: int
    kind: str
    format: str
    params: dict[str, Any]
    state: str
    rows_done: int
    rows_total: int | None
    progress: int | None = Field(description="Percent written, when the number of rows is known.")
    file_name: str
    size_bytes: int | None
    error: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    expires_at: datetime | None
    status_url: str
    download_url: str | None


def _out(job: ExportJob) -> dict[str, Any]:
    return {
        "id": job.pk, "kind": job.kind, "format": job.format, "params": job.params, "state": job.state,
        "rows_done": job.rows_done, "rows_total": job.rows_total, "progress": job.progress,
        "file_name": job.file_name, "size_bytes": job.size_bytes, "error": job.error,
        "created_at": job.created_at, "started_at": job.started_at, "finished_at": job.finished_at,
        "expires_at": job.expires_at,
        "status_url": reverse("api-v1:export_job", args=[job.pk]),
        "download_url": reverse("api-v1:export_download", args=[job.pk]) if job.is_downloadable else None,
    }


@router.get("/kinds", response={200: list[KindOut]}, summary="Report kinds that can be exported",
            operation_id="cityops_analytics_export_api_export_kinds")
def export_kinds(request: AuthedRequest) -> list[dict[str, str]]:
    """Every registered report table kind with its label (the builder still checks role and scope)."""
    require_token_scope(request.auth, "cases:read")
    return [{"kind": r.kind, "label": str(r.label)} for r in exports.export_kinds_for_user(user=request.auth)]


@router.post("", response={201: ExportJobOut, 202: ExportJobOut, 403: ErrorOut, 422: ErrorOut},
             summary="Start an export",
             operation_id="cityops_analytics_export_api_export_start")
def export_start(request: AuthedRequest, payload: ExportIn) -> Status[dict[str, Any]]:
    """Export a report to xlsx or csv: 201 with `download_url` when written at once, 202 when queued."""
    require_token_scope(request.auth, "cases:read")
    job = exports.export_start(user=request.auth, kind=payload.kind, params=payload.params, fmt=payload.format)
    return Status(201 if job.is_downloadable else 202, _out(job))


@router.get("", response={200: list[ExportJobOut]}, summary="My exports",
            operation_id="cityops_analytics_export_api_export_list")
def export_list(request: AuthedRequest) -> list[dict[str, Any]]:
    """The caller's exports, newest first (at most 50)."""
    require_token_scope(request.auth, "cases:read")
    return [_out(job) for job in exports.export_jobs_for_user(user=request.auth)]


@router.get("/{job_id}", response={200: ExportJobOut, 404: ErrorOut}, summary="One export's state and progress",
            url_name="export_job",
            operation_id="cityops_analytics_export_api_export_job")
def export_job(request: AuthedRequest, job_id: int) -> dict[str, Any]:
    """State (queued, running, done, failed, expired), rows written and the download URL once done."""
    require_token_scope(request.auth, "cases:read")
    return _out(exports.export_job_for_user(user=request.auth, job_id=job_id))


@router.get("/{job_id}/download", response={200: None, 404: ErrorOut, 409: ErrorOut},
            summary="Download an export's file", url_name="export_download",
            operation_id="cityops_analytics_export_api_export_download")
def export_download(request: AuthedRequest, job_id: int) -> FileResponse:
    """The file as an attachment; 409 while it is still being written, 404 once expired."""
    require_token_scope(request.auth, "cases:read")
    found = exports.export_file_for_user(user=request.auth, job_id=job_id)
    return FileResponse(open(found.path, "rb"), as_attachment=True, filename=found.name,
                        content_type=found.content_type)
