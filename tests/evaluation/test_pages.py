"""The evaluation pages: ranking with real numbers, drill-down to the cases, snapshots, publishing, scope."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cityops.evaluation.models import Snapshot

MARCH = {"start": "2026-03-01", "end": "2026-03-31"}


@pytest.fixture
def as_user(client, cast):
    def login(name):
        client.force_login(cast[name])
        return client
    return login


def test_the_ranking_shows_counters_scores_composite_grade_and_drill_down_links(as_user, cast, march):
    response = as_user("leader").get(reverse("evaluation:index"), {"kind": "department", **MARCH})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-subject="EAST-CG"' in html and "82.86" in html and "85.71%" in html
    assert 'style="background:#1565c0">B<' in html  # grade B in its band's colour
    assert "counter=close_due" in html and f"subject={cast['dept_east'].pk}" in html
    assert "computed live" in html and "exports/new/?kind=evaluation.department" in html


def test_the_page_defaults_to_last_month(as_user):
    response = as_user("leader").get(reverse("evaluation:index"))
    assert response.status_code == 200 and 'name="month" value="20' in response.content.decode()


def test_a_bad_period_is_shown_as_an_error(as_user):
    response = as_user("leader").get(reverse("evaluation:index"), {"kind": "grid", "start": "2026-04-01",
                                                                   "end": "2026-03-01"})
    assert response.status_code == 422 and "starts after it ends" in response.content.decode()


def test_the_drill_down_page_lists_the_counted_cases_linking_to_their_detail(as_user, cast, march):
    query = {"kind": "department", "subject": cast["dept_east"].pk, "counter": "close_due", **MARCH}
    response = as_user("handler").get(reverse("evaluation:drilldown"), query)
    html = response.content.decode()
    assert response.status_code == 200 and "7 cases" in html
    for letter in "ABCDEHI":
        assert reverse("console:detail", args=[march[letter].number]) in html
    assert march["F"].number not in html and march["G"].number not in html


def test_the_drill_down_of_another_department_is_not_found(as_user, cast, march):
    query = {"kind": "department", "subject": cast["other_handler"].department.pk, "counter": "registered", **MARCH}
    assert as_user("handler").get(reverse("evaluation:drilldown"), query).status_code == 404


def test_an_inspector_sees_only_the_inspector_tab_and_is_refused_other_kinds(as_user, march):
    html = as_user("inspector").get(reverse("evaluation:index")).content.decode()
    assert 'data-subject="inspector"' in html and "kind=department" not in html
    assert as_user("inspector").get(reverse("evaluation:index"), {"kind": "department"}).status_code == 403


def test_a_user_without_an_evaluation_role_is_refused(as_user):
    assert as_user("nobody").get(reverse("evaluation:index")).status_code == 403


def test_publishing_from_the_page_shows_the_frozen_snapshot(as_user, march):
    page = as_user("shift_leader").get(reverse("evaluation:index"), {"kind": "department", "month": "2026-03"})
    assert "Publish 2026-03" in page.content.decode()
    response = as_user("shift_leader").post(reverse("evaluation:publish"), {"kind": "department", "month": "2026-03"})
    snapshot = Snapshot.objects.get()
    assert response.status_code == 302 and response.url == reverse("evaluation:snapshot", args=[snapshot.pk])
    html = as_user("leader").get(response.url).content.decode()
    assert "82.86" in html and "never changes" in html
    index = as_user("leader").get(reverse("evaluation:index"), {"kind": "department", "month": "2026-03"})
    assert "Published ranking of 2026-03" in index.content.decode()
    listed = as_user("leader").get(reverse("evaluation:snapshots")).content.decode()
    assert reverse("evaluation:snapshot", args=[snapshot.pk]) in listed


def test_a_dispatcher_cannot_publish(as_user):
    response = as_user("dispatcher").post(reverse("evaluation:publish"), {"kind": "grid", "month": "2026-03"})
    assert response.status_code == 403 and not Snapshot.objects.exists()


def test_a_long_ranking_is_shown_a_page_at_a_time_keeping_the_period(as_user, march, monkeypatch):
    from cityops.evaluation import views

    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    client = as_user("leader")
    first = client.get(reverse("evaluation:index"), {"kind": "department", **MARCH}).content.decode()
    assert 'data-subject="EAST-CG"' in first and 'data-subject="WEST-CG"' not in first
    assert "Page 1 of 2" in first and "2 subjects." in first
    assert 'href="?kind=department&amp;start=2026-03-01&amp;end=2026-03-31&amp;page=2"' in first
    second = client.get(reverse("evaluation:index"), {"kind": "department", **MARCH, "page": 2}).content.decode()
    assert 'data-subject="WEST-CG"' in second and 'data-subject="EAST-CG"' not in second


def test_find_narrows_the_ranking_to_matching_codes_or_names(as_user, march):
    client = as_user("leader")
    html = client.get(reverse("evaluation:index"), {"kind": "department", **MARCH, "find": "西区"}).content.decode()
    assert 'data-subject="WEST-CG"' in html and 'data-subject="EAST-CG"' not in html
    assert "1 of 2 subject matches." in html


def test_find_ignores_case(as_user, march):
    html = as_user("leader").get(reverse("evaluation:index"), {"kind": "department", **MARCH, "find": "east"}).content
    assert b'data-subject="EAST-CG"' in html and b'data-subject="WEST-CG"' not in html
