"""`cityops photos_shrink`: photos stored at full size before the size limit are stored again downscaled (a new
thumbnail for case photos), the old files removed; photos within the limit are left as they are."""

from __future__ import annotations

import io
import os

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from PIL import Image

from cityops.assets.models import ComponentPhoto
from cityops.cases.models import CasePhoto
from cityops.core.models import AuditEvent
from cityops.testing.factories import make_case

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def jpeg(size: tuple[int, int]) -> ContentFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (120, 20, 20)).save(buffer, format="JPEG")
    return ContentFile(buffer.getvalue())


def stored_as_before(case, size: tuple[int, int]) -> CasePhoto:
    """A photo as the old code stored it: the upload's full size."""
    photo = CasePhoto(case=case, phase="before", content_type="image/jpeg", size=0)
    photo.image.save(f"{case.number}-old.jpg", jpeg(size), save=False)
    photo.thumbnail.save(f"{case.number}-old.jpg", jpeg((320, 240)), save=False)
    photo.save()
    return photo


def test_old_full_size_photos_are_stored_again_downscaled(city, tmp_path):
    case = make_case(city)
    big, small = stored_as_before(case, (4000, 3000)), stored_as_before(case, (800, 600))
    old_files = [big.image.path, big.thumbnail.path]
    small_name = small.image.name
    call_command("photos_shrink", stdout=io.StringIO())
    big.refresh_from_db()
    small.refresh_from_db()
    with Image.open(big.image.path) as image, Image.open(big.thumbnail.path) as thumb:
        assert image.size == (2560, 1920) and thumb.size == (320, 240)
    assert big.size == big.image.size
    assert not any(os.path.exists(path) for path in old_files)
    assert small.image.name == small_name
    assert AuditEvent.objects.filter(action="cases.photos.shrunk", data__photos=1).exists()


def test_component_photos_too(personas):
    from cityops.assets.services import component_create

    component = component_create(data={"catalog_class": "01001", "lon": 104.005, "lat": 30.015},
                                 actor=personas["admin"])
    photo = ComponentPhoto(component=component)
    photo.image.save("old.jpg", jpeg((3000, 3000)), save=False)
    photo.save()
    call_command("photos_shrink", stdout=io.StringIO())
    photo.refresh_from_db()
    with Image.open(photo.image.path) as image:
        assert image.size == (2560, 2560)
