"""A citizen's photos on the public tracking page: the `<img src>` answers with the image to anyone once the
report is accepted and not hidden, and to nobody outside the staff before, or when hidden; too many pixels
are refused at the portal with 413 naming the field, and nothing is written."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cityops.cases.models import Case, CasePhoto
from cityops.intake.models import PublicCategory
from cityops.intake.portal.services import case_public_hide
from cityops.testing.images import png_bomb
from tests.intake.portal.support import EAST, accept, photo, solved, staff

API = "/api/v1/public"
IMG_SRC = re.compile(r'<img src="([^"]+)"')


@pytest.fixture(autouse=True)
def _portal_settings(settings, tmp_path, fast_password_hashing):
    settings.MEDIA_ROOT = tmp_path
    settings.CITYOPS_PORTAL_CHALLENGE_MIN_AGE = 0
    settings.CITYOPS_MEDIA_ACCEL_REDIRECT = ""


@pytest.fixture
def cast(personas, city):
    return staff(personas, city)


@pytest.fixture
def reported(client, city) -> Case:
    """A citizen's report with one photo, filed through the portal's page."""
    token, answer = solved()
    category = PublicCategory.objects.get(catalog_class__code="06010")
    response = client.post("/portal/report/", {"category": category.pk, "description": "垃圾没人清", "lon": EAST[0],
                                               "lat": EAST[1], "challenge_token": token, "challenge_answer": answer,
                                               "photos": [photo()]})
    assert response.status_code == 302, response.content
    return Case.objects.get()


def tracking_page_images(client, case: Case) -> list[str]:
    return IMG_SRC.findall(client.get(f"/portal/track/{case.tracking_code}/").content.decode())


def fetch_image(client, url: str) -> Image.Image:
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg", (url, response.status_code)
    image = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    image.load()
    return image


def test_before_acceptance_the_page_shows_no_photo_and_its_url_is_not_public(client, reported):
    assert tracking_page_images(client, reported) == []
    url = f"/photos/cases/{CasePhoto.objects.get().pk}/thumb"
    assert client.get(url).status_code == 401


def test_once_accepted_anyone_gets_the_photo_the_tracking_page_shows(client, reported, cast):
    accept(reported, cast)
    [src] = tracking_page_images(client, reported)
    assert fetch_image(client, src).size == (64, 48)
    html = client.get(f"/portal/track/{reported.tracking_code}/").content.decode()
    [full] = re.findall(r'<a href="(/photos/cases/[^"]+)"', html)
    assert fetch_image(client, full).size == (64, 48)
    response = client.get(src)
    assert response["Cache-Control"] == "public, max-age=300"
    # The public API's URLs are the same download.
    api_photo = client.get(f"{API}/requests/{reported.tracking_code}").json()["photos"][0]
    assert fetch_image(client, api_photo["url"]).size == (64, 48)


def test_a_hidden_report_s_photos_are_not_public_but_staff_still_see_them(client, reported, cast):
    accept(reported, cast)
    case_public_hide(case=Case.objects.get(pk=reported.pk), hidden=True, actor=cast["acceptor"])
    assert tracking_page_images(client, reported) == []
    url = f"/photos/cases/{CasePhoto.objects.get().pk}/full"
    assert client.get(url).status_code == 401
    client.force_login(cast["acceptor"])
    assert fetch_image(client, url).size == (64, 48)
    assert client.get(url)["Cache-Control"].startswith("private")


def test_the_after_photos_are_public_once_the_case_is_closed(client, reported, cast):
    from cityops.cases import services as s
    from cityops.cases.photos import case_photo_add

    case = s.case_register(case=accept(reported, cast), actor=cast["shift_leader"], version=None)
    case = s.case_dispatch(case=case, actor=cast["dispatcher"], version=None, department=cast["dept"])
    after = case_photo_add(case=case, actor=cast["handler"], upload=photo(), phase="after")
    assert client.get(f"/photos/cases/{after.pk}/thumb").status_code == 401  # not before the close
    case = s.case_handle(case=case, actor=cast["handler"], version=None, result="已清运")
    case = s.case_send_to_check(case=case, actor=cast["acceptor"], version=None)
    case = s.case_check(case=case, actor=cast["inspector"], version=None, passed=True)
    case = s.case_close(case=case, actor=cast["shift_leader"], version=None)
    before_src, after_src = tracking_page_images(client, case)
    assert after_src == f"/photos/cases/{after.pk}/thumb"
    assert fetch_image(client, after_src).size == (64, 48)


def test_a_photo_of_a_staff_case_without_a_tracking_code_is_never_public(client, cast, city):
    from cityops.cases import services as s
    from cityops.cases.photos import case_photo_add

    case = s.case_report(actor=cast["inspector"], source="inspector", catalog_class="matter:06010",
                         description="巡查发现", lon=EAST[0], lat=EAST[1]).case
    added = case_photo_add(case=case, actor=cast["inspector"], upload=photo(), phase="before")
    accept(case, cast)
    assert client.get(f"/photos/cases/{added.pk}/full").status_code == 401


def test_a_12000_by_12000_png_is_refused_by_the_portal_with_413_and_nothing_is_written(client, city, tmp_path):
    token, answer = solved()
    category = PublicCategory.objects.get(catalog_class__code="06010")
    bomb = SimpleUploadedFile("big.png", png_bomb(12_000, 12_000), content_type="image/png")
    response = client.post(f"{API}/requests", {"category": category.pk, "description": "大图", "lon": EAST[0],
                                               "lat": EAST[1], "challenge_token": token,
                                               "challenge_answer": answer, "photos": [bomb]})
    assert response.status_code == 413 and response.json()["field"] == "photos"
    assert not Case.objects.exists() and not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_the_moderation_page_shows_the_acceptor_the_photos_before_acceptance(client, reported, cast):
    client.force_login(cast["acceptor"])
    html = client.get("/console/moderation/").content.decode()
    [src] = IMG_SRC.findall(html[html.index("<tbody>"):])
    assert fetch_image(client, src).size == (64, 48)
