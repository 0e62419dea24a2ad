"""Case photos: checked by content, stored upright with a JPEG thumbnail, recorded, limited, role-checked."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cityops.cases.models import CaseEvent, CasePhoto, CaseState, PhotoPhase
from cityops.cases.photos import MAX_PHOTOS_PER_PHASE, case_photo_add
from cityops.core.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from cityops.core.models import AuditEvent
from cityops.testing.factories import make_case
from tests.cases.api_support import EAST, image_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def case(city, cast):
    return make_case(city, lon=EAST[0], lat=EAST[1], reporter=cast["inspector"], department=cast["east_dept"],
                     state=CaseState.DISPATCHED)


def upload(fmt: str = "JPEG", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"photo.{fmt.lower()}", image_bytes(fmt, **kwargs))


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_a_real_image_is_stored_with_a_jpeg_thumbnail_of_at_most_320_px(case, cast, fmt):
    photo = case_photo_add(case=case, actor=cast["inspector"], upload=upload(fmt, size=(1200, 900)), phase="before")
    assert photo.content_type == f"image/{fmt.lower()}"
    with Image.open(photo.image.path) as stored:
        assert stored.format == fmt and stored.size == (1200, 900)
    with Image.open(photo.thumbnail.path) as thumb:
        assert thumb.format == "JPEG" and max(thumb.size) == 320
    assert photo.image.name.startswith("cases/") and case.number in photo.image.name


def test_a_sideways_phone_photo_is_stored_upright(case, cast):
    # Orientation 6: the camera held upright stored the pixels rotated; the tag says "turn 90° clockwise".
    photo = case_photo_add(case=case, actor=cast["inspector"], upload=upload(size=(400, 300), exif_orientation=6),
                           phase="before")
    with Image.open(photo.image.path) as stored:
        assert stored.size == (300, 400)
        assert stored.getexif().get(0x0112) in (None, 1)


def test_adding_a_photo_writes_a_case_event_and_an_audit_event(case, cast):
    photo = case_photo_add(case=case, actor=cast["handler"], upload=upload(), phase="after")
    event = CaseEvent.objects.get(case=case, action="case.photo_added")
    assert event.actor == cast["handler"] and event.data["photo_id"] == photo.pk and event.data["phase"] == "after"
    assert AuditEvent.objects.filter(action="case.photo_added", object_id=str(case.pk)).count() == 1


def test_a_photo_does_not_change_the_case_version(case, cast):
    before = case.version
    case_photo_add(case=case, actor=cast["inspector"], upload=upload(), phase="before", version=before)
    case.refresh_from_db()
    assert case.version == before


def test_a_stale_version_is_refused_and_nothing_is_stored(case, cast, tmp_path):
    with pytest.raises(Conflict) as err:
        case_photo_add(case=case, actor=cast["inspector"], upload=upload(), phase="before", version=case.version + 1)
    assert err.value.code == "stale_version"
    assert not CasePhoto.objects.exists()
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []  # the written files were removed again


def test_too_large_is_413(case, cast, settings):
    settings.CITYOPS_MAX_PHOTO_BYTES = 1000
    with pytest.raises(PayloadTooLarge):
        case_photo_add(case=case, actor=cast["inspector"], upload=upload(size=(400, 400)), phase="before")


@pytest.mark.parametrize(("name", "content"), [
    ("fake.jpg", b"<script>alert(1)</script>"),
    ("anim.gif", image_bytes("GIF")),
    ("cut.png", image_bytes("PNG")[:60]),
])
def test_anything_but_a_whole_jpeg_png_or_webp_is_415(case, cast, name, content):
    with pytest.raises(UnsupportedMediaType) as err:
        case_photo_add(case=case, actor=cast["inspector"], upload=SimpleUploadedFile(name, content), phase="before")
    assert err.value.field == "file"
    assert not CasePhoto.objects.exists()


def test_an_unknown_phase_is_422(case, cast):
    with pytest.raises(InvalidInput) as err:
        case_photo_add(case=case, actor=cast["inspector"], upload=upload(), phase="during")
    assert err.value.field == "phase"


def test_at_most_nine_photos_per_phase(case, cast):
    for _ in range(MAX_PHOTOS_PER_PHASE):
        case_photo_add(case=case, actor=cast["inspector"], upload=upload(size=(8, 8)), phase="before")
    with pytest.raises(Conflict):
        case_photo_add(case=case, actor=cast["inspector"], upload=upload(size=(8, 8)), phase="before")
    # The limit is per phase: the handler's after-photos still fit.
    case_photo_add(case=case, actor=cast["handler"], upload=upload(size=(8, 8)), phase="after")


@pytest.mark.parametrize(("who", "phase"), [
    ("inspector", "before"), ("inspector", "check"), ("handler", "after"), ("acceptor", "after"), ("admin", "check"),
])
def test_who_may_add_which_phase(case, cast, who, phase):
    assert case_photo_add(case=case, actor=cast[who], upload=upload(size=(8, 8)), phase=phase).phase == phase


@pytest.mark.parametrize(("who", "phase"), [
    ("inspector", "after"), ("handler", "before"), ("dispatcher", "before"), ("leader", "check"),
])
def test_others_are_refused_with_403(case, cast, who, phase):
    with pytest.raises(Forbidden):
        case_photo_add(case=case, actor=cast[who], upload=upload(size=(8, 8)), phase=phase)


def test_the_reporter_may_add_before_photos_without_an_inspector_role(city, cast):
    from cityops.org.models import Role
    from cityops.testing.factories import make_user

    citizen_desk = make_user("desk", Role.DISPATCHER, scope_region=city.districts[0])
    case = make_case(city, reporter=citizen_desk)
    assert case_photo_add(case=case, actor=citizen_desk, upload=upload(size=(8, 8)), phase=PhotoPhase.BEFORE)
    with pytest.raises(Forbidden):
        case_photo_add(case=case, actor=citizen_desk, upload=upload(size=(8, 8)), phase=PhotoPhase.CHECK)


def test_a_case_outside_the_scope_is_404(case, cast):
    with pytest.raises(NotFound):
        case_photo_add(case=case, actor=cast["west_inspector"], upload=upload(size=(8, 8)), phase="before")


def test_a_closed_case_takes_no_more_photos(city, cast):
    closed = make_case(city, state=CaseState.CLOSED)
    with pytest.raises(Conflict, match="closed|Closed|已结案"):
        case_photo_add(case=closed, actor=cast["inspector"], upload=upload(size=(8, 8)), phase="check")
