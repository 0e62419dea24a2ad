"""The inspector app and photos: a task page shows the case's photos (its <img src> answers with the image), and
a photo with too many pixels is refused by the app's report with 413 naming it, leaving no case behind."""

from __future__ import annotations

import base64
import io
import re

import pytest
from PIL import Image

from cityops.cases.models import Case, CaseState
from cityops.cases.photos import case_photo_add
from cityops.testing import factories as f
from cityops.testing.images import png_bomb
from tests.cases.api_support import image_bytes
from tests.intake.inspector.test_api import post_report, report_body

IMG_SRC = re.compile(r'<img src="([^"]+)"')


@pytest.fixture(autouse=True)
def _fast(fast_password_hashing, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.CITYOPS_MEDIA_ACCEL_REDIRECT = ""


def test_a_verification_task_shows_the_reported_photo(client, personas, city):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = f.make_case(city, state=CaseState.VERIFYING)
    case_photo_add(case=case, actor=personas["inspector"], phase="before",
                   upload=SimpleUploadedFile("p.jpg", image_bytes(size=(640, 480))))
    client.force_login(personas["inspector"])
    [src] = IMG_SRC.findall(client.get(f"/m/tasks/{case.number}/").content.decode())
    response = client.get(src)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    with Image.open(io.BytesIO(b"".join(response.streaming_content))) as shown:
        assert shown.size == (320, 240)


def test_a_12000_by_12000_png_from_the_app_is_413_naming_the_photo(client, personas, city):
    client.force_login(personas["inspector"])
    bomb = "data:image/png;base64," + base64.b64encode(png_bomb(12_000, 12_000)).decode()
    response = post_report(client, report_body(photos=[bomb]))
    assert response.status_code == 413 and response.json()["field"] == "photos.0"
    assert not Case.objects.exists()
