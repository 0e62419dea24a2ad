"""The citizen portal's services and public reads: report, track, rate, reopen, limits, challenge, moderation."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cityops.cases.models import Case, CaseEvent, CasePhoto, CaseState, Source
from cityops.core.errors import Conflict, Forbidden, InvalidInput, UnsupportedMediaType
from cityops.core.ratelimit import RateLimited, rate_limit_hit
from cityops.intake.models import PublicCategory
from cityops.intake.portal import services as svc
from cityops.intake.portal.selectors import public_nearby, public_request
from tests.intake.portal.support import EAST, INTERNAL_NOTE, accept, photo, solved, staff, walk_to_close


@pytest.fixture(autouse=True)
def _portal_settings(settings, tmp_path, fast_password_hashing):
    settings.MEDIA_ROOT = tmp_path
    settings.CITYOPS_PORTAL_CHALLENGE_MIN_AGE = 0


@pytest.fixture
def cast(personas, city):
    return staff(personas, city)


@pytest.fixture
def garbage_category(db):
    return PublicCategory.objects.get(catalog_class__code="06010")


def submit(category, *, contact: str = "", photos=(), ip: str = "198.51.100.7", **kwargs) -> Case:
    token, answer = solved()
    report = svc.PublicReport(category=category.pk, description=kwargs.pop("description", "路口有一堆垃圾"),
                              lon=EAST[0], lat=EAST[1], contact=contact, photos=tuple(photos),
                              challenge_token=token, challenge_answer=answer, **kwargs)
    return svc.portal_report_submit(report=report, ip=ip)


def test_twelve_plain_words_categories_are_seeded_each_on_a_catalogue_class(db):
    categories = list(PublicCategory.objects.select_related("catalog_class"))
    assert len(categories) == 12
    assert {c.catalog_class.code for c in categories} >= {"06010", "09006", "09009", "07001", "01037"}


def test_an_anonymous_report_becomes_a_citizen_case_with_a_tracking_code(city, garbage_category):
    case = submit(garbage_category)
    assert case.source == Source.CITIZEN and case.reporter is None and case.reporter_contact == ""
    assert case.catalog_class.code == "06010" and case.state == CaseState.REPORTED
    assert len(case.tracking_code) == 10 and case.tracking_code.isalnum()
    assert Case.objects.get(pk=case.pk).tracking_code == case.tracking_code


def test_a_report_with_contact_and_photos_keeps_the_contact_and_stores_the_photos(city, garbage_category):
    case = submit(garbage_category, contact="138 0013 8000", photos=[photo(), photo("PNG", "b.png")])
    assert case.reporter_contact == "13800138000"
    assert case.photos.filter(phase="before").count() == 2


def test_tracking_codes_are_unique_and_unguessable_in_shape():
    codes = {svc.tracking_code_new() for _ in range(500)}
    assert len(codes) == 500
    assert all(len(c) == 10 and not set(c) & set("01OIL") for c in codes)


def test_a_bad_contact_is_refused(city, garbage_category):
    with pytest.raises(InvalidInput) as exc:
        submit(garbage_category, contact="not a phone")
    assert exc.value.field == "contact"


def test_a_report_without_a_point_is_refused_and_nothing_is_written(city, garbage_category):
    token, answer = solved()
    report = svc.PublicReport(category=garbage_category.pk, description="x", lon=None, lat=None,
                              address="人民路 1 号", challenge_token=token, challenge_answer=answer)
    with pytest.raises(InvalidInput):
        svc.portal_report_submit(report=report, ip="198.51.100.8")
    assert not Case.objects.exists()


def test_a_fake_photo_is_415_and_nothing_is_written(city, garbage_category):
    fake = SimpleUploadedFile("x.jpg", b"<?php echo 1; ?>", content_type="image/jpeg")
    with pytest.raises(UnsupportedMediaType):
        submit(garbage_category, photos=[photo(), fake])
    assert not Case.objects.exists() and not CasePhoto.objects.exists()


def test_more_than_three_photos_are_refused(city, garbage_category):
    with pytest.raises(InvalidInput) as exc:
        submit(garbage_category, photos=[photo() for _ in range(4)])
    assert exc.value.field == "photos"


def test_a_wrong_or_forged_challenge_answer_is_refused(city, garbage_category):
    token, answer = solved()
    for tok, ans in ((token, str(int(answer) + 1)), ("forged:token", answer)):
        report = svc.PublicReport(category=garbage_category.pk, description="x", lon=EAST[0], lat=EAST[1],
                                  challenge_token=tok, challenge_answer=ans)
        with pytest.raises(InvalidInput) as exc:
            svc.portal_report_submit(report=report, ip="198.51.100.9")
        assert exc.value.field == "challenge"
    assert not Case.objects.exists()


def test_a_form_sent_faster_than_a_human_is_refused(city, garbage_category, settings):
    settings.CITYOPS_PORTAL_CHALLENGE_MIN_AGE = 60
    with pytest.raises(InvalidInput):
        submit(garbage_category)


def test_the_rate_limit_refuses_beyond_the_limit_with_a_retry_after(db):
    for _ in range(3):
        rate_limit_hit(key="t:1", limit=3, window_seconds=60)
    with pytest.raises(RateLimited) as exc:
        rate_limit_hit(key="t:1", limit=3, window_seconds=60)
    assert exc.value.status == 429 and 1 <= exc.value.retry_after <= 60
    rate_limit_hit(key="t:2", limit=3, window_seconds=60)  # another key counts on its own


def test_one_contact_is_limited_across_ips(city, garbage_category, settings):
    settings.CITYOPS_PORTAL_LIMITS = {"contact_per_day": 2}
    for i in range(2):
        submit(garbage_category, contact="a@example.org", ip=f"10.0.0.{i}")
    with pytest.raises(RateLimited):
        submit(garbage_category, contact="A@example.org", ip="10.0.0.9")


def test_tracking_hides_the_report_until_accepted_and_never_shows_staff_or_notes(city, cast, garbage_category):
    case = submit(garbage_category, contact="13800138000", photos=[photo()])
    before = public_request(code=case.tracking_code)
    assert before["description"] is None and before["photos"] == [] and before["location"] is None
    assert [s["step"] for s in before["timeline"]] == ["received"]
    case = walk_to_close(case, cast)
    after = public_request(code=case.tracking_code.lower())
    assert after["description"] == "路口有一堆垃圾" and len(after["photos"]) == 1
    assert [s["step"] for s in after["timeline"]] == ["received", "accepted", "dispatched", "handled", "closed"]
    assert after["result"] == "已清运垃圾" and after["can_rate"] is True
    text = repr(after)
    for secret in (INTERNAL_NOTE, "acceptor", "shift_leader", "handler", "东区城管局", "EAST-CG", "13800138000"):
        assert secret not in text


def test_a_hidden_report_keeps_its_text_off_the_public_page_after_acceptance(city, cast, garbage_category):
    case = submit(garbage_category, photos=[photo()])
    svc.case_public_hide(case=case, actor=cast["acceptor"])
    accept(case, cast)
    info = public_request(code=case.tracking_code)
    assert info["accepted"] and info["description"] is None and info["photos"] == [] and info["hidden"]


def test_moderation_is_for_acceptors_and_writes_a_case_event(city, cast, garbage_category):
    case = submit(garbage_category)
    with pytest.raises(Forbidden):
        svc.case_public_hide(case=case, actor=cast["inspector"])
    svc.case_public_hide(case=case, actor=cast["acceptor"], note="含个人信息")
    assert Case.objects.get(pk=case.pk).public_hidden
    assert CaseEvent.objects.filter(case=case, action="case.public_hidden", actor=cast["acceptor"]).exists()


def test_rating_is_refused_before_the_close_and_accepted_once_after(city, cast, garbage_category):
    case = submit(garbage_category)
    with pytest.raises(Conflict):
        svc.portal_rate(code=case.tracking_code, satisfaction=5, ip="1.1.1.1")
    walk_to_close(case, cast)
    with pytest.raises(InvalidInput):
        svc.portal_rate(code=case.tracking_code, satisfaction=6, ip="1.1.1.1")
    rated = svc.portal_rate(code=case.tracking_code, satisfaction=4, comment="很快", ip="1.1.1.1")
    assert (rated.satisfaction, rated.satisfaction_comment) == (4, "很快") and rated.rated_at
    with pytest.raises(Conflict):
        svc.portal_rate(code=case.tracking_code, satisfaction=1, ip="1.1.1.1")


def test_reopening_a_closed_report_creates_a_linked_case_shown_on_both_pages(city, cast, garbage_category):
    case = submit(garbage_category, contact="a@example.org")
    token, answer = solved()
    reopen = svc.PublicReport(category=None, description="又堆满了", lon=None, lat=None, challenge_token=token,
                              challenge_answer=answer)
    with pytest.raises(Conflict):
        svc.portal_reopen(code=case.tracking_code, report=reopen, ip="2.2.2.2")
    walk_to_close(case, cast)
    new = svc.portal_reopen(code=case.tracking_code, report=reopen, ip="2.2.2.2")
    assert new.recurrence_of_id == case.pk and new.source == Source.CITIZEN
    assert new.reporter_contact == "a@example.org" and new.tracking_code != case.tracking_code
    assert public_request(code=case.tracking_code)["reopened_as"] == [new.tracking_code]
    assert public_request(code=new.tracking_code)["recurrence_of"] == case.tracking_code
    token, answer = solved()
    again = svc.PublicReport(category=None, description="x", lon=None, lat=None, challenge_token=token,
                             challenge_answer=answer)
    with pytest.raises(Conflict):
        svc.portal_reopen(code=case.tracking_code, report=again, ip="2.2.2.2")


def test_nearby_lists_only_accepted_visible_reports_with_public_fields(city, cast, garbage_category):
    waiting = submit(garbage_category, ip="3.3.3.1")
    accepted = accept(submit(garbage_category, ip="3.3.3.2"), cast)
    hidden = submit(garbage_category, ip="3.3.3.3")
    svc.case_public_hide(case=hidden, actor=cast["acceptor"])
    accept(hidden, cast)
    rows = public_nearby(lon=EAST[0], lat=EAST[1], radius_m=500)
    assert len(rows) == 1 and set(rows[0]) == {"category", "status", "status_label", "reported_at", "lon", "lat"}
    assert rows[0]["status"] == "open" and waiting.pk != accepted.pk


def test_a_report_with_only_a_picked_place_is_located_at_that_region_and_keeps_its_address(city, garbage_category):
    community = city.communities[1]
    token, answer = solved()
    report = svc.PublicReport(category=garbage_category.pk, description="井盖缺失", lon=None, lat=None,
                              address=f"{community.name} 3 栋门口", place=community.code,
                              challenge_token=token, challenge_answer=answer)
    case = svc.portal_report_submit(report=report, ip="198.51.100.9")
    assert (case.lon, case.lat) == (community.centroid_lon, community.centroid_lat)
    assert case.region_path.startswith(community.path)
    assert case.address == f"{community.name} 3 栋门口"


def unplaced(category, **kwargs) -> Case:
    token, answer = solved()
    report = svc.PublicReport(category=category.pk, description="井盖缺失", lon=None, lat=None,
                              challenge_token=token, challenge_answer=answer, **kwargs)
    return svc.portal_report_submit(report=report, ip="198.51.100.9")


def test_an_address_naming_exactly_one_region_is_placed_without_a_pick(city, garbage_category):
    case = unplaced(garbage_category, address=city.streets[0].name)
    assert case.region_path.startswith(city.streets[0].path)


def test_free_text_that_matches_no_region_is_refused_with_a_clear_message(city, garbage_category):
    with pytest.raises(InvalidInput) as exc:
        unplaced(garbage_category, address="人民路 1 号")
    assert exc.value.field == "location" and "search results" in exc.value.message
    assert not Case.objects.exists()


def test_an_unknown_picked_place_is_refused(city, garbage_category):
    with pytest.raises(InvalidInput) as exc:
        unplaced(garbage_category, address="x", place="999999")
    assert exc.value.field == "address"
    assert not Case.objects.exists()


def test_the_public_place_search_covers_the_whole_city_with_names_only(city):
    from cityops.intake.portal.selectors import public_place_search

    rows = public_place_search(q="一社区")
    assert {r["name"] for r in rows} == {"东区一社区", "西区一社区"}
    assert set(rows[0]) == {"code", "name", "level"}
    assert len(public_place_search(q="网格")) == len(city.grids)
    assert len(public_place_search(q="5101")) == 10
    assert public_place_search(q="  ") == []
