"""Pages of the comprehensive evaluation (/console/evaluation/): ranking per kind, drill-down, snapshots.

Thin views over `evaluation.selectors` and `evaluation.services` (the ones the API calls): a domain error
becomes a form message (bad period), a 403 page or a 404.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cityops.core.errors import DomainError, Forbidden, InvalidInput, NotFound
from cityops.core.permissions import is_platform_admin
from cityops.evaluation import selectors, services
from cityops.evaluation.counters import COUNTERS, USER_KINDS
from cityops.evaluation.kinds import ScoringMethod, SubjectKind
from cityops.evaluation.params import last_month, month_bounds, parse_kind, resolve_period
from cityops.evaluation.reports import indicator_label
from cityops.evaluation.scoring import EvaluationResult
from cityops.evaluation.visibility import visible_kinds
from cityops.geo.models import Region
from cityops.org.models import Department, User

DRILLDOWN_LIMIT = 200
# Subjects a ranking page shows at once: a city has tens of thousands of unit grids (the export has them all).
PAGE_SIZE = 100


def _forbidden(request: HttpRequest, exc: Forbidden) -> HttpResponse:
    return render(request, "cases/forbidden.html", {"message": exc.message}, status=403)


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Tabs per subject kind, a period picker (last month by default) and the ranking table."""
    kinds = visible_kinds(request.user)
    if not kinds:
        return _forbidden(request, Forbidden(_("You may not see this evaluation.")))
    kind = request.GET.get("kind") or kinds[0]
    if kind not in kinds:
        return _forbidden(request, Forbidden(_("You may not see this evaluation."))) if kind in SubjectKind.values \
            else _bad_kind(request, kinds, kind)
    period = _period_fields(request)
    context: dict[str, Any] = {"page": "evaluation", "kinds": _tabs(kinds, kind, period), "kind": kind,
                               "kind_label": SubjectKind(kind).label, "period": period, "error": None}
    try:
        start, end = resolve_period(**{k: v or None for k, v in period.items() if k != "region"})
        result = selectors.evaluation_results(user=request.user, kind=kind, start=start, end=end,
                                              region=period["region"] or None)
    except (InvalidInput, NotFound) as exc:
        context["error"] = exc
        return render(request, "evaluation/index.html", context, status=exc.status)
    context.update(_result_context(request, result))
    context["publish_month"] = _publishable_month(request, result)
    return render(request, "evaluation/index.html", context)


def _bad_kind(request: HttpRequest, kinds: list[str], kind: str) -> HttpResponse:
    context = {"page": "evaluation", "kinds": _tabs(kinds, "", {}), "kind": "", "period": _period_fields(request),
               "error": InvalidInput(_("Unknown subject kind %(kind)r.") % {"kind": kind[:40]}, field="kind")}
    return render(request, "evaluation/index.html", context, status=422)


def _period_fields(request: HttpRequest) -> dict[str, str]:
    """The picker's values; with nothing chosen, last month."""
    fields = {name: (request.GET.get(name) or "").strip() for name in ("month", "start", "end", "region")}
    if not (fields["month"] or fields["start"] or fields["end"]):
        fields["month"] = f"{last_month():%Y-%m}"
    return fields


def _tabs(kinds: list[str], current: str, period: dict[str, str]) -> list[dict[str, Any]]:
    query = {k: v for k, v in period.items() if v}
    return [{"kind": k, "label": SubjectKind(k).label, "active": k == current,
             "url": "?" + urlencode({"kind": k, **query})} for k in kinds]


def _result_context(request: HttpRequest, result: EvaluationResult) -> dict[str, Any]:
    """Everything the ranking table shows: the counters the formulas use, linked to their cases; scores; grades.

    One page of the ranking (`?page=`), optionally only the subjects whose code or name contains `?find=`.
    """
    used = [c for c, _label in result.counters if any(c in (i.numerator, i.denominator) for i in result.indicators)]
    labels = dict(result.counters)
    period = {"start": result.start.isoformat(), "end": result.end.isoformat()}
    find = (request.GET.get("find") or "").strip()[:60]
    needle = find.casefold()
    found = [r for r in result.rows if needle in r.code.casefold() or needle in r.name.casefold()] \
        if find else result.rows
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for row in page.object_list:
        cells = [{"value": row.counters.get(code, 0),
                  "url": _drill_url(result.kind, row.subject_id, code, period) if _is_case_count(result.kind, code)
                  and row.counters.get(code) else ""} for code in used]
        indicators = [{"value": _format_value(ind, row.values.get(ind.code)), "score": row.scores.get(ind.code)}
                      for ind in result.indicators]
        rows.append({"row": row, "cells": cells, "indicators": indicators})
    return {
        "result": result, "rows": rows, "counter_columns": [labels[c] for c in used],
        "page_obj": page, "find": find, "subjects_total": len(result.rows), "subjects_found": len(found),
        "page_links": _page_links(request, page),
        "indicator_columns": [{"label": indicator_label(i), "weight": i.weight, "def": i} for i in result.indicators],
        "grades": result.grades, "export_url": _export_url(result),
    }


def _page_links(request: HttpRequest, page: Any) -> dict[str, str]:
    """The query strings of the first, previous, next and last pages, keeping the period, kind and search."""
    query = {k: v for k, v in request.GET.items() if k != "page"}

    def link(number: int) -> str:
        return "?" + urlencode({**query, "page": number})

    links = {}
    if page.has_previous():
        links.update(first=link(1), previous=link(page.previous_page_number()))
    if page.has_next():
        links.update(next=link(page.next_page_number()), last=link(page.paginator.num_pages))
    return links


def _is_case_count(kind: str, code: str) -> bool:
    counter = COUNTERS[kind].get(code)
    return bool(counter and counter.parts)


def _drill_url(kind: str, subject_id: int, counter: str, period: dict[str, str]) -> str:
    query = urlencode({"kind": kind, "subject": subject_id, "counter": counter, **period})
    return f"{reverse('evaluation:drilldown')}?{query}"


def _format_value(ind: Any, value: float | None) -> str:
    if value is None:
        return "—"
    if ind.method == ScoringMethod.BINS:
        return f"{value:g}" if float(value).is_integer() else f"{value:.2f}"
    return f"{value * 100:.2f}%"


def _export_url(result: EvaluationResult) -> str:
    """The export page for this table; empty while the exports app does not offer one."""
    params: dict[str, str] = {"kind": f"evaluation.{result.kind}"}
    if result.snapshot is not None:
        params["month"] = f"{result.snapshot.month:%Y-%m}"
    else:
        params.update(start=result.start.isoformat(), end=result.end.isoformat())
    if result.region:
        params["region"] = result.region
    try:
        return f"{reverse('exports:start')}?{urlencode(params)}"
    except NoReverseMatch:
        return ""


def _publishable_month(request: HttpRequest, result: EvaluationResult) -> str:
    """The month the user may publish from this page ("2026-03"), or "" (not a whole ended month, or no role)."""
    user = request.user
    if result.snapshot is not None or not (is_platform_admin(user) or user.has_role(*services.PUBLISH_ROLES)):
        return ""
    first, last = month_bounds(result.start)
    if (first, last) != (result.start, result.end) or last >= timezone.localdate():
        return ""
    return f"{first:%Y-%m}"


@login_required
@require_GET
def drilldown(request: HttpRequest) -> HttpResponse:
    """The cases behind one count of one subject, each linking to its console page."""
    data = request.GET
    try:
        kind = parse_kind(data.get("kind", ""))
        start, end = resolve_period(start=data.get("start") or None, end=data.get("end") or None,
                                              month=data.get("month") or None)
        subject = _int(data.get("subject"), "subject")
        counter = data.get("counter", "")
        cases = selectors.evaluation_drilldown(user=request.user, kind=kind, subject_id=subject, counter=counter,
                                               start=start, end=end)
    except Forbidden as exc:
        return _forbidden(request, exc)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except InvalidInput as exc:
        return render(request, "evaluation/drilldown.html", {"page": "evaluation", "error": exc}, status=422)
    total = cases.count()
    context = {
        "page": "evaluation", "items": list(cases[:DRILLDOWN_LIMIT]), "total": total, "limit": DRILLDOWN_LIMIT,
        "kind": kind, "kind_label": SubjectKind(kind).label, "counter_label": COUNTERS[kind][counter].label,
        "subject_name": _subject_name(kind, subject), "start": start, "end": end,
        "back_url": f"{reverse('evaluation:index')}?{urlencode({'kind': kind, 'start': start, 'end': end})}",
    }
    return render(request, "evaluation/drilldown.html", context)


def _int(value: str | None, name: str) -> int:
    try:
        return int(value or "")
    except ValueError:
        raise InvalidInput(_("%(name)s must be a whole number.") % {"name": name}, field=name) from None


def _subject_name(kind: str, subject_id: int) -> str:
    model = User if kind in USER_KINDS else Department if kind == SubjectKind.DEPARTMENT else Region
    return str(model.objects.filter(pk=subject_id).first() or subject_id)


@login_required
@require_GET
def snapshot_list(request: HttpRequest) -> HttpResponse:
    """Published months, newest first."""
    try:
        snapshots = list(selectors.snapshot_list(user=request.user))
    except Forbidden as exc:
        return _forbidden(request, exc)
    kinds = set(visible_kinds(request.user))
    return render(request, "evaluation/snapshots.html",
                  {"page": "evaluation", "snapshots": [s for s in snapshots if s.kind in kinds]})


@login_required
@require_GET
def snapshot_detail(request: HttpRequest, snapshot_id: int) -> HttpResponse:
    """One published month, as frozen (only the subjects the viewer may see)."""
    try:
        snapshot = selectors.snapshot_get(user=request.user, snapshot_id=snapshot_id)
        result = selectors.snapshot_result(user=request.user, snapshot=snapshot)
    except Forbidden as exc:
        return _forbidden(request, exc)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    context = {"page": "evaluation", "kind": snapshot.kind, "kind_label": SubjectKind(snapshot.kind).label,
               "snapshot": snapshot, **_result_context(request, result)}
    return render(request, "evaluation/snapshot.html", context)


@login_required
@require_POST
def publish(request: HttpRequest) -> HttpResponse:
    """Publish a month (shift leader, leader, admin) and show its snapshot."""
    kind, month = request.POST.get("kind", ""), request.POST.get("month", "")
    try:
        snapshot = services.evaluation_snapshot_publish(kind=kind, month=month, actor=request.user)
    except Forbidden as exc:
        return _forbidden(request, exc)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(f"{reverse('evaluation:index')}?{urlencode({'kind': kind, 'month': month})}")
    messages.success(request, _("Published. This month's ranking will not change any more."))
    return redirect("evaluation:snapshot", snapshot_id=snapshot.pk)
