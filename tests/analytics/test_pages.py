"""The statistics pages (/console/analytics/): real numbers, drill-down, the three highs, the forecast, access."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from cityops.cases.models import CaseState
from tests.analytics.conftest import EAST_4, WEST_1

MARCH = "start=2026-03-01&end=2026-03-31"


@pytest.fixture
def history(put):
    put((2026, 3, 2, 9), state=CaseState.CLOSED)
    put((2026, 3, 2, 9, 30), point=EAST_4)
    put((2026, 3, 3, 21), point=WEST_1, catalog_class="matter:09006")
    put((2026, 2, 10, 9))


def page(client, user, name, query=""):
    client.force_login(user)
    return client.get(f"{reverse(name)}?{query}")


def cells(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", html, re.S)]


def test_the_statistics_page_shows_counts_comparisons_and_export_links(client, history, staff):
    response = page(client, staff["leader"], "analytics:index", f"dimension=class&{MARCH}")
    assert response.status_code == 200
    html = response.content.decode()
    values = cells(html)
    garbage = values.index("暴露垃圾 matter:06010")
    # reported, bar, previous, change, year before, change, registered, closed, closing rate …
    assert values[garbage + 1:garbage + 9] == ["2", "", "1", "+100.0%", "0", "–", "1", "1"]
    assert "kind=analytics.by_class" in html and "format=xlsx" in html and "format=csv" in html
    assert 'class="active" aria-current="page">Class' in html
    assert 'id="nav-analytics" class="active"' in html


def test_region_rows_drill_down_to_the_next_level(client, history, staff):
    html = page(client, staff["admin"], "analytics:index", f"dimension=region&{MARCH}").content.decode()
    assert "region=510104" in html and "东区" in html and "西区" in html
    html = page(client, staff["admin"], "analytics:index", f"dimension=region&region=510104&{MARCH}").content.decode()
    assert "东区一街道" in html and "西区" not in html.split("<table")[1]
    assert 'class="crumbs"' in html
    html = page(client, staff["admin"], "analytics:index", f"dimension=grid&limit=1&{MARCH}").content.decode()
    assert "2 less reported rows are not shown" in html


def test_a_time_dimension_draws_an_svg_chart(client, history, staff):
    html = page(client, staff["admin"], "analytics:index", f"dimension=day&{MARCH}").content.decode()
    assert "<svg" in html and "2026-03-02" in html


def test_the_three_highs_page(client, history, staff):
    response = page(client, staff["admin"], "analytics:highs", MARCH)
    assert response.status_code == 200
    html = response.content.decode()
    data = json.loads(re.search(r'id="hotspots-data" type="application/json">(.*?)</script>', html, re.S).group(1))
    assert data["resolution"] == 8 and sum(f["properties"]["count"] for f in data["features"]) == 3
    assert '<td class="heat-5">2</td>' in html  # Monday 09:00 holds the two east reports
    assert "东区网格1" in html and "东区网格4" in html and "东区一街道" in html  # top grids and streets
    assert "暴露垃圾" in html and "<svg" in html  # top classes with their trend chart
    assert "kind=analytics.heat" in html and "kind=analytics.top_grids" in html
    assert "/api/v1/analytics/hotspots?" in html  # the map refetches hexagons for the zoom
    fixed = page(client, staff["admin"], "analytics:highs", f"resolution=10&{MARCH}").content.decode()
    assert "data-api" not in fixed


def test_the_forecast_page_ranks_regions(client, history, staff):
    response = page(client, staff["admin"], "analytics:forecast", "end=2026-03-31")
    assert response.status_code == 200
    html = response.content.decode()
    assert "东区一街道" in html and "Where to send inspectors" in html and "MAE" in html
    assert html.index("东区一街道") < html.index("西区一街道")
    assert "kind=analytics.forecast_regions" in html


def test_a_handler_sees_only_their_departments_numbers(client, history, put, staff):
    put((2026, 3, 4, 9), point=WEST_1, department=staff["handler"].department, state=CaseState.DISPATCHED)
    html = page(client, staff["handler"], "analytics:index", f"dimension=district&{MARCH}").content.decode()
    assert "西区" in html and "东区" not in html.split("<table")[1]


@pytest.mark.parametrize("name", ["analytics:index", "analytics:highs", "analytics:forecast"])
def test_inspectors_get_403_and_anonymous_users_the_login_page(client, staff, name):
    assert page(client, staff["inspector"], name).status_code == 403
    client.logout()
    response = client.get(reverse(name))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_region_outside_the_scope_is_404_and_bad_input_422(client, history, staff):
    assert page(client, staff["west_leader"], "analytics:index", "region=510104").status_code == 404
    response = page(client, staff["admin"], "analytics:index", "start=2026-03-10&end=2026-03-01")
    assert response.status_code == 422 and b"start" in response.content
    assert b'id="nav-analytics" class="active"' in response.content
    assert page(client, staff["admin"], "analytics:index", "dimension=colour").status_code == 422
    assert page(client, staff["admin"], "analytics:highs", "resolution=3").status_code == 422
    assert page(client, staff["admin"], "analytics:forecast", "level=grid").status_code == 422
    assert page(client, staff["admin"], "analytics:highs", "start=9999-12-25&end=9999-12-31").status_code == 422
    assert page(client, staff["admin"], "analytics:forecast", "end=0001-01-01").status_code == 422


@pytest.mark.parametrize("name", ["analytics:index", "analytics:highs", "analytics:forecast"])
def test_the_pages_render_in_chinese(client, history, staff, name):
    client.force_login(staff["leader"])
    response = client.get(f"{reverse(name)}?end=2026-03-31", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200 and response["Content-Language"] == "zh-hans"
