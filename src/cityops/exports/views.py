"""Pages of the exports (/console/exports/): start an export, my exports with progress, download, monthly report.

Thin views: parse the request, call `exports.services` (the same functions the API calls), and turn a
domain refusal into a form error or a 404. Files are served only here, after the ownership check.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from cityops.analytics import report_tables
from cityops.core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from cityops.core.tables import ColumnKind
from cityops.exports import services as exports
from cityops.exports.models import ExportFormat, ExportJob, ExportState

# Form fields that are not the report's own parameters.
_NOT_PARAMS = frozenset({"kind", "format", "csrfmiddlewaretoken"})
_ACTIVE = (ExportState.QUEUED, ExportState.RUNNING)


@login_required
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponseBase:
    """GET: a small form prefilled from the query (?kind=&format=&…params); POST: start the export."""
    data = request.POST if request.method == "POST" else request.GET
    kind, fmt = data.get("kind", ""), data.get("format", ExportFormat.XLSX)
    params = {name: data.get(name, "") for name in data if name not in _NOT_PARAMS}
    if request.method == "GET":
        return _start_form(request, kind=kind, fmt=fmt, params=params)
    try:
        job = exports.export_start(user=request.user, kind=kind, params=params, fmt=fmt)
    except DomainError as exc:
        return _start_form(request, kind=kind, fmt=fmt, params=params, error=exc)
    if job.is_downloadable:  # small enough: written in this request, downloaded at once
        return _file_response(request, job.pk)
    if job.state == ExportState.QUEUED:
        messages.info(request, _("The export is being prepared; this page shows its progress."))
    return redirect("exports:job", job_id=job.pk)


def _start_form(request: HttpRequest, *, kind: str, fmt: str, params: dict[str, str],
                error: DomainError | None = None) -> HttpResponse:
    params = dict(params)
    field = (error.field or "") if error else ""
    name = field.removeprefix("params.")
    if error and name and name not in _NOT_PARAMS and name not in params:
        params[name] = ""  # the builder asked for a parameter the form did not have: offer an input for it
    context = {
        "page": "exports", "kinds": exports.export_kinds_for_user(user=request.user), "kind": kind,
        "format": fmt if fmt in ExportFormat.values else ExportFormat.XLSX, "formats": ExportFormat.choices,
        "params": params, "error": error, "error_field": name if error else "",
    }
    return render(request, "exports/start.html", context, status=error.status if error else 200)


@login_required
@require_GET
def job_list(request: HttpRequest) -> HttpResponse:
    """My exports with their state and progress (htmx refreshes the list while one is running)."""
    jobs = exports.export_jobs_for_user(user=request.user)
    context = {"page": "exports", "jobs": jobs, "polling": any(j.state in _ACTIVE for j in jobs)}
    if request.headers.get("HX-Request") == "true":
        return render(request, "exports/_jobs.html", context)
    return render(request, "exports/list.html", context)


@login_required
@require_GET
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    """One export's progress, error or download link."""
    job = _job(request, job_id)
    context = {"page": "exports", "job": job, "polling": job.state in _ACTIVE}
    if request.headers.get("HX-Request") == "true":
        return render(request, "exports/_job.html", context)
    return render(request, "exports/job.html", context)


@login_required
@require_GET
def download(request: HttpRequest, job_id: int) -> HttpResponseBase:
    """The export's file, for its requester or an admin only (404 for anyone else)."""
    return _file_response(request, job_id)


def _job(request: HttpRequest, job_id: Any) -> ExportJob:
    try:
        return exports.export_job_for_user(user=request.user, job_id=job_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _file_response(request: HttpRequest, job_id: Any) -> HttpResponseBase:
    try:
        found = exports.export_file_for_user(user=request.user, job_id=job_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except Conflict:  # not written yet: the job page shows the progress
        return redirect("exports:job", job_id=job_id)
    return FileResponse(open(found.path, "rb"), as_attachment=True, filename=found.name,
                        content_type=found.content_type)


@login_required
@require_GET
def monthly_report(request: HttpRequest) -> HttpResponse:
    """The printable monthly report (月度报告) of the viewer's scope (?month=YYYY-MM, default last month)."""
    month = request.GET.get("month", "").strip()
    error = None
    try:
        report = report_tables.monthly_report_for_user(user=request.user, month=month or None)
    except Forbidden as exc:
        return render(request, "cases/forbidden.html", {"message": exc.message}, status=403)
    except InvalidInput as exc:  # a malformed month: say so, show last month
        error = exc
        report = report_tables.monthly_report_for_user(user=request.user)
    context = {
        "page": "exports", "report": report, "error": error, "month": f"{report.month:%Y-%m}",
        "headline": [_headline_row(*row) for row in report_tables.headline_rows(report)],
        "rankings": [_ranking_view(r) for r in report.rankings],
        "classes": [{**c, "share": _show(c["share"], ColumnKind.RATE)} for c in report.top_classes],
        "export_kind": report_tables.KIND,
    }
    return render(request, "analytics/report_monthly.html", context, status=422 if error else 200)


def _headline_row(label: str, now: Any, before: Any, kind: str) -> dict[str, Any]:
    change = ""
    if now is not None and before is not None:
        delta = now - before
        change = (f"{delta * 100:+.2f} pp" if kind == ColumnKind.RATE else f"{delta:+d}") if delta else "±0"
    return {"label": label, "value": _show(now, kind), "previous": _show(before, kind), "change": change}


def _ranking_view(ranking: report_tables.Ranking) -> dict[str, Any]:
    kinds = [kind for _name, kind in ranking.columns]
    rows = [{**row, "composite": _show(row["composite"], ColumnKind.NUMBER),
             "values": [_show(v, k) for v, k in zip(row["values"], kinds, strict=True)]} for row in ranking.rows]
    return {"label": ranking.label, "kind": ranking.kind, "columns": [n for n, _k in ranking.columns], "rows": rows,
            "published": ranking.published, "refused": ranking.refused}


def _show(value: Any, kind: str) -> str:
    """A number as the page prints it: rates as percentages, scores with two decimals, "—" for none."""
    if value is None:
        return "—"
    if kind == ColumnKind.RATE:
        return f"{value * 100:.2f}%"
    if kind == ColumnKind.NUMBER:
        # A count (cases registered) prints whole; a ratio (cases per unit grid) with two decimals.
        return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}"
    return str(value)
