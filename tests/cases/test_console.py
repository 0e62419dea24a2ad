"""The operator console (/console/): queues per role, search, case detail with its actions, new reports."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cityops.cases import services as s
from cityops.cases.models import Case, CaseEvent, CasePhoto, CaseRequest, CaseState, RequestKind, RequestState
from cityops.catalog.models import ResponsibilityRule
from cityops.catalog.selectors import catalog_class_from_ref

from .api_support import EAST, EAST_2, OUTSIDE, WEST, image_bytes

QUEUE = reverse("console:queue")
SEARCH = reverse("console:search")
REPORT = reverse("console:report")


def detail_url(case: Case) -> str:
    return reverse("console:detail", args=[case.number])


def action_url(case: Case, action: str) -> str:
    return reverse("console:action", args=[case.number, action])


@pytest.fixture
def loop(cast, city):
    """東区 garbage goes to 东区城管局; a helper reports a case and drives it with the real services."""
    garbage = catalog_class_from_ref("matter:06010")
    ResponsibilityRule.objects.create(catalog_class=garbage, region=city.districts[0], department=cast["east_dept"])
    ResponsibilityRule.objects.create(catalog_class=garbage, region=city.districts[1], department=cast["west_dept"])
    steps = [
        (CaseState.ACCEPTED, lambda c: s.case_accept(case=c, actor=cast["acceptor"], version=c.version)),
        (CaseState.REGISTERED, lambda c: s.case_register(case=c, actor=cast["shift_leader"], version=c.version)),
        (CaseState.DISPATCHED, lambda c: s.case_dispatch(case=c, actor=cast["dispatcher"], version=c.version)),
        (CaseState.HANDLED, lambda c: s.case_handle(case=c, actor=cast["handler"], version=c.version, result="清运完毕")),
        (CaseState.CHECKING, lambda c: s.case_send_to_check(case=c, actor=cast["acceptor"], version=c.version)),
        (CaseState.CHECKED, lambda c: s.case_check(case=c, actor=cast["inspector"], version=c.version, passed=True)),
        (CaseState.CLOSED, lambda c: s.case_close(case=c, actor=cast["shift_leader"], version=c.version)),
    ]

    def make(state: str = CaseState.REPORTED, *, point=EAST, description: str = "路边堆放垃圾") -> Case:
        case = s.case_report(actor=cast["inspector"] if point != WEST else cast["west_inspector"],
                             source="inspector", catalog_class="matter:06010", description=description,
                             lon=point[0], lat=point[1]).case
        if state == CaseState.VERIFYING:
            return s.case_send_to_verify(case=case, actor=cast["acceptor"], version=case.version)
        for _target, step in steps:
            if case.state == state:
                break
            case = step(case)
        return case

    return make


def numbers_in(response) -> str:
    return response.content.decode()


# --- work queues -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "waiting", "not_waiting"), [
    ("inspector", [CaseState.VERIFYING, CaseState.CHECKING], [CaseState.REPORTED, CaseState.DISPATCHED]),
    ("acceptor", [CaseState.REPORTED, CaseState.HANDLED], [CaseState.ACCEPTED, CaseState.CHECKING]),
    ("shift_leader", [CaseState.ACCEPTED, CaseState.CHECKED], [CaseState.REPORTED, CaseState.REGISTERED]),
    ("dispatcher", [CaseState.REGISTERED], [CaseState.ACCEPTED, CaseState.DISPATCHED]),
    ("handler", [CaseState.DISPATCHED], [CaseState.REGISTERED, CaseState.HANDLED]),
])
def test_the_queue_shows_each_role_what_waits_for_it(loop, as_user, role, waiting, not_waiting):
    cases = {state: loop(state) for state in [*waiting, *not_waiting]}
    page = numbers_in(as_user(role).get(QUEUE))
    for state in waiting:
        assert cases[state].number in page, state
    for state in not_waiting:
        assert cases[state].number not in page, state


def test_the_leaders_queue_holds_overdue_and_urged_cases(loop, as_user):
    quiet, late, urged = loop(), loop(), loop()
    Case.objects.filter(pk=late.pk).update(is_overdue=True)
    Case.objects.filter(pk=urged.pk).update(is_urged=True)
    page = numbers_in(as_user("leader").get(QUEUE))
    assert late.number in page and urged.number in page and quiet.number not in page


def test_pending_requests_wait_for_their_approver(loop, cast, as_user):
    case = loop(CaseState.DISPATCHED)
    s.case_request_create(case=case, actor=cast["handler"], version=case.version, kind=RequestKind.EXTENSION,
                          reason="材料未到", extra_minutes=240)
    assert case.number in numbers_in(as_user("dispatcher").get(QUEUE))


def test_the_queue_is_sorted_by_deadline_and_overdue_rows_are_red(loop, as_user):
    first, second = loop(), loop()
    # A year earlier by days, not by replacing the year: there is no 29 February a year before one.
    Case.objects.filter(pk=second.pk).update(due_at=first.due_at - timedelta(days=365), is_overdue=True)
    page = numbers_in(as_user("acceptor").get(QUEUE))
    assert page.index(second.number) < page.index(first.number)
    row = page[page.rindex("<tr", 0, page.index(second.number)):page.index(second.number)]
    assert 'class="overdue"' in row
    assert "overdue" in page[page.index(second.number):page.index(first.number)]


def test_the_queue_shows_the_remaining_working_time(loop, as_user):
    loop()
    page = numbers_in(as_user("acceptor").get(QUEUE))
    assert " left" in page or " overdue" in page


def test_queue_filters_reload_only_the_rows_with_htmx(loop, as_user):
    shown = loop(description="井盖缺失")
    hidden = loop(description="路边堆放垃圾")
    response = as_user("acceptor").get(QUEUE, {"q": "井盖"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and "<tr" in body
    assert shown.number in body and hidden.number not in body


@pytest.mark.parametrize("params", [{"state": "handled"}, {"overdue": "yes"}, {"source": "hotline"},
                                    {"klass": "matter:06020"}, {"region": "510105"}])
def test_queue_filters_leave_out_what_does_not_match(loop, as_user, params):
    case = loop()
    assert case.number not in numbers_in(as_user("acceptor").get(QUEUE, params))


def test_queue_filters_by_class_and_region_keep_what_matches(loop, as_user):
    case = loop()
    page = numbers_in(as_user("acceptor").get(QUEUE, {"klass": "matter:06010 暴露垃圾", "region": "510104",
                                                      "state": "reported", "source": "inspector", "overdue": "no"}))
    assert case.number in page


def test_a_bad_filter_is_a_message_in_the_form_not_an_error(loop, as_user):
    response = as_user("acceptor").get(QUEUE, {"region": "999999"})
    assert response.status_code == 200
    assert "No region with code 999999" in response.content.decode()


def test_the_queue_pages_with_a_more_link(loop, as_user, monkeypatch):
    from cityops.cases import queues

    cases = [loop() for _ in range(3)]
    monkeypatch.setattr(queues, "QUEUE_PAGE", 2)
    client = as_user("acceptor")
    first = client.get(QUEUE).content.decode()
    assert 'id="more-row"' in first
    more = first.split('id="more-row"')[1].split('href="')[1].split('"')[0].replace("&amp;", "&")
    second = client.get(more, HTTP_HX_REQUEST="true").content.decode()
    assert sum(c.number in first for c in cases) == 2
    assert sum(c.number in second for c in cases) == 1
    assert 'id="more-row"' not in second


def test_console_pages_need_a_login(client):
    response = client.get(QUEUE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- search ------------------------------------------------------------------------------------------------


def test_search_lists_every_case_in_my_scope_and_nothing_outside(loop, as_user):
    east, west = loop(CaseState.DISPATCHED), loop(point=WEST)
    page = numbers_in(as_user("dispatcher").get(SEARCH))
    assert east.number in page and west.number not in page


def test_search_filters_by_text_and_state(loop, as_user):
    a, b = loop(description="井盖缺失"), loop(CaseState.ACCEPTED, description="井盖破损")
    page = numbers_in(as_user("leader").get(SEARCH, {"q": "井盖", "state": "accepted"}))
    assert b.number in page and a.number not in page


def test_search_reports_an_unknown_class_in_the_form(loop, as_user):
    response = as_user("leader").get(SEARCH, {"klass": "matter:99999"})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()


# --- detail and actions ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["inspector", "acceptor", "shift_leader", "dispatcher", "leader", "admin"])
def test_the_detail_page_renders_for_every_role_in_scope(loop, as_user, role):
    case = loop(CaseState.DISPATCHED)
    body = numbers_in(as_user(role).get(detail_url(case)))
    assert case.number in body
    assert "case-map-data" in body and "510104001001001" in body  # the grid polygon for the map
    assert "Dispatched (派遣)" in body  # the timeline shows the event label, not its key
    assert "case.dispatched" not in body


def test_the_handler_sees_the_dispatched_case_of_its_department(loop, as_user):
    case = loop(CaseState.DISPATCHED)
    body = numbers_in(as_user("handler").get(detail_url(case)))
    assert f'action="{action_url(case, "handle")}"' in body


def test_only_my_allowed_actions_are_offered(loop, as_user):
    case = loop()
    acceptor = numbers_in(as_user("acceptor").get(detail_url(case)))
    assert f'action="{action_url(case, "accept")}"' in acceptor
    assert f'action="{action_url(case, "send-to-verify")}"' in acceptor
    dispatcher = numbers_in(as_user("dispatcher").get(detail_url(case)))
    assert f'action="{action_url(case, "accept")}"' not in dispatcher


def test_an_action_changes_the_case_and_comes_back_with_a_message(loop, as_user):
    case = loop()
    client = as_user("acceptor")
    response = client.post(action_url(case, "accept"), {"version": case.version, "note": "受理"}, follow=True)
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED
    assert response.redirect_chain[-1][0] == detail_url(case)
    assert "Accept: done." in response.content.decode()
    assert CaseEvent.objects.filter(case=case, action="case.accepted", note="受理").exists()


def test_the_wrong_role_gets_403_on_post_and_nothing_changes(loop, as_user):
    case = loop()
    response = as_user("dispatcher").post(action_url(case, "accept"), {"version": case.version})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.state == CaseState.REPORTED


def test_a_case_outside_my_scope_is_404_on_the_page_and_on_post(loop, as_user):
    case = loop(CaseState.DISPATCHED)
    client = as_user("other_handler")
    assert client.get(detail_url(case)).status_code == 404
    assert client.post(action_url(case, "handle"), {"version": case.version, "result": "x"}).status_code == 404
    assert client.get(detail_url(case).replace(case.number, "20990101999")).status_code == 404


def test_a_stale_page_says_the_case_changed(loop, as_user):
    case = loop()
    client = as_user("acceptor")
    client.post(action_url(case, "send-to-verify"), {"version": case.version})
    response = client.post(action_url(case, "accept"), {"version": case.version}, follow=True)
    assert "This case changed since you opened it" in response.content.decode()
    case.refresh_from_db()
    assert case.state == CaseState.VERIFYING


def test_an_action_not_allowed_in_the_state_names_the_state(loop, as_user):
    case = loop(CaseState.ACCEPTED)
    response = as_user("acceptor").post(action_url(case, "accept"), {"version": case.version}, follow=True)
    assert "is not allowed in this state" in response.content.decode()


def test_a_script_in_the_description_is_shown_as_text(loop, as_user):
    case = loop(description='<script>alert("x")</script>垃圾')
    body = numbers_in(as_user("acceptor").get(detail_url(case)))
    assert '<script>alert("x")</script>' not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body


def test_handling_needs_a_result_and_says_so_in_the_form(loop, as_user):
    case = loop(CaseState.DISPATCHED)
    response = as_user("handler").post(action_url(case, "handle"), {"version": case.version, "result": ""})
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    case.refresh_from_db()
    assert case.state == CaseState.DISPATCHED


def test_handling_with_after_photos_stores_them(loop, as_user):
    case = loop(CaseState.DISPATCHED)
    photo = SimpleUploadedFile("after.jpg", image_bytes(), content_type="image/jpeg")
    as_user("handler").post(action_url(case, "handle"), {"version": case.version, "result": "已清运", "photos": photo})
    case.refresh_from_db()
    assert case.state == CaseState.HANDLED and case.result == "已清运"
    assert CasePhoto.objects.filter(case=case, phase="after").count() == 1


def test_a_file_that_is_not_an_image_is_refused_in_the_form(loop, as_user):
    case = loop(CaseState.DISPATCHED)
    bad = SimpleUploadedFile("after.jpg", b"not an image", content_type="image/jpeg")
    response = as_user("handler").post(action_url(case, "handle"), {"version": case.version, "result": "x",
                                                                     "photos": bad})
    assert response.status_code == 415
    assert "not a readable image" in response.content.decode()
    case.refresh_from_db()
    assert case.state == CaseState.DISPATCHED


def test_verify_and_check_answer_with_two_buttons(loop, as_user):
    verifying, checking = loop(CaseState.VERIFYING), loop(CaseState.CHECKING)
    client = as_user("inspector")
    client.post(action_url(verifying, "verify"), {"version": verifying.version, "answer": "yes"})
    client.post(action_url(checking, "check"), {"version": checking.version, "answer": "no", "note": "仍有垃圾"})
    verifying.refresh_from_db()
    checking.refresh_from_db()
    assert verifying.state == CaseState.ACCEPTED
    assert checking.state == CaseState.DISPATCHED and checking.rework_count == 1


def test_dispatch_can_override_the_proposed_department(loop, cast, as_user):
    case = loop(CaseState.REGISTERED)
    body = numbers_in(as_user("dispatcher").get(detail_url(case)))
    assert f'value="{cast["east_dept"].pk}" selected' in body  # the proposal is preselected
    as_user("dispatcher").post(action_url(case, "dispatch"), {"version": case.version,
                                                              "department": cast["west_dept"].pk})
    case.refresh_from_db()
    assert case.state == CaseState.DISPATCHED and case.department == cast["west_dept"]


def test_a_request_and_its_decision_go_through_the_console(loop, as_user):
    case = loop(CaseState.DISPATCHED)
    as_user("handler").post(action_url(case, "request"), {"version": case.version, "kind": "extension",
                                                          "reason": "材料未到", "extra_minutes": 240})
    request = CaseRequest.objects.get(case=case)
    body = numbers_in(as_user("dispatcher").get(detail_url(case)))
    assert "Pending requests" in body and f'name="request_id" value="{request.pk}"' in body
    as_user("dispatcher").post(action_url(case, "decide"), {"version": case.version, "request_id": request.pk,
                                                            "answer": "yes"})
    request.refresh_from_db()
    case.refresh_from_db()
    assert request.state == RequestState.APPROVED and case.extension_count == 1


def test_the_acceptor_sees_possible_duplicates_and_merges_one(loop, as_user):
    master, duplicate = loop(), loop()
    body = numbers_in(as_user("acceptor").get(detail_url(duplicate)))
    assert "Possible duplicates" in body and master.number in body
    as_user("acceptor").post(action_url(duplicate, "merge"), {"version": duplicate.version, "master": master.number})
    duplicate.refresh_from_db()
    assert duplicate.state == CaseState.VOIDED and duplicate.master == master


def test_an_unknown_action_is_404(loop, as_user):
    case = loop()
    assert as_user("acceptor").post(action_url(case, "explode"), {"version": case.version}).status_code == 404


# --- new report --------------------------------------------------------------------------------------------


def test_the_report_form_renders_with_the_scope_map(cast, as_user):
    body = numbers_in(as_user("inspector").get(REPORT))
    assert "report-map-data" in body and "510104" in body
    assert 'list="class-options"' in body


def test_a_report_from_the_form_creates_the_case_with_photos(cast, as_user):
    photo = SimpleUploadedFile("before.png", image_bytes("PNG"), content_type="image/png")
    response = as_user("inspector").post(REPORT, {
        "source": "inspector", "klass": "matter:06010 暴露垃圾", "description": "路边垃圾", "lon": EAST_2[0],
        "lat": EAST_2[1], "address": "一街 1 号", "photos": photo,
    })
    case = Case.objects.get(description="路边垃圾")
    assert response.status_code == 302 and response["Location"] == detail_url(case)
    assert case.reporter == cast["inspector"] and case.address == "一街 1 号"
    assert CasePhoto.objects.filter(case=case, phase="before").count() == 1


def test_the_same_report_form_sent_twice_makes_one_case(cast, as_user):
    client = as_user("inspector")
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', client.get(REPORT).content.decode()).group(1)
    form = {"source": "inspector", "klass": "06010", "description": "双击提交", "lon": EAST_2[0], "lat": EAST_2[1],
            "idempotency_key": key}
    first, second = client.post(REPORT, form), client.post(REPORT, form)
    assert Case.objects.filter(description="双击提交").count() == 1
    assert first["Location"] == second["Location"]


def test_a_self_handled_report_from_the_form_is_closed_at_once(cast, as_user):
    as_user("inspector").post(REPORT, {
        "source": "inspector", "klass": "06010", "description": "顺手清理", "lon": EAST_2[0], "lat": EAST_2[1],
        "self_handled": "on", "result": "已清理干净",
    })
    case = Case.objects.get(description="顺手清理")
    assert case.state == CaseState.CLOSED and case.is_self_handled and case.result == "已清理干净"


def test_a_self_handled_report_keeps_its_photos(cast, as_user):
    photo = SimpleUploadedFile("fixed.png", image_bytes("PNG"), content_type="image/png")
    as_user("inspector").post(REPORT, {
        "source": "inspector", "klass": "06010", "description": "清理前后", "lon": EAST_2[0], "lat": EAST_2[1],
        "self_handled": "on", "result": "已清理", "photos": photo,
    })
    case = Case.objects.get(description="清理前后")
    assert case.state == CaseState.CLOSED
    assert CasePhoto.objects.filter(case=case, phase="before").count() == 1


def test_a_report_with_a_non_image_photo_creates_no_case(cast, as_user):
    fake = SimpleUploadedFile("x.jpg", b"not an image at all", content_type="image/jpeg")
    response = as_user("inspector").post(REPORT, {
        "source": "inspector", "klass": "06010", "description": "坏照片", "lon": EAST_2[0], "lat": EAST_2[1],
        "photos": fake,
    })
    assert response.status_code == 415
    assert not Case.objects.filter(description="坏照片").exists()


def test_a_report_near_an_open_one_warns_of_duplicates(loop, as_user):
    first = loop()
    response = as_user("inspector").post(REPORT, {
        "source": "inspector", "klass": "06010", "description": "又一处垃圾", "lon": EAST[0], "lat": EAST[1],
    }, follow=True)
    assert f"Possible duplicates nearby: {first.number}" in response.content.decode()


def test_a_report_outside_the_service_area_is_a_form_error(cast, as_user):
    response = as_user("inspector").post(REPORT, {
        "source": "inspector", "klass": "06010", "description": "x", "lon": OUTSIDE[0], "lat": OUTSIDE[1],
    })
    assert response.status_code == 422
    assert "errorlist" in response.content.decode()
    assert not Case.objects.exists()


def test_a_report_with_missing_fields_lists_them(cast, as_user):
    response = as_user("inspector").post(REPORT, {"source": "inspector"})
    assert response.status_code == 422
    assert response.content.decode().count("This field is required.") >= 4


def test_a_report_with_an_unknown_class_says_so(cast, as_user):
    response = as_user("inspector").post(REPORT, {"source": "inspector", "klass": "99999", "description": "x",
                                                  "lon": EAST[0], "lat": EAST[1]})
    assert response.status_code == 422
    assert not Case.objects.exists()


def test_the_class_picker_searches_the_catalogue(cast, as_user):
    body = as_user("inspector").get(reverse("console:class-options"), {"klass": "06010"}).content.decode()
    assert 'value="matter:06010 ' in body


# --- shell ---------------------------------------------------------------------------------------------------


def test_the_home_page_and_the_top_bar_link_to_the_console(cast, as_user):
    body = as_user("acceptor").get(reverse("home")).content.decode()
    assert body.count(f'href="{QUEUE}"') >= 2
    assert f'href="{REPORT}"' in body


def test_the_console_loads_htmx_and_leaflet_from_packaged_static_files(loop, as_user):
    body = numbers_in(as_user("acceptor").get(detail_url(loop())))
    assert "/static/django_htmx/htmx-2.min.js" in body
    assert "/static/leaflet/leaflet.js" in body and "/static/leaflet/leaflet.css" in body


def test_the_packaged_static_files_exist():
    from django.contrib.staticfiles import finders

    for path in ["django_htmx/htmx-2.min.js", "leaflet/leaflet.js", "leaflet/leaflet.css", "cityops/console.js",
                 "cityops/console.css"]:
        assert finders.find(path), path


def test_the_console_speaks_chinese_when_asked(loop, as_user):
    case = loop()
    client = as_user("acceptor")
    queue = client.get(QUEUE, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "我的待办" in queue and "剩余" in queue
    detail = client.get(detail_url(case), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "我的操作" in detail and "受理" in detail


def test_an_overdue_deadline_reads_as_overdue(loop, as_user):
    from datetime import timedelta

    case = loop()
    Case.objects.filter(pk=case.pk).update(due_at=case.reported_at - timedelta(days=3), is_overdue=True)
    page = numbers_in(as_user("acceptor").get(QUEUE))
    row = page[page.index(case.number):]
    assert "overdue" in row[: row.index("</tr>")].lower()


# --- navigation --------------------------------------------------------------------------------------------


def test_the_console_links_the_hotline_desk_and_moderation_queue_only_for_acceptors(as_user):
    hotline, moderation = reverse("hotline:desk"), reverse("moderation")
    acceptor_page = as_user("acceptor").get(QUEUE).content.decode()
    assert f'href="{hotline}"' in acceptor_page
    assert f'href="{moderation}"' in acceptor_page
    inspector_page = as_user("inspector").get(QUEUE).content.decode()
    assert f'href="{hotline}"' not in inspector_page
    assert f'href="{moderation}"' not in inspector_page


def test_every_page_links_the_citizen_portal_even_for_anonymous_visitors(client):
    page = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("portal:home")}"' in page


@pytest.mark.parametrize(("persona", "visible", "hidden"), [
    ("dispatcher", ["nav-command", "nav-evaluation", "nav-analytics", "nav-monthly", "nav-exports"], []),
    ("handler", ["nav-evaluation", "nav-analytics", "nav-exports"], ["nav-command"]),
    ("inspector", ["nav-evaluation", "nav-exports"], ["nav-command", "nav-analytics", "nav-monthly"]),
])
def test_the_console_navigation_offers_the_supervision_pages_by_role(as_user, persona, visible, hidden):
    body = as_user(persona).get("/console/").content.decode()
    for element in visible:
        assert f'id="{element}"' in body
    for element in hidden:
        assert f'id="{element}"' not in body


def test_a_case_suspended_before_its_deadline_is_not_shown_overdue_weeks_later(loop, as_user, cast):
    """挂账 stops the clock: the shift leader's queue and the case page show what was left, not "overdue"."""
    import time_machine
    from django.utils import timezone

    tz = timezone.get_default_timezone()
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=tz), tick=False):  # a Monday; 处置 due 14:30, 3 h of it left at 10:00
        case = loop(CaseState.DISPATCHED)
    with time_machine.travel(datetime(2026, 3, 2, 10, 0, tzinfo=tz), tick=False):
        request = s.case_request_create(case=case, actor=cast["handler"], version=case.version,
                                        kind=RequestKind.SUSPENSION, reason="等待管线迁改")
        s.case_request_decide(request=request, actor=cast["shift_leader"], approve=True)
    with time_machine.travel(datetime(2026, 3, 24, 10, 0, tzinfo=tz), tick=False):  # 16 working days later
        queue = numbers_in(as_user("shift_leader").get(QUEUE))
        page = as_user("shift_leader").get(detail_url(case)).content.decode()
    row = queue[queue.rindex("<tr", 0, queue.index(case.number)):]
    row = row[:row.index("</tr>")]
    assert 'class="overdue"' not in row and "overdue" not in row
    assert "Suspended, 3 h 00 min left" in row
    assert "Suspended, 3 h 00 min left" in page and 'class="late"' not in page.split("Current deadline")[1][:200]
    assert Case.objects.get(pk=case.pk).is_overdue is False
