import csv
import io

import pytest
from django.core.management import CommandError, call_command

from cityops.catalog.importing import COMPONENTS_CSV, EVENTS_CSV, pinyin_initials, read_catalog_csv
from cityops.catalog.models import CatalogClass, ClassKind, MatterKind
from cityops.catalog.services import catalog_import
from cityops.core.errors import InvalidInput
from cityops.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_migrate_loads_153_component_and_250_matter_classes():
    assert CatalogClass.objects.filter(kind=ClassKind.COMPONENT).count() == 153
    assert CatalogClass.objects.filter(kind=ClassKind.MATTER).count() == 250


def test_every_class_carries_both_languages_its_major_class_and_its_source():
    for c in CatalogClass.objects.all():
        assert c.name and c.name_en and c.major_name and c.major_name_en, c.code
        assert c.source.startswith("GB/T 47678.5-2026"), c.code


def test_the_same_code_exists_as_a_component_and_as_a_matter():
    cover = CatalogClass.objects.get(kind=ClassKind.COMPONENT, code="01001")
    abnormality = CatalogClass.objects.get(kind=ClassKind.MATTER, code="01001")
    assert cover.name == "供水井盖"
    assert abnormality.name == "供水井盖异常"
    assert abnormality.matter_kind == MatterKind.COMPONENT_ABNORMALITY


def test_event_matters_have_the_event_kind_and_the_csv_department_hint():
    garbage = CatalogClass.objects.get(kind=ClassKind.MATTER, code="06010")
    assert (garbage.name, garbage.name_en, garbage.matter_kind) == ("暴露垃圾", "Exposed garbage", MatterKind.EVENT)
    assert garbage.default_department_hint == "城市管理部门"
    assert garbage.pinyin_initials == "bllj"


def test_matters_get_default_register_and_close_conditions():
    garbage = CatalogClass.objects.get(kind=ClassKind.MATTER, code="06010")
    assert garbage.register_conditions == "暴露垃圾面积≥0.5平方米或影响市容"
    assert garbage.close_conditions == "垃圾清理干净，现场无残留"
    assert CatalogClass.objects.filter(kind=ClassKind.MATTER, register_conditions="").count() == 0


def test_pinyin_initials_cover_the_standard_and_the_local_name():
    assert pinyin_initials("暴露垃圾") == "bllj"
    assert pinyin_initials("道路遗撒（洒）") == "dlyss"
    assert pinyin_initials("暴露垃圾", "垃圾堆") == "bllj ljd"


def test_import_catalog_is_idempotent_and_reports_counts():
    out = io.StringIO()
    call_command("import_catalog", stdout=out)
    assert "0 created, 0 updated, 403 unchanged" in out.getvalue()
    assert CatalogClass.objects.count() == 403
    assert AuditEvent.objects.filter(action="catalog.classes.imported").count() == 1


def test_import_catalog_updates_in_place_and_keeps_local_edits():
    garbage = CatalogClass.objects.get(kind=ClassKind.MATTER, code="06010")
    CatalogClass.objects.filter(pk=garbage.pk).update(name_en="changed", local_name="垃圾堆", close_conditions="x")
    result = catalog_import(actor="test")
    garbage.refresh_from_db()
    assert (result.created, result.updated) == (0, 1)
    assert garbage.name_en == "Exposed garbage"
    assert (garbage.local_name, garbage.close_conditions) == ("垃圾堆", "x")
    assert garbage.pinyin_initials == "bllj ljd"


def test_import_catalog_recreates_a_deleted_class():
    CatalogClass.objects.filter(kind=ClassKind.MATTER, code="10002").delete()
    result = catalog_import(actor="test")
    assert result.created == 1
    assert CatalogClass.objects.filter(kind=ClassKind.MATTER, code="10002").exists()


def _broken_copy(tmp_path, source, row_index: int, column: str, value: str):
    with open(source, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    rows[row_index][column] = value
    path = tmp_path / source.name
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_import_refuses_a_malformed_file_naming_the_row_and_writes_nothing(tmp_path):
    path = _broken_copy(tmp_path, EVENTS_CSV, 4, "full_code", "0100X")
    CatalogClass.objects.filter(kind=ClassKind.MATTER, code="06010").update(name_en="changed")
    with pytest.raises(InvalidInput, match="row 6") as exc:
        catalog_import(events_path=path, actor="test")
    assert "full_code" in exc.value.details[0]["message"]
    assert CatalogClass.objects.get(kind=ClassKind.MATTER, code="06010").name_en == "changed"


def test_import_refuses_a_repeated_code(tmp_path):
    path = _broken_copy(tmp_path, COMPONENTS_CSV, 1, "minor_code", "001")
    path = _broken_copy(tmp_path, path, 1, "full_code", "01001")
    with pytest.raises(InvalidInput, match="repeats row 2"):
        read_catalog_csv(path, kind="component")


def test_import_refuses_a_file_without_the_needed_columns(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("code,name\n01001,井盖\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="lacks the columns"):
        read_catalog_csv(path, kind="component")


def test_import_catalog_command_names_the_bad_row(tmp_path):
    path = _broken_copy(tmp_path, COMPONENTS_CSV, 0, "minor_name_zh", "")
    with pytest.raises(CommandError, match="row 2: minor_name_zh is empty"):
        call_command("import_catalog", components=str(path), stdout=io.StringIO())
