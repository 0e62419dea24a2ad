import io
import json

import pytest
from django.core.management import CommandError, call_command

from cityops.assets.importing import csv_records, geojson_records
from cityops.assets.models import Component, ComponentStatus
from cityops.assets.services import components_import
from cityops.core.errors import InvalidInput
from cityops.core.models import AuditEvent

pytestmark = pytest.mark.django_db

GB_HEADER = "GLBJBSM,GLBJMC,ZGBMDM,ZGBMMC,SZDYWGBSM,GLBJZT,CSRQ,BGRQ,lon,lat"
GOOD_ROWS = [
    "51010401001000001,供水井盖,,市水务局,510104001001001,完好,20260105,,104.005,30.015",
    "51010401001000002,供水井盖,,市水务局,,破损,20260105,20260301,104.006,30.016",
    "51010501003000001,雨水井盖,,市水务局,,intact,2026-01-06,,104.025,30.015",
]


def import_csv(lines, actor="test"):
    return components_import(records=csv_records("\n".join([GB_HEADER, *lines]) + "\n"), actor=actor)


def test_csv_with_gb_headers_imports_every_row(city):
    result = import_csv(GOOD_ROWS)
    assert (result.created, result.updated) == (3, 0)
    damaged = Component.objects.get(ident="51010401001000002")
    assert damaged.status == ComponentStatus.DAMAGED and damaged.change_date.isoformat() == "2026-03-01"
    assert damaged.grid == city.grids[0]
    assert Component.objects.get(ident="51010501003000001").region_path.startswith(city.districts[1].path)
    assert AuditEvent.objects.filter(action="assets.components.imported").count() == 1


def test_reimport_updates_by_ident(city):
    import_csv(GOOD_ROWS)
    changed = GOOD_ROWS[0].replace("完好", "丢失")
    result = import_csv([changed])
    assert (result.created, result.updated) == (0, 1)
    assert Component.objects.get(ident="51010401001000001").status == ComponentStatus.LOST
    assert Component.objects.count() == 3


def test_rows_without_ident_get_sequences_after_the_highest_in_file_and_database(city):
    import_csv(GOOD_ROWS[:1])
    text = "class,GLBJBSM,lon,lat\n01001,,104.007,30.015\n,51010401001000007,104.007,30.016\n01001,,104.008,30.015\n"
    components_import(records=csv_records(text), actor="test")
    assert sorted(Component.objects.values_list("ident", flat=True)) == [
        "51010401001000001", "51010401001000007", "51010401001000008", "51010401001000009"]


@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        ("5101040100100000X,供水井盖,,,,完好,20260105,,104.005,30.015", "digits"),
        ("51010501001000009,供水井盖,,,,完好,20260105,,104.005,30.015", "district 510104"),
        ("51010401999000001,供水井盖,,,,完好,20260105,,104.005,30.015", "Unknown component class"),
        ("51010401001000009,供水井盖,,,,完好,20260105,,105.5,31.5", "outside the service area"),
        ("51010401001000009,供水井盖,,,,完好,20261399,,104.005,30.015", "date"),
        ("51010401001000009,供水井盖,,,,坏了,20260105,,104.005,30.015", "Unknown status"),
        ("51010401001000009,供水井盖,,,510104001001004,完好,20260105,,104.005,30.015", "does not contain"),
        ("51010401001000001,供水井盖,,,,完好,20260105,,104.005,30.015", "repeats row 2"),
    ],
)
def test_a_bad_row_refuses_the_whole_file_naming_the_row(city, bad_row, message):
    with pytest.raises(InvalidInput, match=message) as exc:
        import_csv([GOOD_ROWS[0], GOOD_ROWS[1], bad_row])
    assert exc.value.details[0]["row"] == "row 4" or "repeats" in message
    assert not Component.objects.exists()
    assert not AuditEvent.objects.filter(action="assets.components.imported").exists()


def test_an_ident_that_does_not_match_the_class_column_is_refused(city):
    text = "class,GLBJBSM,lon,lat\n01001,51010401001000001,104.005,30.015\n01002,51010401001000002,104.005,30.015\n"
    with pytest.raises(InvalidInput, match="row 3: The identifier 51010401001000002 holds class 01001, not 01002"):
        components_import(records=csv_records(text), actor="test")
    assert not Component.objects.exists()


def test_every_bad_row_is_reported(city):
    rows = ["x,,,,,,,,104.005,30.015", GOOD_ROWS[0], "51010401001000009,,,,,完好,bad,,104.005,30.015"]
    with pytest.raises(InvalidInput) as exc:
        import_csv(rows)
    assert [d["row"] for d in exc.value.details] == ["row 2", "row 4"]


def _collection(*features):
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


def _feature(geometry, **properties):
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def test_geojson_imports_points_and_shapes(city):
    text = _collection(
        _feature({"type": "Point", "coordinates": [104.005, 30.015]}, GLBJBSM="51010401001000001", GLBJZT="完好"),
        _feature({"type": "LineString", "coordinates": [[104.001, 30.011], [104.004, 30.011]]},
                 **{"class": "02030", "name": "护栏"}),
    )
    result = components_import(records=geojson_records(text), actor="test")
    assert result.created == 2
    fence = Component.objects.get(catalog_class__code="02030")
    assert fence.shape_wkb is not None and fence.ident.startswith("51010402030")


def test_geojson_errors_name_the_feature_index(city):
    text = _collection(
        _feature({"type": "Point", "coordinates": [104.005, 30.015]}, GLBJBSM="51010401001000001"),
        _feature({"type": "Point", "coordinates": [120.0, 40.0]}, GLBJBSM="51010401001000002"),
    )
    with pytest.raises(InvalidInput, match="feature 1: .*outside the service area"):
        components_import(records=geojson_records(text), actor="test")
    assert not Component.objects.exists()


def test_geojson_refuses_a_bad_shape(city):
    text = _collection(_feature({"type": "Polygon", "coordinates": [[[1, 2]]]}, **{"class": "01001"}))
    with pytest.raises(InvalidInput, match="feature 0"):
        components_import(records=geojson_records(text), actor="test")


def test_geojson_refuses_something_else():
    with pytest.raises(InvalidInput, match="FeatureCollection"):
        geojson_records('{"type": "Feature"}')
    with pytest.raises(InvalidInput, match="JSON"):
        geojson_records("{not json")


def test_import_assets_command_imports_csv_and_geojson(city, tmp_path):
    csv_path = tmp_path / "census.csv"
    csv_path.write_text("\n".join([GB_HEADER, *GOOD_ROWS]) + "\n", encoding="utf-8")
    out = io.StringIO()
    call_command("import_assets", str(csv_path), "--no-progress", stdout=out)
    assert "3 created, 0 updated" in out.getvalue()
    geo_path = tmp_path / "more.json"
    geo_path.write_text(_collection(_feature({"type": "Point", "coordinates": [104.005, 30.015]},
                                             GLBJBSM="51010401001000001", GLBJZT="移除")), encoding="utf-8")
    call_command("import_assets", str(geo_path), "--format", "geojson", "--no-progress", stdout=out)
    assert "0 created, 1 updated" in out.getvalue()
    assert Component.objects.get(ident="51010401001000001").status == ComponentStatus.REMOVED


def test_import_assets_command_names_the_bad_row(city, tmp_path):
    path = tmp_path / "census.csv"
    path.write_text("\n".join([GB_HEADER, GOOD_ROWS[0], GOOD_ROWS[0].replace("完好", "?")]) + "\n", encoding="utf-8")
    with pytest.raises(CommandError, match="row 3"):
        call_command("import_assets", str(path), "--no-progress", stdout=io.StringIO())
    assert not Component.objects.exists()
