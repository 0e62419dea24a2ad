"""Image limits: too many pixels refused from the header before any decoding (413 naming the field, never a
500), photos stored at most CITYOPS_PHOTO_MAX_EDGE pixels wide, upright, without their EXIF metadata."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageFile, PngImagePlugin

from cityops.core.errors import PayloadTooLarge
from cityops.core.uploads import check_image, prepared_photo
from cityops.testing.images import png_bomb


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return png_bomb(12_000, 12_000)


def jpeg(size: tuple[int, int], **save) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 90, 200)).save(buffer, format="JPEG", **save)
    return SimpleUploadedFile("p.jpg", buffer.getvalue())


def test_a_12000_by_12000_png_is_refused_with_413_before_a_pixel_is_decoded(bomb, monkeypatch):
    assert len(bomb) < 1_000_000  # small enough to pass the byte limit: only the pixel count stops it

    def no_decoding(*args, **kwargs):
        raise AssertionError("the image was decoded")

    # Decoding (load) and structure checks (verify) are where the time went; the refusal comes before either.
    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    monkeypatch.setattr(PngImagePlugin.PngImageFile, "verify", no_decoding)
    with pytest.raises(PayloadTooLarge) as err:
        check_image(SimpleUploadedFile("bomb.png", bomb), field="photos")
    assert err.value.field == "photos" and "40" in err.value.message


def test_the_pixel_limit_is_a_setting(settings):
    settings.CITYOPS_MAX_PHOTO_PIXELS = 100 * 100
    assert check_image(jpeg((100, 100)), field="file") == "JPEG"
    with pytest.raises(PayloadTooLarge):
        check_image(jpeg((101, 100)), field="file")


def test_beyond_pillow_s_own_bomb_ceiling_it_is_still_413_not_a_500(settings, monkeypatch):
    # Pillow raises DecompressionBombError from Image.open above twice its MAX_IMAGE_PIXELS.
    settings.CITYOPS_MAX_PHOTO_PIXELS = 10**12
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(PayloadTooLarge) as err:
        check_image(jpeg((100, 100)), field="file")
    assert err.value.field == "file"


def test_a_5000_by_4000_jpeg_is_stored_downscaled_to_2560_with_a_thumbnail():
    upload = jpeg((5000, 4000))
    prepared = prepared_photo(upload, check_image(upload))
    with Image.open(prepared.image) as stored:
        assert stored.format == "JPEG" and stored.size == (2560, 2048)
    with Image.open(prepared.thumbnail) as thumb:
        assert thumb.size == (320, 256)
    assert prepared.image.size < upload.size


def test_the_stored_edge_is_a_setting_and_small_photos_are_not_enlarged(settings):
    settings.CITYOPS_PHOTO_MAX_EDGE = 1000
    with Image.open(prepared_photo(jpeg((3000, 1000)), "JPEG").image) as stored:
        assert stored.size == (1000, 333)
    with Image.open(prepared_photo(jpeg((640, 480)), "JPEG").image) as stored:
        assert stored.size == (640, 480)


def test_a_sideways_photo_is_stored_upright_and_without_its_exif_block():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to view
    exif[0x8825] = {2: (30.0, 1.0, 0.0)}  # a GPS position
    upload = jpeg((4000, 3000), exif=exif.tobytes())
    with Image.open(prepared_photo(upload, "JPEG").image) as stored:
        assert stored.size == (1920, 2560)
        assert not stored.getexif()


@pytest.mark.parametrize(("fmt", "mode"), [("PNG", "RGBA"), ("PNG", "P"), ("WEBP", "RGBA"), ("JPEG", "L"),
                                           ("JPEG", "CMYK")])
def test_every_accepted_mode_is_stored_in_its_format_with_a_jpeg_thumbnail(fmt, mode):
    buffer = io.BytesIO()
    Image.new(mode, (3000, 200)).save(buffer, format=fmt)
    upload = SimpleUploadedFile(f"p.{fmt.lower()}", buffer.getvalue())
    prepared = prepared_photo(upload, check_image(upload))
    with Image.open(prepared.image) as stored, Image.open(prepared.thumbnail) as thumb:
        assert stored.format == fmt and stored.size == (2560, 171)
        assert thumb.format == "JPEG" and thumb.size[0] == 320
