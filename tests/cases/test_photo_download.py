"""The photo download (/photos/cases/<id>/<variant>): what the case page links to is an image its viewers get,
and nobody else: another district's handler 404, anonymous the login page or 401, tokens by scope; served by
nginx (X-Accel-Redirect) or Apache (X-Sendfile) when configured, else streamed with cache validators."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from cityops.cases import photos
from cityops.cases import services as s
from cityops.cases.models import Case, CasePhoto, CaseState
from cityops.catalog.models import ResponsibilityRule
from cityops.catalog.selectors import catalog_class_from_ref
from cityops.intake.portal.selectors import photo_is_public
from tests.cases.api_support import EAST, GARBAGE, image_bytes

pytestmark = pytest.mark.django_db
IMG_SRC = re.compile(r'<img src="([^"]+)"')
LINK = re.compile(r'<a href="(/photos/[^"]+)"')


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.CITYOPS_MEDIA_ACCEL_REDIRECT = ""
    settings.CITYOPS_MEDIA_SENDFILE = False


@pytest.fixture
def dispatched(cast, city):
    """A 东区 garbage case dispatched to 东区城管局, reported by the 东区 inspector."""
    ResponsibilityRule.objects.create(catalog_class=catalog_class_from_ref(GARBAGE), region=city.districts[0],
                                      department=cast["east_dept"])
    case = s.case_report(actor=cast["inspector"], source="inspector", catalog_class=GARBAGE, description="垃圾",
                         lon=EAST[0], lat=EAST[1]).case
    case = s.case_accept(case=case, actor=cast["acceptor"], version=None)
    case = s.case_register(case=case, actor=cast["shift_leader"], version=None)
    return s.case_dispatch(case=case, actor=cast["dispatcher"], version=None)


@pytest.fixture
def uploaded(dispatched, client, cast) -> Case:
    """The handler attaches an after-photo through the console's handle form."""
    client.force_login(cast["handler"])
    photo = SimpleUploadedFile("after.jpg", image_bytes(size=(800, 600)), content_type="image/jpeg")
    response = client.post(reverse("console:action", args=[dispatched.number, "handle"]),
                           {"version": dispatched.version, "result": "已清运", "photos": photo})
    assert response.status_code == 302, response.content
    client.logout()
    return Case.objects.get(pk=dispatched.pk)


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def assert_image(response, size: tuple[int, int] | None = None, content_type: str = "image/jpeg") -> None:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == content_type
    data = body_of(response)
    assert int(response["Content-Length"]) == len(data)
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        if size is not None:
            assert image.size == size


def page_photo_urls(client, case: Case) -> tuple[list[str], list[str]]:
    html = client.get(reverse("console:detail", args=[case.number])).content.decode()
    photos = html[html.index('class="card photos"'):]
    return IMG_SRC.findall(photos), LINK.findall(photos)


def test_a_photo_uploaded_in_the_console_is_shown_on_the_case_page(uploaded, client, cast):
    client.force_login(cast["dispatcher"])
    thumbs, links = page_photo_urls(client, uploaded)
    assert len(thumbs) == 1 and len(links) == 1
    assert_image(client.get(thumbs[0]), size=(320, 240))
    assert_image(client.get(links[0]), size=(800, 600))


def test_a_restricted_photo_is_private_not_sniffed_inline_and_revalidated(uploaded, client, cast):
    client.force_login(cast["handler"])
    url = _url(uploaded)
    response = client.get(url)
    assert response["Cache-Control"] == "private, max-age=3600"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == "inline"
    again = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=response["Last-Modified"]).status_code == 304


def test_a_handler_of_another_district_gets_404_like_for_an_unknown_photo(uploaded, client, cast):
    client.force_login(cast["other_handler"])
    assert client.get(_url(uploaded)).status_code == 404
    assert client.get(_url(uploaded, "thumb")).status_code == 404
    assert client.get("/photos/cases/999999/full").status_code == 404
    client.force_login(cast["nobody"])
    assert client.get(_url(uploaded)).status_code == 404


def test_anonymous_gets_the_login_page_in_a_browser_and_401_otherwise(uploaded, client):
    page = client.get(_url(uploaded), HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert page.status_code == 302 and page["Location"].startswith(reverse("login"))
    image = client.get(_url(uploaded), HTTP_ACCEPT="image/avif,image/webp,image/*,*/*;q=0.8")
    assert image.status_code == 401 and image.json()["code"] == "unauthenticated"
    # An unknown photo looks the same to the anonymous: nothing tells which ones exist.
    assert client.get("/photos/cases/999999/full").status_code == 401


def test_a_photo_is_public_only_when_a_registered_rule_says_so(uploaded, client, monkeypatch):
    """Cases publishes nothing itself: the apps above register who may show a photo to anyone (the portal does)."""
    assert photo_is_public in photos._public_photo_rules
    monkeypatch.setattr(photos, "_public_photo_rules", [])
    photos.public_photo_rule_register(lambda photo: photo.case_id == uploaded.pk)
    photos.public_photo_rule_register(photos._public_photo_rules[0])  # registering twice keeps one
    assert len(photos._public_photo_rules) == 1
    response = client.get(_url(uploaded), HTTP_ACCEPT="image/*")
    assert response.status_code == 200 and response["Cache-Control"] == "public, max-age=300"


def test_a_token_needs_cases_read_and_the_case_in_its_users_scope(uploaded, client, cast, api_token):
    url = _url(uploaded)
    assert_image(client.get(url, HTTP_AUTHORIZATION=api_token(cast["dispatcher"], "cases:read")))
    assert client.get(url, HTTP_AUTHORIZATION=api_token(cast["dispatcher"], "geo:read")).status_code == 403
    assert client.get(url, HTTP_AUTHORIZATION=api_token(cast["other_handler"], "cases:read")).status_code == 404
    assert client.get(url, HTTP_AUTHORIZATION="Bearer abc.wrong").status_code == 401


def test_the_api_s_photo_urls_answer_with_the_image(uploaded, client, cast):
    client.force_login(cast["dispatcher"])
    photos = client.get(f"/api/v1/cases/{uploaded.number}").json()["photos"]
    assert len(photos) == 1
    assert_image(client.get(photos[0]["url"]), size=(800, 600))
    assert_image(client.get(photos[0]["thumbnail_url"]), size=(320, 240))


def test_nginx_sends_the_file_when_x_accel_redirect_is_configured(uploaded, client, cast, settings):
    settings.CITYOPS_MEDIA_ACCEL_REDIRECT = "/_protected_media/"
    client.force_login(cast["handler"])
    response = client.get(_url(uploaded))
    photo = CasePhoto.objects.get(case=uploaded)
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == f"/_protected_media/{photo.image.name}"
    assert response["Content-Type"] == "image/jpeg" and response["Cache-Control"].startswith("private")


def test_apache_sends_the_file_when_x_sendfile_is_configured(uploaded, client, cast, settings):
    settings.CITYOPS_MEDIA_SENDFILE = True
    client.force_login(cast["handler"])
    response = client.get(_url(uploaded, "thumb"))
    assert response.content == b"" and response["X-Sendfile"] == CasePhoto.objects.get(case=uploaded).thumbnail.path


def test_only_get_and_head_and_only_known_variants(uploaded, client, cast):
    client.force_login(cast["handler"])
    assert client.post(_url(uploaded)).status_code == 405
    assert client.head(_url(uploaded)).status_code == 200
    assert client.get(f"/photos/cases/{CasePhoto.objects.get().pk}/original").status_code == 404
    assert client.get("/photos/cases/99999999999999999999999/full").status_code == 404  # no integer overflow


def test_a_file_gone_from_the_disk_is_404_not_500(uploaded, client, cast):
    photo = CasePhoto.objects.get(case=uploaded)
    photo.image.storage.delete(photo.image.name)
    client.force_login(cast["handler"])
    assert client.get(_url(uploaded)).status_code == 404


def _url(case: Case, variant: str = "full") -> str:
    return f"/photos/cases/{CasePhoto.objects.get(case=case).pk}/{variant}"


def test_the_case_state_does_not_matter_for_staff(uploaded, client, cast):
    assert uploaded.state == CaseState.HANDLED
    client.force_login(cast["leader"])  # the whole city, no role on this case
    assert_image(client.get(_url(uploaded)))
