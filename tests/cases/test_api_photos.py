"""Photo uploads over HTTP: a good JPEG with its thumbnail, 413, 415, 422, and the can / can't / not-found trio."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cityops.cases import services
from cityops.cases.models import CaseEvent, CasePhoto
from tests.cases.api_support import EAST, GARBAGE, image_bytes

pytestmark = pytest.mark.django_db
URL = "/api/v1/cases"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def case(cast):
    return services.case_report(actor=cast["inspector"], source="inspector", catalog_class=GARBAGE,
                                description="垃圾", lon=EAST[0], lat=EAST[1]).case


def jpeg(size=(1024, 768)) -> SimpleUploadedFile:
    return SimpleUploadedFile("scene.jpg", image_bytes("JPEG", size=size), content_type="image/jpeg")


def test_a_good_jpeg_is_201_with_image_and_thumbnail_urls_that_answer_with_the_image(as_user, case, tmp_path):
    client = as_user("inspector")
    response = client.post(f"{URL}/{case.number}/photos", {"file": jpeg(), "phase": "before",
                                                           "version": case.version})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["phase"] == "before" and body["content_type"] == "image/jpeg"
    for url, size in ((body["url"], (1024, 768)), (body["thumbnail_url"], (320, 240))):
        served = client.get(url)
        assert served.status_code == 200 and served["Content-Type"] == "image/jpeg", url
        with Image.open(io.BytesIO(b"".join(served.streaming_content))) as shown:
            assert shown.size == size
    photo = CasePhoto.objects.get(pk=body["id"])
    with Image.open(photo.thumbnail.path) as thumb:
        assert thumb.format == "JPEG" and thumb.size == (320, 240)
    detail = client.get(f"{URL}/{case.number}").json()
    assert [p["id"] for p in detail["photos"]] == [photo.pk]
    assert CaseEvent.objects.filter(case=case, action="case.photo_added").exists()


def test_too_large_is_413(as_user, case, settings):
    settings.CITYOPS_MAX_PHOTO_BYTES = 2048
    response = as_user("inspector").post(f"{URL}/{case.number}/photos", {"file": jpeg(), "phase": "before"})
    assert response.status_code == 413 and response.json()["code"] == "payload_too_large"
    assert not CasePhoto.objects.exists()


@pytest.mark.parametrize(("name", "content"), [("x.jpg", b"<?php system($_GET['c']); ?>"),
                                               ("x.gif", image_bytes("GIF", size=(4, 4)))])
def test_not_an_accepted_image_is_415(as_user, case, name, content):
    response = as_user("inspector").post(f"{URL}/{case.number}/photos",
                                         {"file": SimpleUploadedFile(name, content), "phase": "before"})
    assert response.status_code == 415 and response.json()["code"] == "unsupported_media_type"
    assert not CasePhoto.objects.exists()


def test_a_missing_file_or_phase_is_422(as_user, case):
    client = as_user("inspector")
    assert client.post(f"{URL}/{case.number}/photos", {"phase": "before"}).status_code == 422
    assert client.post(f"{URL}/{case.number}/photos", {"file": jpeg()}).status_code == 422
    assert client.post(f"{URL}/{case.number}/photos", {"file": jpeg(), "phase": "during"}).status_code == 422


def test_a_stale_version_is_409(as_user, case):
    response = as_user("inspector").post(f"{URL}/{case.number}/photos",
                                         {"file": jpeg(), "phase": "before", "version": case.version + 5})
    assert response.status_code == 409 and response.json()["code"] == "stale_version"


def test_a_role_that_may_not_add_this_phase_gets_403(as_user, case):
    response = as_user("dispatcher").post(f"{URL}/{case.number}/photos", {"file": jpeg(), "phase": "before"})
    assert response.status_code == 403


def test_a_case_of_another_district_or_unknown_is_404(as_user, case):
    client = as_user("west_inspector")
    assert client.post(f"{URL}/{case.number}/photos", {"file": jpeg(), "phase": "before"}).status_code == 404
    assert client.post(f"{URL}/2099010199999/photos", {"file": jpeg(), "phase": "before"}).status_code == 404


def test_a_12000_by_12000_png_is_413_naming_the_file_and_nothing_is_stored(as_user, case, tmp_path):
    from cityops.testing.images import png_bomb

    bomb = SimpleUploadedFile("big.png", png_bomb(12_000, 12_000), content_type="image/png")
    response = as_user("inspector").post(f"{URL}/{case.number}/photos", {"file": bomb, "phase": "before"})
    assert response.status_code == 413 and response.json()["field"] == "file"
    assert not CasePhoto.objects.exists() and not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_a_5000_by_4000_jpeg_is_stored_at_2560_by_2048(as_user, case):
    response = as_user("inspector").post(f"{URL}/{case.number}/photos", {"file": jpeg(size=(5000, 4000)),
                                                                         "phase": "before"})
    assert response.status_code == 201, response.content
    with Image.open(CasePhoto.objects.get().image.path) as stored:
        assert stored.size == (2560, 2048)
