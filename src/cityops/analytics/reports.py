"""The statistics tables as exports (Excel / CSV): one registered kind per table of the statistics pages.

Each builder takes the page's query parameters (start, end, region, class, source, department and the
table's own), checks the caller's role and scope exactly as the page does (the same `scope_for`), and returns
a `Table` whose rows are the page's rows. Rates are fractions (Excel shows them as percentages).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from h3.api import basic_int as h3

from cityops.analytics import forecast as fc
from cityops.analytics import highs
from cityops.analytics.params import CaseFilters, Period, Scope, period_parse, positive_int, scope_for
from cityops.analytics.statistics import Dimension, StatRow, stats_by_dimension
from cityops.core.tables import ColumnKind, Table, register_report
from cityops.geo.models import Level

if TYPE_CHECKING:
    from cityops.core.typing import AnyUser

K = ColumnKind
WEEKDAY_NAMES = (gettext_lazy("Monday"), gettext_lazy("Tuesday"), gettext_lazy("Wednesday"),
                 gettext_lazy("Thursday"), gettext_lazy("Friday"), gettext_lazy("Saturday"), gettext_lazy("Sunday"))


def _scope(user: AnyUser, params: dict[str, str]) -> Scope:
    get = params.get
    return scope_for(user, CaseFilters(region=get("region") or None, catalog_class=get("class") or None,
                                       source=get("source") or None, department=get("department") or None))


def _period(params: dict[str, str]) -> Period:
    return period_parse(params.get("start") or None, params.get("end") or None)


def _notes(period: Period, scope: Scope, params: dict[str, str]) -> list[str]:
    notes = [_("Period: %(period)s (reported, local time)") % {"period": period.label()}]
    if scope.region is not None:
        notes.append(_("Region: %(name)s (%(code)s)") % {"name": scope.region.name, "code": scope.region.code})
    for name in ("class", "source", "department"):
        if params.get(name):
            notes.append(f"{name}: {params[name]}")
    return notes


def _fraction(percent: float | None) -> float | None:
    return None if percent is None else round(percent / 100.0, 4)


# --- counts and rates by dimension ---------------------------------------------------------------------------


def _stat_values(row: StatRow) -> list[Any]:
    return [row.label, row.code, row.reported, row.previous, _fraction(row.change_previous), row.year_before,
            _fraction(row.change_year), row.registered, row.closed, row.on_time_closed, row.overdue, row.voided,
            _fraction(row.closing_rate), _fraction(row.on_time_rate), _fraction(row.overdue_share)]


def _by_dimension(dimension: str) -> Callable[..., Table]:
    def build(*, user: AnyUser, params: dict[str, str]) -> Table:
        scope, period = _scope(user, params), _period(params)
        stats = stats_by_dimension(scope=scope, period=period, dimension=dimension, user=user)
        columns = [str(Dimension(dimension).label), _("Code"), _("Reported (上报数)"), _("Previous period (环比)"),
                   _("Change on previous period"), _("Year before (同比)"), _("Change on year before"),
                   _("Registered (立案数)"), _("Closed (结案数)"), _("Closed on time (按期结案数)"),
                   _("Overdue (超期数)"), _("Voided (作废数)"), _("Closing rate (结案率)"),
                   _("On-time closing rate (按期结案率)"), _("Overdue share (超期率)")]
        kinds = [K.TEXT, K.TEXT, K.INT, K.INT, K.RATE, K.INT, K.RATE, K.INT, K.INT, K.INT, K.INT, K.INT,
                 K.RATE, K.RATE, K.RATE]
        rows = [_stat_values(r) for r in stats.rows] + [_stat_values(stats.total)]
        notes = _notes(period, scope, params) + [
            _("Previous period: %(p)s; year before: %(y)s")
            % {"p": stats.previous_period.label(), "y": stats.year_before_period.label()}]
        title = _("Statistics by %(dimension)s") % {"dimension": Dimension(dimension).label}
        return Table(title=title, columns=columns, rows=rows, total=len(rows), notes=notes, kinds=kinds)

    return build


# --- the three highs -----------------------------------------------------------------------------------------


def heat_builder(*, user: AnyUser, params: dict[str, str]) -> Table:
    """Reports per weekday and local hour."""
    scope, period = _scope(user, params), _period(params)
    heat = highs.heat_table(scope=scope, period=period)
    rows = [[str(WEEKDAY_NAMES[i]), *row, sum(row)] for i, row in enumerate(heat.cells)]
    columns = [_("Weekday"), *[f"{h:02d}:00" for h in range(24)], _("Sum")]
    return Table(title=_("High-incidence times: reports by weekday and hour (高发时间)"), columns=columns, rows=rows,
                 total=7, notes=_notes(period, scope, params), kinds=[K.TEXT] + [K.INT] * 25)


def hotspots_builder(*, user: AnyUser, params: dict[str, str]) -> Table:
    """The busiest H3 hexagons with their centre."""
    scope, period = _scope(user, params), _period(params)
    resolution = highs.resolution_parse(params.get("resolution"), params.get("zoom"))
    limit = positive_int(params.get("limit"), "limit", low=1, high=5000, default=500)
    spots = highs.hotspots(scope=scope, period=period, resolution=resolution, limit=limit)
    total = sum(s.count for s in spots)

    def rows() -> Any:
        for rank, spot in enumerate(spots, start=1):
            lat, lon = h3.cell_to_latlng(spot.cell)
            yield [rank, spot.cell_hex, spot.count, round(spot.count / total, 4) if total else None,
                   round(lon, 6), round(lat, 6)]

    columns = [_("Rank"), _("H3 cell"), _("Reports"), _("Share"), _("Centre longitude"), _("Centre latitude")]
    notes = _notes(period, scope, params) + [_("H3 resolution %(r)d") % {"r": resolution}]
    return Table(title=_("High-incidence places: hexagons (高发地点)"), columns=columns, rows=rows(),
                 total=len(spots), notes=notes, kinds=[K.INT, K.TEXT, K.INT, K.RATE, K.NUMBER, K.NUMBER])


def _places_builder(level: str, title: Any) -> Callable[..., Table]:
    def build(*, user: AnyUser, params: dict[str, str]) -> Table:
        scope, period = _scope(user, params), _period(params)
        limit = positive_int(params.get("limit"), "limit", low=1, high=1000, default=10)
        places = highs.top_places(scope=scope, period=period, level=level, limit=limit)
        rows = [[p.rank, p.code, p.name, p.count, _fraction(p.share)] for p in places]
        return Table(title=str(title), columns=[_("Rank"), _("Code"), _("Name"), _("Reports"), _("Share")],
                     rows=rows, total=len(rows), notes=_notes(period, scope, params),
                     kinds=[K.INT, K.TEXT, K.TEXT, K.INT, K.RATE])

    return build


def top_classes_builder(*, user: AnyUser, params: dict[str, str]) -> Table:
    """The top classes and their count per week or month."""
    scope, period = _scope(user, params), _period(params)
    limit = positive_int(params.get("limit"), "limit", low=1, high=50, default=10)
    top = highs.top_classes(scope=scope, period=period, limit=limit,
                            granularity=params.get("granularity") or Dimension.WEEK)
    rows = [[c.rank, c.code, c.name, c.count, _fraction(c.share), *c.series] for c in top.classes]
    columns = [_("Rank"), _("Code"), _("Class"), _("Reports"), _("Share"), *[b.isoformat() for b in top.buckets]]
    return Table(title=_("High-incidence classes and their trend (高发类型)"), columns=columns, rows=rows,
                 total=len(rows), notes=_notes(period, scope, params),
                 kinds=[K.INT, K.TEXT, K.TEXT, K.INT, K.RATE] + [K.INT] * len(top.buckets))


# --- forecast ------------------------------------------------------------------------------------------------


def _forecast_builder(which: str) -> Callable[..., Table]:
    def build(*, user: AnyUser, params: dict[str, str]) -> Table:
        result = fc.forecast_requested(scope=_scope(user, params), level=params.get("level"),
                                       limit=params.get("limit"), end=params.get("end"))
        series = result.regions if which == "regions" else result.classes
        rows = [[rank, s.code, s.name, s.last_week, s.forecast, _fraction(s.change), *s.daily, s.method, s.mae,
                 _fraction(s.mape), s.baseline_mae, _fraction(s.baseline_mape)] for rank, s in enumerate(series, 1)]
        columns = [_("Rank"), _("Code"), _("Name"), _("Last week"), _("Expected next week"), _("Change"),
                   *[d.isoformat() for d in result.days], _("Method"), _("Backtest MAE (per week)"),
                   _("Backtest MAPE"), _("Seasonal-naive MAE"), _("Seasonal-naive MAPE")]
        kinds = [K.INT, K.TEXT, K.TEXT, K.INT, K.NUMBER, K.RATE, *[K.NUMBER] * 7, K.TEXT, K.NUMBER, K.RATE,
                 K.NUMBER, K.RATE]
        title = (_("Forecast of next week per region (where to send inspectors)") if which == "regions"
                 else _("Forecast of next week per class"))
        notes = [_("History up to %(day)s; forecast %(first)s – %(last)s")
                 % {"day": result.as_of.isoformat(), "first": result.days[0].isoformat(),
                    "last": result.days[-1].isoformat()}]
        return Table(title=title, columns=columns, rows=rows, total=len(rows), notes=notes, kinds=kinds)

    return build


for _value, _label in Dimension.choices:
    register_report(f"analytics.by_{_value}", format_lazy(gettext_lazy("Statistics by {dimension}"), dimension=_label),
                    _by_dimension(_value))
register_report("analytics.heat", gettext_lazy("High-incidence times (高发时间)"), heat_builder)
register_report("analytics.hotspots", gettext_lazy("High-incidence places: hexagons (高发地点)"), hotspots_builder)
register_report("analytics.top_grids", gettext_lazy("Top unit grids (高发网格)"),
                _places_builder(Level.GRID, gettext_lazy("Top unit grids (高发网格)")))
register_report("analytics.top_streets", gettext_lazy("Top streets (高发街道)"),
                _places_builder(Level.STREET, gettext_lazy("Top streets (高发街道)")))
register_report("analytics.top_classes", gettext_lazy("High-incidence classes (高发类型)"), top_classes_builder)
register_report("analytics.forecast_regions", gettext_lazy("Forecast per region (预测)"), _forecast_builder("regions"))
register_report("analytics.forecast_classes", gettext_lazy("Forecast per class (预测)"), _forecast_builder("classes"))
