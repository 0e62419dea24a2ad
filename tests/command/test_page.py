"""The one-map page (/console/command/): who may open it, its parts, the case card whose actions really act,
and the feed and headline partials it polls."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from cityops.cases.models import Case, CaseState
from cityops.command import selectors
from tests.cases.workflow_cast import WEST_POINT, drive, report

MAP = reverse("command:map")


def card_url(case: Case) -> str:
    return reverse("command:card", args=[case.number])


@pytest.mark.parametrize("role", ["dispatcher", "leader", "acceptor", "shift_leader", "admin"])
def test_the_centre_staff_open_the_map_with_its_parts(as_user, role):
    response = as_user(role).get(MAP)
    assert response.status_code == 200
    page = response.content.decode()
    for element in ("command-map", "command-feed", "command-headline", "command-filters", "command-card",
                    "command-config", "command-outline", "command-feed-poll"):
        assert f'id="{element}"' in page, element
    assert "cityops/command.js" in page and "leaflet/leaflet.js" in page


@pytest.mark.parametrize("role", ["handler", "inspector", "nobody"])
def test_others_are_refused_the_map_with_403(as_user, role):
    assert as_user(role).get(MAP).status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(MAP)
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_big_screen_variant_has_no_console_chrome(as_user):
    page = as_user("leader").get(MAP, {"screen": "1"}).content.decode()
    assert 'id="command-map"' in page and 'class="command screen"' in page
    assert "topbar" not in page and "console-nav" not in page


def test_the_map_names_its_tile_url_and_works_without_one(as_user, settings):
    settings.CITYOPS_TILE_URL = ""
    assert 'data-tiles=""' in as_user("dispatcher").get(MAP).content.decode()
    settings.CITYOPS_TILE_URL = "https://tiles.example/{z}/{x}/{y}.png"
    assert 'data-tiles="https://tiles.example/{z}/{x}/{y}.png"' in as_user("dispatcher").get(MAP).content.decode()


def test_the_page_outlines_the_viewers_districts_and_offers_their_filters(as_user):
    page = as_user("dispatcher").get(MAP).content.decode()
    outline = re.search(r'<script id="command-outline" type="application/json">(.*?)</script>', page, re.S).group(1)
    assert "510104" in outline and "510105" not in outline
    assert 'value="510104"' in page and 'value="510105"' not in page  # the region filter offers the scope only
    assert 'name="class"' in page and 'name="from"' in page and 'name="overdue"' in page


def test_the_page_shows_the_latest_feed_and_the_headline(as_user, cast):
    case = report(cast)
    page = as_user("dispatcher").get(MAP).content.decode()
    assert case.number in page
    assert re.search(r'id="headline-reported">\s*1\s*<', page)


def test_a_bad_filter_on_the_page_is_shown_not_a_crash(as_user):
    response = as_user("dispatcher").get(MAP, {"state": "closed"})
    assert response.status_code == 200
    assert "state must be an open state" in response.content.decode()


# --- the case card ------------------------------------------------------------------------------------------------


def test_a_dispatcher_dispatches_from_the_card(as_user, cast):
    case = drive(report(cast), cast, CaseState.REGISTERED)
    client = as_user("dispatcher")
    card = client.get(card_url(case))
    assert card.status_code == 200
    html = card.content.decode()
    action = reverse("console:action", args=[case.number, "dispatch"])
    assert f'action="{action}"' in html and 'data-action="dispatch"' in html
    version = re.search(r'name="version" value="(\d+)"', html).group(1)
    response = client.post(action, {"version": version, "note": "从一张图派遣"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.DISPATCHED and case.department == cast["dept_east"]
    assert "data-action=\"dispatch\"" not in client.get(card_url(case)).content.decode()


def test_the_card_shows_the_summary_and_deadline(as_user, cast):
    case = drive(report(cast, description="桥下堆放建筑垃圾"), cast, CaseState.REGISTERED)
    html = as_user("leader").get(card_url(case)).content.decode()
    assert case.number in html and "桥下堆放建筑垃圾" in html and 'id="card-deadline"' in html
    assert 'data-action="urge"' in html and 'data-action="dispatch"' not in html  # a leader urges, not dispatches


def test_a_case_outside_the_scope_has_no_card(as_user, cast):
    west = report(cast, actor="admin", point=WEST_POINT)
    assert as_user("dispatcher").get(card_url(west)).status_code == 404
    assert as_user("dispatcher").get(reverse("command:card", args=["2099010100001"])).status_code == 404
    # Refused before the view (core.middleware), not a 500 on PostgreSQL.
    assert as_user("dispatcher").get("/console/command/cases/%00/card/").status_code == 400


def test_a_handler_gets_no_card(as_user, cast):
    case = report(cast)
    assert as_user("handler").get(card_url(case)).status_code == 403


# --- the polled partials ---------------------------------------------------------------------------------------------


def test_the_feed_partial_returns_new_rows_and_moves_the_cursor(as_user, cast):
    report(cast)
    client = as_user("dispatcher")
    cursor = selectors.case_feed(user=cast["dispatcher"], filters=selectors.map_filters({}))["cursor"]
    assert 'class="feed-row' not in client.get(reverse("command:feed"), {"after": cursor}).content.decode()
    new = report(cast, description="新的")
    html = client.get(reverse("command:feed"), {"after": cursor}, HTTP_HX_REQUEST="true").content.decode()
    assert new.number in html and html.count('class="feed-row') == 1
    assert 'hx-swap-oob="true"' in html and f"after={cursor}" not in html


def test_the_feed_partial_refuses_a_bad_filter_with_422(as_user):
    response = as_user("dispatcher").get(reverse("command:feed"), {"source": "pigeon"})
    assert response.status_code == 422 and 'data-field="source"' in response.content.decode()
    assert as_user("dispatcher").get(reverse("command:feed"), {"after": "x"}).status_code == 422


def test_the_headline_partial(as_user, cast):
    report(cast)
    html = as_user("acceptor").get(reverse("command:headline")).content.decode()
    assert re.search(r'id="headline-reported">\s*1\s*<', html) and 'id="headline-overdue"' in html
    assert as_user("inspector").get(reverse("command:headline")).status_code == 403
