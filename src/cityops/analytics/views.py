"""Statistics pages (/console/analytics/): counts and rates, the three highs, next week's forecast.

Thin views: read the query string, call the same selectors as the API (`statistics`, `highs`, `forecast`),
render. A missing role is a 403 page, a region outside the scope a 404, a bad parameter a 422 page that
names it. Every table links to its Excel / CSV export (the exports app, when installed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from shapely.geometry import mapping

from cityops.analytics import charts, highs
from cityops.analytics import forecast as fc
from cityops.analytics.params import (
    CaseFilters,
    Period,
    Scope,
    period_parse,
    period_presets,
    positive_int,
    scope_for,
)
from cityops.analytics.statistics import TIME_DIMENSIONS, Dimension, DimensionStats, stats_by_dimension
from cityops.cases.models import Source
from cityops.core.errors import Forbidden, InvalidInput, NotFound
from cityops.geo.geometry import from_wkb
from cityops.geo.models import Level, Region

# The query parameters the pages understand (kept in links between tabs, drill-downs and exports).
FILTER_PARAMS = ("start", "end", "region", "class", "source", "department")
PAGE_ROWS = 200  # rows of a statistics table on the page (the export has them all)
WEEKDAYS = [gettext_lazy("Mon"), gettext_lazy("Tue"), gettext_lazy("Wed"), gettext_lazy("Thu"), gettext_lazy("Fri"),
            gettext_lazy("Sat"), gettext_lazy("Sun")]


def _page(name: str) -> Callable[[Callable[[HttpRequest], tuple[str, dict[str, Any]]]], Callable[..., HttpResponse]]:
    """Render a page's template from its context; domain errors become 403 / 404 / 422 pages.

    `name` marks the page in the navigation (`page` in the templates), on the error pages too.
    """
    return lambda view: _rendered(view, name)


def _rendered(view: Callable[[HttpRequest], tuple[str, dict[str, Any]]], name: str) -> Callable[..., HttpResponse]:
    def wrapper(request: HttpRequest) -> HttpResponse:
        try:
            template, context = view(request)
        except Forbidden as exc:
            return render(request, "cases/forbidden.html", {"message": exc.message}, status=403)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except InvalidInput as exc:
            # The form shows what was typed; the default period only fills what was left empty.
            context = {**_base(request), "error": exc, "page": name, "period": period_parse(None, None)}
            return render(request, "analytics/invalid.html", context, status=422)
        return render(request, template, {**_base(request), **context, "page": name})

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return login_required(require_GET(wrapper))


def _base(request: HttpRequest) -> dict[str, Any]:
    params = {name: request.GET.get(name, "").strip() for name in FILTER_PARAMS}
    presets = [(label, _link(request, start=p.start.isoformat(), end=p.end.isoformat(),
                             **{k: request.GET[k] for k in ("dimension", "resolution", "granularity", "limit")
                                if request.GET.get(k)}))
               for label, p in period_presets()]
    return {"params": params, "sources": Source.choices, "presets": presets,
            "query": urlencode({k: v for k, v in params.items() if v})}


def _filters(request: HttpRequest) -> CaseFilters:
    get = request.GET.get
    return CaseFilters(region=get("region") or None, catalog_class=get("class") or None,
                       source=get("source") or None, department=get("department") or None)


def _scope_and_period(request: HttpRequest, *, default_days: int = 30) -> tuple[Scope, Period]:
    scope = scope_for(request.user, _filters(request))
    return scope, period_parse(request.GET.get("start"), request.GET.get("end"), default_days=default_days)


def export_links(request: HttpRequest, kind: str, **extra: str) -> dict[str, str] | None:
    """Excel and CSV download links of the table `kind` with the page's parameters (None without exports)."""
    try:
        base = reverse("exports:start")
    except NoReverseMatch:
        return None
    params = {name: request.GET.get(name, "") for name in FILTER_PARAMS if request.GET.get(name)}
    params.update({k: v for k, v in extra.items() if v})
    return {fmt: f"{base}?{urlencode({'kind': kind, **params, 'format': fmt})}" for fmt in ("xlsx", "csv")}


def _link(request: HttpRequest, **changes: str) -> str:
    """This page's query string with some parameters changed (empty values dropped)."""
    params = {name: request.GET.get(name, "") for name in (*FILTER_PARAMS, "dimension") if name not in changes}
    params.update(changes)
    return "?" + urlencode({k: v for k, v in params.items() if v})


# --- statistics ----------------------------------------------------------------------------------------------


@_page("index")
def index(request: HttpRequest) -> tuple[str, dict[str, Any]]:
    """Counts and rates for a period by one dimension, with 环比 and 同比 and a chart."""
    scope, period = _scope_and_period(request)
    dimension = request.GET.get("dimension") or Dimension.CLASS
    limit = positive_int(request.GET.get("limit"), "limit", low=1, high=5000, default=PAGE_ROWS)
    stats = stats_by_dimension(scope=scope, period=period, dimension=dimension, user=request.user, limit=limit)
    context = {
        "stats": stats, "period": period, "dimension": stats.dimension,
        "tabs": [(value, label, _link(request, dimension=value)) for value, label in Dimension.choices],
        "peak": max((r.reported for r in stats.rows), default=0),
        "rows": [(r, _link(request, dimension=Dimension.REGION, region=r.drill) if r.drill else "") for r in stats.rows],
        "dimension_label": Dimension(stats.dimension).label, "dimension_field": [("dimension", stats.dimension)],
        "breadcrumbs": _breadcrumbs(request, scope.region),
        "chart": _time_chart(stats) if stats.dimension in TIME_DIMENSIONS else "",
        "palette": charts.PALETTE,
        "export": export_links(request, f"analytics.by_{stats.dimension}"),
    }
    return "analytics/index.html", context


def _breadcrumbs(request: HttpRequest, region: Region | None) -> list[tuple[str, str]]:
    """The drilled region's ancestors as links (the top is the whole scope)."""
    if region is None:
        return []
    codes = [c for c in region.path.strip("/").split("/")]
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    crumbs = [(_("All"), _link(request, dimension=Dimension.REGION, region=""))]
    crumbs += [(names.get(c, c), _link(request, dimension=Dimension.REGION, region=c)) for c in codes]
    return crumbs


def _time_chart(stats: DimensionStats) -> str:
    labels = [r.label for r in stats.rows]
    return charts.line_chart(labels, [
        charts.Line([r.reported for r in stats.rows], charts.PALETTE[0]),
        charts.Line([r.previous for r in stats.rows], charts.PALETTE[2], dashed=True, width=1.2),
        charts.Line([r.year_before for r in stats.rows], charts.PALETTE[3], dashed=True, width=1.2),
    ])


# --- the three highs -----------------------------------------------------------------------------------------


@_page("highs")
def highs_page(request: HttpRequest) -> tuple[str, dict[str, Any]]:
    """High-incidence times (heat table), places (hexagon map, top grids and streets) and classes (trend)."""
    scope, period = _scope_and_period(request)
    resolution = highs.resolution_parse(request.GET.get("resolution"))
    granularity = request.GET.get("granularity") or Dimension.WEEK
    limit = positive_int(request.GET.get("limit"), "limit", low=1, high=30, default=10)
    heat = highs.heat_table(scope=scope, period=period)
    spots = highs.hotspots(scope=scope, period=period, resolution=resolution)
    top = highs.top_classes(scope=scope, period=period, limit=limit, granularity=granularity)
    context = {
        "period": period, "resolution": resolution, "resolutions": range(5, 11),
        "granularity": granularity, "limit": limit,
        "heat_rows": [(WEEKDAYS[i], [(n, heat.level(n)) for n in row], sum(row)) for i, row in enumerate(heat.cells)],
        "hour_totals": [sum(col) for col in zip(*heat.cells, strict=True)], "heat": heat,
        "hotspots_data": highs.hotspots_geojson(spots, resolution=resolution),
        "hotspots_api": reverse("api-v1:analytics-hotspots") + "?" + urlencode(
            {k: request.GET[k] for k in FILTER_PARAMS if request.GET.get(k)} | {"start": period.start.isoformat(),
                                                                               "end": period.end.isoformat()}),
        "fixed_resolution": bool(request.GET.get("resolution")), "tile_url": settings.CITYOPS_TILE_URL,
        "outline_data": _outline(scope),
        "top_spots": spots[:10],
        "top_grids": highs.top_places(scope=scope, period=period, level=Level.GRID, limit=limit),
        "top_streets": highs.top_places(scope=scope, period=period, level=Level.STREET, limit=limit),
        "top": top, "trend_chart": _trend_chart(top), "palette": charts.PALETTE,
        "export": {
            "heat": export_links(request, "analytics.heat"),
            "hotspots": export_links(request, "analytics.hotspots", resolution=str(resolution)),
            "grids": export_links(request, "analytics.top_grids", limit=str(limit)),
            "streets": export_links(request, "analytics.top_streets", limit=str(limit)),
            "classes": export_links(request, "analytics.top_classes", limit=str(limit), granularity=granularity),
        },
    }
    return "analytics/highs.html", context


def _outline(scope: Scope) -> dict[str, Any]:
    """The drilled region (or nothing): the map fits the hexagons otherwise."""
    if scope.region is None:
        return {"type": "FeatureCollection", "features": []}
    region = Region.objects.get(pk=scope.region.pk)
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": mapping(from_wkb(region.geom_wkb)), "properties": {"name": region.name}}]}


def _trend_chart(top: highs.TopClasses) -> str:
    labels = [b.strftime("%m-%d") if top.granularity == Dimension.WEEK else b.strftime("%Y-%m") for b in top.buckets]
    lines = [charts.Line(c.series, charts.PALETTE[i % len(charts.PALETTE)]) for i, c in enumerate(top.classes)]
    return charts.line_chart(labels, lines)


# --- forecast ------------------------------------------------------------------------------------------------


@_page("forecast")
def forecast_page(request: HttpRequest) -> tuple[str, dict[str, Any]]:
    """Next week's expected reports per region and class, the backtest error, where to send inspectors."""
    scope = scope_for(request.user, _filters(request))
    result = fc.forecast_requested(scope=scope, level=request.GET.get("level"), limit=request.GET.get("limit"),
                                   end=request.GET.get("end"))
    level, limit = result.level, result.limit
    context = {
        "result": result, "level": level, "limit": limit,
        "levels": [(value, label) for value, label in Level.choices if value in fc.LEVEL_FIELDS],
        "chart": _forecast_chart(result), "palette": charts.PALETTE,
        "export": {
            "regions": export_links(request, "analytics.forecast_regions", level=level, limit=str(limit)),
            "classes": export_links(request, "analytics.forecast_classes", limit=str(limit)),
        },
    }
    return "analytics/forecast.html", context


def _forecast_chart(result: fc.Forecast) -> str:
    """The last four weeks' weekly counts (actual, model, baseline) and next week's forecast."""
    total = result.total
    if total is None or not total.backtest:
        return ""
    weeks = total.backtest
    labels = [w.start.strftime("%m-%d") for w in weeks] + [result.days[0].strftime("%m-%d")]
    return charts.line_chart(labels, [
        charts.Line([w.actual for w in weeks] + [None], charts.PALETTE[0]),
        charts.Line([w.predicted for w in weeks] + [total.forecast], charts.PALETTE[1], dashed=True),
        charts.Line([w.baseline for w in weeks] + [float(total.last_week)], charts.PALETTE[3], dashed=True, width=1.2),
    ], height=2.4, shade_from=len(weeks))
