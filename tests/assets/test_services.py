import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cityops.assets.models import Component, ComponentStatus
from cityops.assets.services import (
    component_create,
    component_photo_add,
    component_update_status,
    next_sequence,
)
from cityops.catalog.models import CatalogClass
from cityops.catalog.services import catalog_class_retire
from cityops.core.errors import Conflict, Forbidden, InvalidInput
from cityops.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_create_allocates_the_next_sequence_per_district_and_class(census):
    assert census["east1"].ident == "51010401001000001"
    assert census["east2"].ident == "51010401001000002"
    assert census["east_lamp"].ident == "51010401032000001"
    assert census["west1"].ident == "51010501001000001"
    assert next_sequence(admin_code="510104", class_code="01001") == 3


def test_create_stores_the_grid_and_its_path_from_locate(census, city):
    east1 = census["east1"]
    assert east1.grid == city.grids[0]
    assert east1.region_path == city.grids[0].path
    assert AuditEvent.objects.filter(action="assets.component.created", object_id=str(east1.pk)).exists()


def test_create_accepts_gb_abbreviations_and_chinese_status(personas):
    c = component_create(data={"GLBJBSM": "51010401001000050", "GLBJMC": "供水井盖", "GLBJZT": "破损",
                               "CSRQ": "20260105", "ZGBMMC": "市水务局", "SZJDDM": "510104001",
                               "lon": 104.005, "lat": 30.015}, actor=personas["admin"])
    assert (c.catalog_class.code, c.name, c.status) == ("01001", "供水井盖", ComponentStatus.DAMAGED)
    assert c.survey_date == dt.date(2026, 1, 5) and c.supervising_dept_name == "市水务局"
    assert c.attributes == {"street_code": "510104001"}


def test_create_accepts_a_line_shape_and_takes_a_point_on_it(personas):
    shape = {"type": "LineString", "coordinates": [[104.001, 30.011], [104.004, 30.011]]}
    c = component_create(data={"catalog_class": "02030", "shape": shape}, actor=personas["admin"])
    assert c.shape_wkb and 104.001 <= c.lon <= 104.004


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"catalog_class": "01001", "lon": 105.0, "lat": 31.0}, "lon", "outside the service area"),
        ({"catalog_class": "matter:06010", "lon": 104.005, "lat": 30.015}, "class", "not a component class"),
        ({"catalog_class": "01999", "lon": 104.005, "lat": 30.015}, "class", "Unknown component class"),
        ({"ident": "51010401002000001", "catalog_class": "01001", "lon": 104.005, "lat": 30.015}, "ident",
         "holds class 01002"),
        ({"ident": "51010501001000001", "lon": 104.005, "lat": 30.015}, "ident", "district 510104"),
        ({"ident": "5101040100100001", "lon": 104.005, "lat": 30.015}, "ident", "17 digits"),
        ({"catalog_class": "01001", "lon": 104.005, "lat": 30.015, "grid_code": "510104001001002"}, "grid_code",
         "510104001001001"),
        ({"catalog_class": "01001", "lon": 104.005, "lat": 30.015, "status": "broken"}, "status", "Unknown status"),
        ({"catalog_class": "01001", "lon": 104.005, "lat": 30.015, "CSRQ": "2026-13-01"}, "survey_date", "date"),
        ({"catalog_class": "01001", "lon": 104.005}, "lon", "missing"),
        ({"catalog_class": "01001", "lon": 104.005, "lat": 30.015, "owner_department": "NOPE"}, "owner_department",
         "Unknown department"),
    ],
)
def test_create_refuses_bad_input_naming_the_field(personas, data, field, message):
    with pytest.raises(InvalidInput, match=message) as exc:
        component_create(data=data, actor=personas["admin"])
    assert exc.value.field == field
    assert not Component.objects.exists()


def test_create_refuses_a_retired_class(personas):
    catalog_class_retire(catalog_class=CatalogClass.objects.get(kind="component", code="01001"), actor="test")
    with pytest.raises(InvalidInput, match="retired"):
        component_create(data={"catalog_class": "01001", "lon": 104.005, "lat": 30.015}, actor=personas["admin"])


def test_create_refuses_an_existing_ident(census, personas):
    with pytest.raises(Conflict):
        component_create(data={"ident": census["east1"].ident, "lon": 104.005, "lat": 30.015}, actor=personas["admin"])


def test_create_needs_the_admin_role(personas):
    with pytest.raises(Forbidden):
        component_create(data={"catalog_class": "01001", "lon": 104.005, "lat": 30.015}, actor=personas["inspector"])


def test_status_change_records_the_date_and_an_audit_event(census, personas):
    later = census["east1"].survey_date + dt.timedelta(days=3)
    c = component_update_status(component=census["east1"], status="丢失", change_date=later.isoformat(),
                                actor=personas["admin"])
    c.refresh_from_db()
    assert (c.status, c.change_date) == (ComponentStatus.LOST, later)
    event = AuditEvent.objects.get(action="assets.component.status_changed")
    assert event.data["from"] == "intact" and event.data["to"] == "lost"


def test_status_change_refuses_a_date_before_the_survey(census, personas):
    with pytest.raises(InvalidInput, match="before the survey"):
        component_update_status(component=census["east1"], status="lost", change_date="20000101",
                                actor=personas["admin"])


def _image(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_photo_accepts_real_images(census, personas, settings, tmp_path, fmt):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile(f"p.{fmt.lower()}", _image(fmt))
    photo = component_photo_add(component=census["east1"], upload=upload, actor=personas["admin"])
    assert photo.image.name.startswith("components/")


@pytest.mark.parametrize(("name", "content", "message"), [
    ("fake.jpg", b"not an image at all", "not a readable image"),
    ("pic.gif", _image("GIF"), "JPEG, PNG or WebP"),
    ("cut.png", _image("PNG")[:40], "not a readable image"),
])
def test_photo_refuses_files_that_are_not_allowed_images(census, personas, name, content, message):
    with pytest.raises(InvalidInput, match=message):
        component_photo_add(component=census["east1"], upload=SimpleUploadedFile(name, content), actor=personas["admin"])


def test_photo_refuses_more_than_10_mb(census, personas):
    upload = SimpleUploadedFile("big.png", _image("PNG"))
    upload.size = 10 * 1024 * 1024 + 1
    with pytest.raises(InvalidInput, match="10 MB"):
        component_photo_add(component=census["east1"], upload=upload, actor=personas["admin"])


def test_allocation_retries_when_a_concurrent_writer_took_the_sequence(census, personas, monkeypatch):
    """Simulate the race: the first pick is a sequence another request has just inserted."""
    from cityops.assets import services

    picks = iter([2, 3])  # 000002 exists (east2), 000003 is free
    monkeypatch.setattr(services, "next_sequence", lambda **kw: next(picks))
    c = component_create(data={"catalog_class": "01001", "lon": 104.005, "lat": 30.015}, actor=personas["admin"])
    assert c.ident == "51010401001000003"
    assert Component.objects.filter(ident__startswith="51010401001").count() == 3
