import pytest

from cityops.catalog.models import CatalogClass, ClassKind, MatterKind, ResponsibilityRule, Stage, Urgency
from cityops.catalog.services import (
    catalog_class_add_local,
    catalog_class_rename,
    catalog_class_restore,
    catalog_class_retire,
    responsibility_rule_delete,
    responsibility_rule_set,
    time_limit_set,
)
from cityops.core.errors import Conflict, Forbidden, InvalidInput
from cityops.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def actions():
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


def test_admin_adds_a_local_matter_under_a_standard_major(personas):
    added = catalog_class_add_local(kind="matter", code="06501", name="共享电单车乱停", name_en="Shared e-bike parking",
                                    actor=personas["admin"])
    assert added.is_local and added.matter_kind == MatterKind.EVENT
    assert (added.major_name, added.major_name_en) == ("市容环境类", "Cityscape & environment")
    assert added.pinyin_initials.startswith("gxddc")
    assert actions() == ["catalog.class.added"]


def test_a_local_component_needs_a_major_name_for_a_new_major(personas):
    with pytest.raises(InvalidInput) as exc:
        catalog_class_add_local(kind="component", code="06001", name="智能垃圾箱", actor=personas["admin"])
    assert exc.value.field == "major_name"
    added = catalog_class_add_local(kind="component", code="06001", name="智能垃圾箱", major_name="智慧设施",
                                    major_name_en="Smart facilities", actor=personas["admin"])
    assert added.kind == ClassKind.COMPONENT and added.matter_kind == ""


@pytest.mark.parametrize(("kind", "code"), [("matter", "06010"), ("matter", "06499"), ("matter", "10100"),
                                            ("component", "05001"), ("component", "01499")])
def test_a_standard_range_code_is_refused_with_the_rule(personas, kind, code):
    with pytest.raises(InvalidInput, match="500") as exc:
        catalog_class_add_local(kind=kind, code=code, name="x", actor=personas["admin"])
    assert exc.value.field == "code"


@pytest.mark.parametrize("code", ["6501", "0650A", "00501", ""])
def test_a_malformed_code_is_refused(personas, code):
    with pytest.raises(InvalidInput, match="5 digits"):
        catalog_class_add_local(kind="matter", code=code, name="x", actor=personas["admin"])


def test_a_bad_kind_is_refused(personas):
    with pytest.raises(InvalidInput) as exc:
        catalog_class_add_local(kind="event", code="06501", name="x", actor=personas["admin"])
    assert exc.value.field == "kind"


def test_adding_a_code_twice_is_a_conflict(personas):
    catalog_class_add_local(kind="matter", code="11001", name="甲", major_name="地方事项", actor=personas["admin"])
    with pytest.raises(Conflict):
        catalog_class_add_local(kind="matter", code="11001", name="乙", actor=personas["admin"])


def test_only_admins_change_the_catalogue(personas):
    cls = CatalogClass.objects.get(kind="matter", code="06010")
    with pytest.raises(Forbidden):
        catalog_class_add_local(kind="matter", code="06501", name="x", actor=personas["dispatcher"])
    with pytest.raises(Forbidden):
        catalog_class_retire(catalog_class=cls, actor=personas["leader"])
    assert actions() == []


def test_rename_sets_the_local_name_shown_instead_and_can_clear_it(personas):
    cls = CatalogClass.objects.get(kind="matter", code="06010")
    catalog_class_rename(catalog_class=cls, local_name="垃圾堆", actor=personas["admin"])
    cls.refresh_from_db()
    assert (cls.display_name, cls.name) == ("垃圾堆", "暴露垃圾")
    catalog_class_rename(catalog_class=cls, local_name="", actor=personas["admin"])
    cls.refresh_from_db()
    assert cls.display_name == "暴露垃圾"
    assert actions() == ["catalog.class.renamed", "catalog.class.renamed"]


def test_retire_keeps_the_class_and_restore_brings_it_back(personas):
    cls = CatalogClass.objects.get(kind="matter", code="06010")
    catalog_class_retire(catalog_class=cls, actor=personas["admin"])
    assert CatalogClass.objects.get(pk=cls.pk).is_retired
    catalog_class_retire(catalog_class=cls, actor=personas["admin"])  # no second event
    catalog_class_restore(catalog_class=cls, actor=personas["admin"])
    assert not CatalogClass.objects.get(pk=cls.pk).is_retired
    assert actions() == ["catalog.class.retired", "catalog.class.restored"]


def test_time_limit_set_overrides_per_class_with_audit(personas):
    cls = CatalogClass.objects.get(kind="matter", code="09009")
    normal = Urgency.objects.get(code="normal")
    limit = time_limit_set(catalog_class=cls, urgency=normal, stage=Stage.HANDLE, minutes=90, actor=personas["admin"])
    assert limit.catalog_class == cls and limit.minutes == 90
    with pytest.raises(InvalidInput):
        time_limit_set(catalog_class=cls, urgency=normal, stage=Stage.HANDLE, minutes=0, actor=personas["admin"])
    assert actions() == ["catalog.time_limit.set"]


def test_responsibility_rule_set_updates_the_existing_rule(personas, city):
    from cityops.org.models import Department

    east, west = Department.objects.get(code="EAST-CG"), Department.objects.get(code="WEST-CG")
    rule = responsibility_rule_set(catalog_class=None, region=city.districts[0], department=east, actor=personas["admin"])
    same = responsibility_rule_set(catalog_class=None, region=city.districts[0], department=west, actor=personas["admin"])
    assert same.pk == rule.pk and ResponsibilityRule.objects.get().department == west
    responsibility_rule_delete(rule=same, actor=personas["admin"])
    assert not ResponsibilityRule.objects.exists()
    assert actions() == ["catalog.responsibility_rule.set"] * 2 + ["catalog.responsibility_rule.deleted"]
