"""The statistics tables registered for Excel / CSV export: same rows as the pages, same access rules."""

from __future__ import annotations

import pytest

from cityops.cases.models import CaseState
from cityops.core.errors import Forbidden, InvalidInput, NotFound
from cityops.core.tables import report_kind
from tests.analytics.conftest import EAST_4, WEST_1

MARCH = {"start": "2026-03-01", "end": "2026-03-31"}
KINDS = ["analytics.by_class", "analytics.by_region", "analytics.by_day", "analytics.heat", "analytics.hotspots",
         "analytics.top_grids", "analytics.top_streets", "analytics.top_classes", "analytics.forecast_regions",
         "analytics.forecast_classes"]


@pytest.fixture
def history(put):
    put((2026, 3, 2, 9), state=CaseState.CLOSED)
    put((2026, 3, 2, 9, 30), point=EAST_4)
    put((2026, 3, 3, 21), point=WEST_1, catalog_class="matter:09006")
    put((2026, 2, 10, 9))


def build(kind, user, **params):
    return report_kind(kind).builder(user=user, params={**MARCH, **params})


def test_every_statistics_table_is_registered_for_export():
    for kind in KINDS:
        assert report_kind(kind) is not None, kind


def test_by_class_rows_carry_counts_comparisons_and_rates_as_fractions(history, staff):
    table = build("analytics.by_class", staff["admin"])
    assert table.columns[:3] == ["Class (类别)", "Code", "Reported (上报数)"]
    rows = list(table.rows)
    assert rows[0][:8] == ["暴露垃圾", "matter:06010", 2, 1, 1.0, 0, None, 1]
    assert rows[0][12] == 1.0  # closing rate 100 % as a fraction
    assert rows[-1][:3] == ["Total", "", 3] and table.total == 3
    assert len(table.kinds) == len(table.columns) and "Period: 2026-03-01 – 2026-03-31" in table.notes[0]


def test_heat_hotspots_places_classes_and_forecast_tables(history, staff):
    heat = list(build("analytics.heat", staff["admin"]).rows)
    assert heat[0][0] == "Monday" and heat[0][1 + 9] == 2 and heat[0][-1] == 2
    spots = list(build("analytics.hotspots", staff["admin"], resolution="5").rows)
    assert [row[2] for row in spots] == [3] and spots[0][3] == 1.0
    grids = list(build("analytics.top_grids", staff["admin"], limit="2").rows)
    assert [(r[1], r[3]) for r in grids] == [("510104001001001", 1), ("510104001001004", 1)]
    streets = list(build("analytics.top_streets", staff["admin"]).rows)
    assert [(r[2], r[3], r[4]) for r in streets] == [("东区一街道", 2, 0.667), ("西区一街道", 1, 0.333)]
    classes = build("analytics.top_classes", staff["admin"], granularity="month")
    assert classes.columns[-1] == "2026-03-01" and list(classes.rows)[0][-1] == 2
    regions = build("analytics.forecast_regions", staff["admin"], level="district")
    assert [r[1] for r in regions.rows] == ["510104", "510105"] and "2026-04-01" in regions.columns


def test_export_builders_keep_to_the_callers_scope(history, staff):
    rows = list(build("analytics.by_district", staff["west_leader"]).rows)
    assert [r[1] for r in rows] == ["510105", ""]  # 西区 and the total line
    with pytest.raises(Forbidden):
        build("analytics.heat", staff["inspector"])
    with pytest.raises(NotFound):
        build("analytics.top_grids", staff["west_leader"], region="510104")


@pytest.mark.parametrize(("kind", "params", "field"), [
    ("analytics.by_class", {"start": "2026-04-01"}, "start"),
    ("analytics.hotspots", {"resolution": "2"}, "resolution"),
    ("analytics.top_grids", {"limit": "0"}, "limit"),
    ("analytics.top_classes", {"granularity": "year"}, "granularity"),
    ("analytics.forecast_regions", {"level": "grid"}, "level"),
    ("analytics.by_state", {"source": "pigeon"}, "source"),
])
def test_export_builders_refuse_bad_parameters_before_any_row(staff, kind, params, field):
    with pytest.raises(InvalidInput) as err:
        build(kind, staff["admin"], **params)
    assert err.value.field == field
