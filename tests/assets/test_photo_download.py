"""Component photos: stored downscaled under their content's extension, served by /photos/components/<id> only to
staff whose scope holds the component (404 outside it, 401 without a login), never publicly."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cityops.testing.images import png_bomb

pytestmark = pytest.mark.django_db
URL = "/api/v1/assets"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.CITYOPS_MEDIA_ACCEL_REDIRECT = ""


def png(size: tuple[int, int]) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (90, 90, 90)).save(buffer, format="PNG")
    return SimpleUploadedFile("named-like-a.jpg", buffer.getvalue())  # the name lies; the content decides


def test_an_uploaded_photo_is_listed_and_served_to_staff_in_scope(client, personas, census, city):
    from cityops.org.models import Role
    from cityops.testing.factories import make_user

    client.force_login(personas["admin"])
    ident = census["east1"].ident
    created = client.post(f"{URL}/{ident}/photos", {"image": png((3000, 1500)), "caption": "现场"})
    assert created.status_code == 201, created.content
    url = created.json()["url"]
    assert client.get(f"{URL}/{ident}").json()["photos"][0]["url"] == url
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["Cache-Control"].startswith("private")
    with Image.open(io.BytesIO(b"".join(response.streaming_content))) as shown:
        assert shown.size == (2560, 1280)
    client.force_login(make_user("east_viewer", Role.LEADER, scope_region=city.districts[0]))
    assert client.get(url).status_code == 200
    client.force_login(make_user("west_viewer", Role.LEADER, scope_region=city.districts[1]))
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 401


def test_a_12000_by_12000_png_is_refused_with_422_naming_the_image(client, personas, census):
    client.force_login(personas["admin"])
    bomb = SimpleUploadedFile("big.png", png_bomb(12_000, 12_000))
    response = client.post(f"{URL}/{census['east1'].ident}/photos", {"image": bomb})
    assert response.status_code == 422 and response.json()["field"] == "image"


def test_the_admin_stores_a_photo_like_the_api_and_links_it_to_the_download(client, personas, census):
    from cityops.assets.admin import ComponentPhotoForm
    from cityops.assets.models import ComponentPhoto
    from cityops.testing.factories import make_user

    component = census["east1"]
    form = ComponentPhotoForm(data={"caption": "后台", "taken_at": "2026-12-01 10:00"},
                              files={"image": png((4000, 1000))}, instance=ComponentPhoto(component=component))
    assert form.is_valid(), form.errors
    photo = form.save()
    assert photo.image.name.endswith(".png")
    with Image.open(photo.image.path) as stored:
        assert stored.size == (2560, 640)
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    page = client.get(f"/admin/assets/component/{component.pk}/change/").content.decode()
    assert f'href="/photos/components/{photo.pk}"' in page and "/media/" not in page
    assert client.get(f"/photos/components/{photo.pk}").status_code == 200


def test_the_admin_refuses_a_12000_by_12000_png(census):
    from cityops.assets.admin import ComponentPhotoForm
    from cityops.assets.models import ComponentPhoto

    bomb = SimpleUploadedFile("big.png", png_bomb(12_000, 12_000))
    form = ComponentPhotoForm(data={"caption": "", "taken_at": "2026-12-01 10:00"}, files={"image": bomb},
                              instance=ComponentPhoto(component=census["east1"]))
    assert not form.is_valid() and "image" in form.errors
