"""The portal's pages and public API over HTTP: status codes, what is shown, 429 and 415, moderation page."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cityops.cases.models import Case
from cityops.intake.models import PublicCategory
from tests.intake.portal.support import EAST, INTERNAL_NOTE, photo, solved, staff, walk_to_close

API = "/api/v1/public"


@pytest.fixture(autouse=True)
def _portal_settings(settings, tmp_path, fast_password_hashing):
    settings.MEDIA_ROOT = tmp_path
    settings.CITYOPS_PORTAL_CHALLENGE_MIN_AGE = 0


@pytest.fixture
def cast(personas, city):
    return staff(personas, city)


@pytest.fixture
def category(db):
    return PublicCategory.objects.get(catalog_class__code="06010")


def form(category, **extra) -> dict:
    token, answer = solved()
    return {"category": category.pk, "description": "垃圾没人清", "lon": EAST[0], "lat": EAST[1],
            "challenge_token": token, "challenge_answer": answer, **extra}


def test_the_api_takes_an_anonymous_report_without_login_and_answers_the_code(client, city, category):
    response = client.post(f"{API}/requests", form(category, photos=[photo()]))
    assert response.status_code == 201, response.content
    code = response.json()["tracking_code"]
    body = client.get(f"{API}/requests/{code}").json()
    assert body["status"] == "received" and body["description"] is None


def test_the_api_lists_categories_and_gives_a_challenge(client, db):
    assert len(client.get(f"{API}/categories").json()) == 12
    assert "+" in client.get(f"{API}/challenge").json()["question"]


def test_the_api_refuses_a_fake_photo_with_415_and_writes_nothing(client, city, category):
    fake = SimpleUploadedFile("a.jpg", b"GIF89a not really", content_type="image/jpeg")
    response = client.post(f"{API}/requests", form(category, photos=[fake]))
    assert response.status_code == 415 and response.json()["field"] == "photos"
    assert not Case.objects.exists()


def test_the_api_refuses_a_wrong_challenge_with_422(client, city, category):
    response = client.post(f"{API}/requests", form(category, challenge_answer="999"))
    assert response.status_code == 422 and response.json()["field"] == "challenge"


def test_the_api_answers_429_with_retry_after_beyond_the_ip_limit(client, city, category, settings):
    settings.CITYOPS_PORTAL_LIMITS = {"ip_per_hour": 2}
    for _ in range(2):
        assert client.post(f"{API}/requests", form(category)).status_code == 201
    response = client.post(f"{API}/requests", form(category))
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert Case.objects.count() == 2


def test_an_unknown_code_is_404(client, db):
    assert client.get(f"{API}/requests/NOSUCHCODE").status_code == 404
    assert client.get("/portal/track/NOSUCHCODE/").status_code == 404


def test_the_report_page_files_a_case_and_shows_the_code(client, city, category):
    page = client.get("/portal/report/")
    assert page.status_code == 200 and "垃圾" in page.content.decode() or "Garbage" in page.content.decode()
    response = client.post("/portal/report/", form(category), follow=True)
    case = Case.objects.get()
    assert case.tracking_code in response.content.decode()


def test_the_report_page_refuses_a_fake_photo_with_415(client, city, category):
    fake = SimpleUploadedFile("a.png", b"nope", content_type="image/png")
    assert client.post("/portal/report/", form(category, photos=[fake])).status_code == 415
    assert not Case.objects.exists()


def test_the_tracking_page_never_shows_staff_names_or_internal_notes(client, city, cast, category):
    client.post(f"{API}/requests", form(category, contact="13900139000"))
    case = walk_to_close(Case.objects.get(), cast)
    html = client.get(f"/portal/track/{case.tracking_code}/").content.decode()
    assert "已清运垃圾" in html and "垃圾没人清" in html
    for secret in (INTERNAL_NOTE, ">acceptor", "shift_leader", "dispatcher", "东区城管局", "13900139000"):
        assert secret not in html
    api = client.get(f"{API}/requests/{case.tracking_code}").content.decode()
    for secret in ("acceptor", "shift_leader", "dispatcher", "EAST-CG", "13900139000"):
        assert secret not in api


def test_rating_and_reopening_through_the_api(client, city, cast, category):
    code = client.post(f"{API}/requests", form(category)).json()["tracking_code"]
    assert client.post(f"{API}/requests/{code}/rating", {"satisfaction": 5},
                       content_type="application/json").status_code == 409
    walk_to_close(Case.objects.get(tracking_code=code), cast)
    rated = client.post(f"{API}/requests/{code}/rating", {"satisfaction": 2, "comment": "没扫干净"},
                        content_type="application/json")
    assert rated.status_code == 200 and rated.json()["satisfaction"] == 2 and not rated.json()["can_rate"]
    token, answer = solved()
    new = client.post(f"{API}/requests/{code}/reopen", {"description": "还在", "challenge_token": token,
                                                          "challenge_answer": answer})
    assert new.status_code == 201
    assert client.get(f"{API}/requests/{code}").json()["reopened_as"] == [new.json()["tracking_code"]]


def test_nearby_api_is_public(client, city):
    response = client.get(f"{API}/nearby", {"lon": EAST[0], "lat": EAST[1]})
    assert response.status_code == 200 and response.json() == []


def test_the_moderation_page_lists_citizen_reports_and_hides_their_text(client, city, cast, category):
    client.post(f"{API}/requests", form(category))
    case = Case.objects.get()
    client.force_login(cast["inspector"])
    assert client.get("/console/moderation/").status_code == 403
    client.force_login(cast["acceptor"])
    assert case.number in client.get("/console/moderation/").content.decode()
    client.post("/console/moderation/", {"number": case.number, "hidden": "1"})
    assert Case.objects.get(pk=case.pk).public_hidden


def test_the_api_searches_places_and_takes_a_report_at_a_picked_place(client, city, category):
    found = client.get(f"{API}/places", {"q": "西区一社区"}).json()
    assert found == [{"code": city.communities[1].code, "name": "西区一社区", "level": found[0]["level"]}]
    data = {k: v for k, v in form(category, address="西区一社区", place=found[0]["code"]).items()
            if k not in ("lon", "lat")}
    response = client.post(f"{API}/requests", data)
    assert response.status_code == 201, response.content
    assert Case.objects.get().region_path.startswith(city.communities[1].path)


def test_the_report_page_refuses_an_address_it_cannot_place(client, city, category):
    response = client.post("/portal/report/", form(category, lon="", lat="", address="人民路 1 号"))
    assert response.status_code == 422
    assert "search results" in response.content.decode() or "搜索结果" in response.content.decode()
