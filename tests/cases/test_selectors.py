"""Case reads: scoped lists with filters and keyset pagination, one case, its timeline and detail shape."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from cityops.cases.filters import CaseFilters
from cityops.cases.models import CaseEvent, CaseRequest, CaseStageClock, CaseState, RequestKind, Source
from cityops.cases.selectors import (
    case_detail,
    case_get_for_user,
    case_list_for_user,
    case_timeline_for_user,
)
from cityops.catalog.models import Stage, TimeBasis
from cityops.core.errors import InvalidInput, NotFound
from cityops.testing.factories import make_case
from tests.cases.api_support import EAST, EAST_2, WEST

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def numbers(page) -> list[str]:
    return [c.number for c in page.items]


def listed(user, **filters) -> list[str]:
    return numbers(case_list_for_user(user=user, filters=CaseFilters(**filters)))


@pytest.fixture
def east_case(city):
    return make_case(city, lon=EAST[0], lat=EAST[1], description="井盖旁有暴露垃圾")


@pytest.fixture
def west_case(city):
    return make_case(city, lon=WEST[0], lat=WEST[1], description="西区路面垃圾")


class TestScope:
    def test_an_inspector_lists_only_the_cases_of_their_district(self, cast, east_case, west_case):
        assert listed(cast["inspector"]) == [east_case.number]
        assert listed(cast["west_inspector"]) == [west_case.number]

    def test_a_handler_lists_the_cases_of_their_department_wherever_they_are(self, cast, city):
        mine = make_case(city, lon=EAST[0], lat=EAST[1], department=cast["west_dept"])
        make_case(city, lon=WEST[0], lat=WEST[1])  # in the west but not the department's
        assert listed(cast["other_handler"]) == [mine.number]

    def test_an_admin_lists_everything_and_a_user_without_scope_nothing(self, cast, east_case, west_case):
        assert sorted(listed(cast["admin"])) == sorted([east_case.number, west_case.number])
        assert listed(cast["nobody"]) == []

    def test_get_refuses_a_case_outside_the_scope_like_an_unknown_one(self, cast, west_case):
        with pytest.raises(NotFound):
            case_get_for_user(user=cast["inspector"], number=west_case.number)
        with pytest.raises(NotFound):
            case_get_for_user(user=cast["admin"], number="2099010199999")
        assert case_get_for_user(user=cast["west_inspector"], number=west_case.number) == west_case


class TestFilters:
    def test_states_accept_several_values_and_comma_lists(self, cast, city):
        a = make_case(city, state=CaseState.REPORTED)
        b = make_case(city, state=CaseState.DISPATCHED)
        make_case(city, state=CaseState.CLOSED)
        assert sorted(listed(cast["admin"], states=["reported", "dispatched"])) == sorted([a.number, b.number])
        assert sorted(listed(cast["admin"], states=["reported,dispatched"])) == sorted([a.number, b.number])

    def test_an_unknown_state_is_refused_naming_the_field(self, cast):
        with pytest.raises(InvalidInput) as err:
            listed(cast["admin"], states=["lost"])
        assert err.value.field == "state"

    def test_class_by_reference_or_bare_code(self, cast, city):
        garbage = make_case(city, catalog_class="matter:06010")
        make_case(city, catalog_class="matter:06011")
        assert listed(cast["admin"], catalog_class="matter:06010") == [garbage.number]
        assert listed(cast["admin"], catalog_class="06010") == [garbage.number]
        for ref in ("matter:99999", "06"):
            with pytest.raises(InvalidInput) as err:
                listed(cast["admin"], catalog_class=ref)
            assert err.value.field == "class"

    def test_region_of_any_level_means_its_subtree(self, cast, city, east_case, west_case):
        other_grid = make_case(city, lon=EAST_2[0], lat=EAST_2[1])
        assert sorted(listed(cast["admin"], region="510104")) == sorted([east_case.number, other_grid.number])
        assert listed(cast["admin"], region="510104001001001") == [east_case.number]
        assert listed(cast["admin"], region="510105001") == [west_case.number]

    def test_unknown_region_or_department_is_refused_naming_the_field(self, cast):
        for name in ("region", "department"):
            with pytest.raises(InvalidInput) as err:
                listed(cast["admin"], **{name: "NOPE"})
            assert err.value.field == name

    def test_department_includes_its_sub_units(self, cast, city):
        from cityops.testing.factories import make_department

        unit = make_department("EAST-CG-1", "东区一所", parent=cast["east_dept"], region=city.districts[0])
        direct = make_case(city, department=cast["east_dept"])
        passed_down = make_case(city, department=cast["east_dept"], handling_unit=unit)
        make_case(city, department=cast["west_dept"])
        assert sorted(listed(cast["admin"], department="EAST-CG")) == sorted([direct.number, passed_down.number])
        assert listed(cast["admin"], department="EAST-CG-1") == [passed_down.number]

    def test_source_overdue_and_urged(self, cast, city):
        hotline = make_case(city, source=Source.HOTLINE)
        late = make_case(city, is_overdue=True)
        urged = make_case(city, is_urged=True)
        assert listed(cast["admin"], source="hotline") == [hotline.number]
        assert listed(cast["admin"], overdue=True) == [late.number]
        assert listed(cast["admin"], urged=True) == [urged.number]
        assert late.number not in listed(cast["admin"], overdue=False)
        with pytest.raises(InvalidInput):
            listed(cast["admin"], source="carrier-pigeon")

    def test_dates_are_local_days_in_shanghai(self, cast, city):
        # 2026-11-20 23:30 in Shanghai is still 15:30 UTC the same day; 00:30 on the 21st is 16:30 UTC on the 20th.
        late_20th = make_case(city, reported_at=dt.datetime(2026, 11, 20, 23, 30, tzinfo=SHANGHAI))
        early_21st = make_case(city, reported_at=dt.datetime(2026, 11, 21, 0, 30, tzinfo=SHANGHAI))
        assert listed(cast["admin"], reported_from="2026-11-20", reported_to="2026-11-20") == [late_20th.number]
        assert listed(cast["admin"], reported_from="2026-11-21") == [early_21st.number]
        assert listed(cast["admin"], reported_from="2026-11-20T23:00:00", reported_to="2026-11-21T00:00:00+08:00") == [
            late_20th.number]
        assert listed(cast["admin"], reported_from=dt.date(2026, 11, 21), reported_to=dt.date(2026, 11, 21)) == [
            early_21st.number]

    def test_a_bad_date_is_refused_naming_the_field(self, cast):
        with pytest.raises(InvalidInput) as err:
            listed(cast["admin"], reported_from="yesterday")
        assert err.value.field == "from"
        with pytest.raises(InvalidInput) as err:
            listed(cast["admin"], reported_to="2026-13-01")
        assert err.value.field == "to"

    @pytest.mark.parametrize(("name", "value"), [
        ("reported_from", "0001-01-01"), ("reported_to", "9999-12-31"), ("reported_from", "0001-01-01T00:00:00"),
        ("reported_to", "9999-12-31T23:59:59-01:00"),
    ])
    def test_a_date_at_the_calendars_edge_is_refused_not_a_crash(self, cast, name, value):
        # Year 1 at Shanghai midnight is before UTC's year 1, the day after 9999-12-31 does not exist: no 500.
        with pytest.raises(InvalidInput) as err:
            listed(cast["admin"], **{name: value})
        assert err.value.field == {"reported_from": "from", "reported_to": "to"}[name]

    def test_text_is_a_number_exactly_or_words_of_the_description(self, cast, east_case, west_case):
        assert listed(cast["admin"], text=east_case.number) == [east_case.number]
        assert listed(cast["admin"], text=east_case.number[:-1]) == []  # a number never matches by prefix
        assert listed(cast["admin"], text="井盖") == [east_case.number]
        assert listed(cast["admin"], text="2026") == []  # a few digits are words, not a number
        assert sorted(listed(cast["admin"], text="垃圾")) == sorted([east_case.number, west_case.number])

    def test_text_matches_words_of_the_address_too(self, cast, city, east_case):
        on_the_road = make_case(city, lon=EAST[0], lat=EAST[1], address="人民路 1 号")
        assert listed(cast["admin"], text="人民路") == [on_the_road.number]


class TestKeysetPagination:
    def test_pages_newest_first_cover_every_case_once_even_with_equal_times(self, cast, city):
        base = timezone.now() - dt.timedelta(days=1)
        # Pairs share a timestamp: the id breaks the tie, so no case falls between two pages.
        made = [make_case(city, reported_at=base + dt.timedelta(minutes=i // 2)) for i in range(23)]
        seen, cursor, pages = [], None, 0
        while True:
            page = case_list_for_user(user=cast["inspector"], filters=CaseFilters(limit=5, cursor=cursor))
            seen += numbers(page)
            pages += 1
            cursor = page.next_cursor
            if cursor is None:
                break
        expected = [c.number for c in sorted(made, key=lambda c: (c.reported_at, c.pk), reverse=True)]
        assert seen == expected
        assert pages == 5

    def test_the_last_full_page_has_no_next_cursor(self, cast, city):
        for _ in range(4):
            make_case(city)
        first = case_list_for_user(user=cast["admin"], filters=CaseFilters(limit=2))
        second = case_list_for_user(user=cast["admin"], filters=CaseFilters(limit=2, cursor=first.next_cursor))
        assert first.next_cursor and second.next_cursor is None and len(second.items) == 2

    def test_deadline_order_puts_the_earliest_first_and_cases_without_a_deadline_last(self, cast, city):
        now = timezone.now()
        no_deadline = [make_case(city) for _ in range(3)]
        due = [make_case(city, due_at=now + dt.timedelta(hours=h)) for h in (5, 1, 3, 1, 2)]
        seen, cursor = [], None
        while True:
            page = case_list_for_user(user=cast["admin"], filters=CaseFilters(order="due_at", limit=3, cursor=cursor))
            seen += numbers(page)
            if (cursor := page.next_cursor) is None:
                break
        expected = [c.number for c in sorted(due, key=lambda c: (c.due_at, c.pk))] + [c.number for c in no_deadline]
        assert seen == expected

    def test_a_garbled_cursor_or_one_of_another_order_is_refused(self, cast, city):
        make_case(city)
        make_case(city)
        with pytest.raises(InvalidInput) as err:
            listed(cast["admin"], cursor="not-a-cursor!")
        assert err.value.field == "cursor"
        cursor = case_list_for_user(user=cast["admin"], filters=CaseFilters(limit=1)).next_cursor
        with pytest.raises(InvalidInput):
            listed(cast["admin"], cursor=cursor, order="due_at")

    @pytest.mark.parametrize("limit", [0, 201])
    def test_limit_must_be_between_1_and_200(self, cast, limit):
        with pytest.raises(InvalidInput) as err:
            listed(cast["admin"], limit=limit)
        assert err.value.field == "limit"

    def test_an_unknown_order_is_refused(self, cast):
        with pytest.raises(InvalidInput) as err:
            listed(cast["admin"], order="random")
        assert err.value.field == "order"


class TestTimelineAndDetail:
    def test_timeline_lists_events_oldest_first_with_actor_and_state_labels(self, cast, east_case):
        t0 = timezone.now()
        CaseEvent.objects.create(case=east_case, at=t0 + dt.timedelta(minutes=5), actor=cast["acceptor"],
                                 actor_label="acceptor", action="case.accepted", from_state="reported",
                                 to_state="accepted")
        CaseEvent.objects.create(case=east_case, at=t0, actor=None, actor_label="", action="case.reported",
                                 to_state="reported")
        rows = case_timeline_for_user(user=cast["inspector"], case=east_case)
        assert [r["action"] for r in rows] == ["case.reported", "case.accepted"]
        assert rows[0]["actor"] == "system" and rows[0]["from_state"] is None
        assert rows[1]["actor"] == "acceptor"
        assert rows[1]["from_state_label"] == str(CaseState.REPORTED.label)
        assert rows[1]["to_state_label"] == str(CaseState.ACCEPTED.label)

    def test_timeline_is_refused_outside_the_scope(self, cast, east_case):
        with pytest.raises(NotFound):
            case_timeline_for_user(user=cast["other_handler"], case=east_case)

    def test_detail_shows_clocks_requests_and_links(self, cast, city, east_case):
        now = timezone.now()
        CaseStageClock.objects.create(case=east_case, stage=Stage.ACCEPT, round=1, started_at=now,
                                      minutes_allowed=30, basis=TimeBasis.WORKING,
                                      deadline=now + dt.timedelta(minutes=30), done_at=now, on_time=True)
        CaseRequest.objects.create(case=east_case, kind=RequestKind.VOID, reason="重复上报",
                                   requested_by=cast["acceptor"])
        duplicate = make_case(city, master=east_case, state=CaseState.VOIDED)
        later = make_case(city, recurrence_of=east_case)
        detail = case_detail(east_case, user=cast["inspector"])
        assert detail["clocks"] == [{
            "stage": Stage.ACCEPT, "stage_label": str(Stage.ACCEPT.label), "round": 1, "started_at": now,
            "deadline": now + dt.timedelta(minutes=30), "minutes_allowed": 30, "extended_minutes": 0,
            "basis": TimeBasis.WORKING, "paused": False, "done_at": now, "on_time": True}]
        assert [(r["kind"], r["state"], r["requested_by"]) for r in detail["requests"]] == [
            ("void", "pending", "acceptor")]
        assert detail["merged_duplicates"] == [duplicate.number]
        assert detail["recurrences"] == [later.number]
        assert case_detail(duplicate, user=cast["inspector"])["master"] == east_case.number
        assert detail["district"]["code"] == "510104" and detail["grid"]["code"] == "510104001001001"
        assert detail["catalog_class"]["ref"] == "matter:06010"
        assert isinstance(detail["allowed_actions"], list)


def test_every_event_action_the_code_writes_has_a_label():
    """Timelines show labels, not keys: every `case.*` action written anywhere in the cases code has one."""
    import pathlib
    import re

    from cityops.cases.events import EVENT_LABELS

    root = pathlib.Path(__file__).resolve().parents[2] / "src" / "cityops"
    written = set()
    for path in [p for app in ("cases", "demo", "intake", "notify", "open311") for p in (root / app).rglob("*.py")]:
        written |= set(re.findall(r'"(case\.[a-z_]+)"', path.read_text(encoding="utf-8")))
    assert written - set(EVENT_LABELS) == set()


def test_report_class_options_never_offer_a_retired_class(db):
    from django.utils import timezone

    from cityops.cases.selectors import report_class_options
    from cityops.catalog.models import CatalogClass, ClassKind

    garbage = CatalogClass.objects.get(kind=ClassKind.MATTER, code="06010")
    assert garbage in report_class_options(text="06010 暴露垃圾")
    CatalogClass.objects.filter(pk=garbage.pk).update(retired_at=timezone.now())
    assert garbage not in report_class_options(text="06010")
