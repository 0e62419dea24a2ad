"""Helpers of the portal tests: a staff cast, a valid challenge answer, photos, walking a case to the close."""

from __future__ import annotations

import io

from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cityops.cases import services as s
from cityops.cases.models import Case
from cityops.catalog.models import ResponsibilityRule
from cityops.catalog.selectors import catalog_class_from_ref
from cityops.intake.portal.challenge import SALT, challenge_new
from cityops.org.models import Role
from cityops.testing import factories as f

EAST = (104.005, 30.015)  # 东区网格1
INTERNAL_NOTE = "内部备注：联系区长办公室"


def staff(personas, city) -> dict:
    """The personas plus an acceptor and a shift leader of 东区; 东区 garbage goes to 东区城管局."""
    east = city.districts[0]
    dept = personas["handler"].department
    ResponsibilityRule.objects.create(catalog_class=catalog_class_from_ref("matter:06010"), region=east,
                                      department=dept)
    return {**personas, "acceptor": f.make_user("acceptor", Role.ACCEPTOR, scope_region=east),
            "shift_leader": f.make_user("shift_leader", Role.SHIFT_LEADER, scope_region=east), "dept": dept}


def solved() -> tuple[str, str]:
    """A fresh challenge token and its right answer."""
    token = challenge_new().token
    return token, str(signing.loads(token, salt=SALT)["a"])


def photo(fmt: str = "JPEG", name: str = "p.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 30)).save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def accept(case: Case, cast: dict) -> Case:
    return s.case_accept(case=case, actor=cast["acceptor"], version=None, note=INTERNAL_NOTE)


def walk_to_close(case: Case, cast: dict, *, result: str = "已清运垃圾") -> Case:
    """Accept, register, dispatch, handle, check and close `case` with the staff of 东区."""
    case = accept(case, cast)
    case = s.case_register(case=case, actor=cast["shift_leader"], version=None, note=INTERNAL_NOTE)
    case = s.case_dispatch(case=case, actor=cast["dispatcher"], version=None, department=cast["dept"],
                           note=INTERNAL_NOTE)
    case = s.case_handle(case=case, actor=cast["handler"], version=None, result=result, note=INTERNAL_NOTE)
    case = s.case_send_to_check(case=case, actor=cast["acceptor"], version=None)
    case = s.case_check(case=case, actor=cast["inspector"], version=None, passed=True, note=INTERNAL_NOTE)
    return s.case_close(case=case, actor=cast["shift_leader"], version=None, note=INTERNAL_NOTE)
