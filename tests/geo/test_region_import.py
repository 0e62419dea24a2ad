"""Importing regions: GeoJSON and Shapefile, all or nothing, re-import in place, clear refusals."""

from __future__ import annotations

import json
from io import StringIO

import pytest
import shapefile
from django.core.management import CommandError, call_command

from cityops.core.errors import Forbidden, InvalidInput
from cityops.core.models import AuditEvent
from cityops.geo.importers import FieldMap, read_geojson
from cityops.geo.locate import locate
from cityops.geo.models import Level, Region, RegionSetVersion
from cityops.geo.services import regions_import
from cityops.testing import factories as f

COMMUNITY = "510104001001"


def _square(x0: float, y0: float, x1: float, y1: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def _feature(code: str, name: str, geometry: dict | None, **props) -> dict:
    return {"type": "Feature", "properties": {"code": code, "name": name, **props}, "geometry": geometry}


def _collection(*features: dict) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


def _grids(*overrides: tuple[int, dict]) -> list[dict]:
    """The 2 × 2 grids of the test community (104.00–104.02 × 30.00–30.02), with some features replaced."""
    features = [
        _feature(f"{COMMUNITY}{seq:03d}", f"网格{seq}",
                 _square(104.0 + 0.01 * col, 30.01 - 0.01 * row, 104.01 + 0.01 * col, 30.02 - 0.01 * row))
        for seq, (row, col) in enumerate([(0, 0), (0, 1), (1, 0), (1, 1)], start=1)
    ]
    for index, feature in overrides:
        features[index] = feature
    return features


def _import(level: str, text: str, actor="test"):
    return regions_import(level=level, features=read_geojson(text), actor=actor)


@pytest.fixture
def community(db):
    """A city, district, street and community imported level by level (one 0.02° square each)."""
    outline = _square(104.0, 30.0, 104.02, 30.02)
    _import(Level.CITY, _collection(_feature("510100", "测试市", _square(103.9, 29.9, 104.1, 30.1))))
    _import(Level.DISTRICT, _collection(_feature("510104", "锦江区", outline, name_en="Jinjiang")))
    _import(Level.STREET, _collection(_feature("510104001", "一街道", outline)))
    _import(Level.COMMUNITY, _collection(_feature(COMMUNITY, "一社区", outline)))
    return Region.objects.get(code=COMMUNITY)


def test_import_builds_the_hierarchy_and_locate_finds_the_new_grids(community, tmp_path):
    path = tmp_path / "grids.geojson"
    path.write_text(_collection(*_grids()))
    out = StringIO()
    call_command("import_regions", "grid", str(path), "--no-progress", stdout=out)
    assert "4 created, 0 updated, 0 unchanged" in out.getvalue()
    grid = Region.objects.get(code=f"{COMMUNITY}001")
    assert grid.parent == community
    assert grid.path == f"/510100/510104/510104001/{COMMUNITY}/{COMMUNITY}001/"
    assert Region.objects.get(code="510104").name_en == "Jinjiang"
    location = locate(104.005, 30.015)
    assert (location.grid.code, location.district.code, location.city.code) == (grid.code, "510104", "510100")
    event = AuditEvent.objects.filter(action="geo.regions.imported").first()
    assert event.data["created"] == 4 and event.data["level"] == "grid"


def test_import_reads_a_gbk_shapefile_with_mapped_fields(community, tmp_path):
    writer = shapefile.Writer(str(tmp_path / "grids"), shapeType=shapefile.POLYGON, encoding="gbk")
    writer.field("GRID_ID", "C", size=20)
    writer.field("MC", "C", size=40)
    writer.field("AREA_HA", "N", size=10, decimal=2)
    for feature in _grids():
        ring = feature["geometry"]["coordinates"][0]
        writer.poly([list(reversed(ring))])  # Shapefile outer rings run clockwise
        writer.record(feature["properties"]["code"], feature["properties"]["name"], 1.0)
    writer.close()
    out = StringIO()
    call_command("import_regions", "grid", str(tmp_path / "grids.shp"), "--code-field", "GRID_ID",
                 "--name-field", "MC", "--no-progress", stdout=out)
    assert "4 created" in out.getvalue()
    grid = Region.objects.get(code=f"{COMMUNITY}002")
    assert grid.name == "网格2"
    assert grid.properties == {"AREA_HA": 1.0}
    assert locate(104.015, 30.015).grid.code == grid.code


def test_reimport_updates_in_place_and_reports_what_changed(community, tmp_path):
    _import(Level.GRID, _collection(*_grids()))
    version = RegionSetVersion.objects.get().version
    grids = _grids(
        (0, _feature(f"{COMMUNITY}001", "改名网格", _grids()[0]["geometry"])),
        (1, _feature(f"{COMMUNITY}002", "网格2", _square(104.01, 30.01, 104.02, 30.019))),
    )
    path = tmp_path / "grids.geojson"
    path.write_text(_collection(*grids))
    out = StringIO()
    call_command("import_regions", "grid", str(path), "--no-progress", verbosity=2, stdout=out)
    assert "0 created, 2 updated, 2 unchanged" in out.getvalue()
    assert f"updated {COMMUNITY}001" in out.getvalue() and f"updated {COMMUNITY}002" in out.getvalue()
    assert Region.objects.filter(level=Level.GRID).count() == 4
    assert Region.objects.get(code=f"{COMMUNITY}001").name == "改名网格"
    assert Region.objects.get(code=f"{COMMUNITY}002").max_lat == pytest.approx(30.019)
    assert RegionSetVersion.objects.get().version == version + 1
    assert locate(104.005, 30.015).grid.name == "改名网格"
    # The same file again changes nothing and keeps the version.
    report = _import(Level.GRID, _collection(*grids))
    assert (len(report.created), len(report.updated), report.unchanged) == (0, 0, 4)
    assert RegionSetVersion.objects.get().version == version + 1


BOWTIE = {"type": "Polygon", "coordinates": [[[104.0, 30.01], [104.01, 30.02], [104.01, 30.01],
                                              [104.0, 30.02], [104.0, 30.01]]]}


@pytest.mark.parametrize("features, expected", [
    (_grids((0, _feature(f"{COMMUNITY}001", "蝴蝶", BOWTIE))), "feature 0 (510104001001001): invalid polygon: Self-intersection"),
    (_grids((3, _feature(f"{COMMUNITY}004", "出界", _square(104.01, 30.0, 104.03, 30.01)))), "feature 3 (510104001001004): 50.0% of it lies outside its parent 510104001001"),
    (_grids((1, _feature(f"{COMMUNITY}002", "重叠", _square(104.005, 30.01, 104.02, 30.02)))), "feature 0 (510104001001001): overlaps 510104001001002 (feature 1) by 50.0%"),
    (_grids((1, _feature(f"{COMMUNITY}001", "重复", _grids()[1]["geometry"]))), "feature 1 (510104001001001): duplicate code, already used by feature 0"),
    (_grids((2, _feature(f"{COMMUNITY}03", "短码", _grids()[2]["geometry"]))), "feature 2 (51010400100103): a grid code has 15 digits, '51010400100103' has 14"),
    (_grids((2, _feature(f"{COMMUNITY}00A", "字母", _grids()[2]["geometry"]))), "code '51010400100100A' must be digits only"),
    (_grids((1, _feature(f"{COMMUNITY}002", "无图形", None))), "feature 1 (510104001001002): no geometry"),
    (_grids((1, _feature(f"{COMMUNITY}002", "点", {"type": "Point", "coordinates": [104.01, 30.01]}))), "geometry must be a Polygon or MultiPolygon, found 'Point'"),
    (_grids((1, _feature("510104001009002", "孤儿", _grids()[1]["geometry"]))), "feature 1 (510104001009002): unknown parent community '510104001009'"),
    (_grids((1, _feature(f"{COMMUNITY}002", "投影", _square(400000, 3300000, 401000, 3301000)))), "coordinates out of longitude/latitude range"),
    (_grids((1, ["not", "a", "feature"])), "feature 1: not a GeoJSON Feature object"),
])
def test_a_bad_feature_refuses_the_whole_import(community, tmp_path, features, expected):
    path = tmp_path / "grids.geojson"
    path.write_text(_collection(*features))
    with pytest.raises(CommandError) as err:
        call_command("import_regions", "grid", str(path), "--no-progress")
    assert expected in str(err.value)
    assert "nothing was written" in str(err.value)
    assert not Region.objects.filter(level=Level.GRID).exists()
    assert not AuditEvent.objects.filter(action="geo.regions.imported", object_id="grid").exists()


@pytest.mark.parametrize("text, expected", [
    ('{"type": "FeatureCollection", "features": [', "not valid JSON"),
    ('{"type": "Feature", "geometry": null}', "must be a GeoJSON FeatureCollection, found 'Feature'"),
    ("[1, 2]", "must be a GeoJSON FeatureCollection"),
    ('{"type": "FeatureCollection"}', 'no "features" list'),
])
def test_a_malformed_file_is_refused(community, tmp_path, text, expected):
    path = tmp_path / "grids.geojson"
    path.write_text(text)
    with pytest.raises(CommandError, match=expected):
        call_command("import_regions", "grid", str(path), "--no-progress")
    assert not Region.objects.filter(level=Level.GRID).exists()


def test_every_problem_is_reported_together(community):
    features = _grids((0, _feature(f"{COMMUNITY}001", "蝴蝶", BOWTIE)), (2, _feature("123", "短码", None)))
    with pytest.raises(InvalidInput) as err:
        _import(Level.GRID, _collection(*features))
    messages = [d["message"] for d in err.value.details]
    assert messages[0].startswith("feature 0 (510104001001001): invalid polygon")
    assert any(m.startswith("feature 2 (123): a grid code has 15 digits") for m in messages)
    assert any(m.startswith("feature 2 (123): no geometry") for m in messages)
    assert "3 problems found" in err.value.message


def test_an_overlap_with_a_stored_sibling_is_refused(community):
    _import(Level.GRID, _collection(*_grids()[:2]))
    with pytest.raises(InvalidInput, match=r"overlaps 510104001001001 by 100.0%"):
        _import(Level.GRID, _collection(_feature(f"{COMMUNITY}003", "压盖", _grids()[0]["geometry"])))


def test_a_district_must_share_the_first_four_digits_of_its_city(community):
    outline = _square(104.02, 30.0, 104.04, 30.02)
    feature = _feature("510205", "外市区", outline, parent_code="510100")
    with pytest.raises(InvalidInput, match="does not start with its parent's code '5101'"):
        _import(Level.DISTRICT, _collection(feature))


def test_only_administrators_may_import(community, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    inspector = f.make_user("insp", "inspector")
    with pytest.raises(Forbidden):
        _import(Level.GRID, _collection(*_grids()), actor=inspector)
    admin = f.make_user("adm", "admin")
    assert len(_import(Level.GRID, _collection(*_grids()), actor=admin).created) == 4
    assert AuditEvent.objects.filter(action="geo.regions.imported", actor_user=admin).exists()


def test_field_names_can_be_mapped():
    text = _collection({"type": "Feature", "geometry": None,
                        "properties": {"DM": 510104001001001, "MC": "网格", "SJ": "510104001001", "X": 1}})
    feature = read_geojson(text, fields=FieldMap(code="DM", name="MC", parent="SJ"))[0]
    assert (feature.code, feature.name, feature.parent_code, feature.properties) == (
        "510104001001001", "网格", "510104001001", {"X": 1})


def _write_shapefile(base, features, encoding="utf-8"):
    writer = shapefile.Writer(str(base), shapeType=shapefile.POLYGON, encoding=encoding)
    writer.field("code", "C", size=20)
    writer.field("name", "C", size=40)
    for feature in features:
        writer.poly([list(reversed(feature["geometry"]["coordinates"][0]))])
        writer.record(feature["properties"]["code"], feature["properties"]["name"])
    writer.close()


def test_a_shapefile_in_a_projected_crs_is_refused(community, tmp_path):
    _write_shapefile(tmp_path / "grids", _grids())
    (tmp_path / "grids.prj").write_text('PROJCS["CGCS2000 / 3-degree Gauss-Kruger CM 105E",GEOGCS["China 2000"]]')
    with pytest.raises(CommandError, match="projected coordinate system"):
        call_command("import_regions", "grid", str(tmp_path / "grids.shp"), "--no-progress")


def test_a_shapefile_that_cannot_be_decoded_names_the_encoding(community, tmp_path):
    _write_shapefile(tmp_path / "grids", _grids(), encoding="gbk")
    with pytest.raises(CommandError, match="Cannot decode the Shapefile's text attributes as utf-8"):
        call_command("import_regions", "grid", str(tmp_path / "grids.shp"), "--encoding", "utf-8", "--no-progress")
    call_command("import_regions", "grid", str(tmp_path / "grids.shp"), "--encoding", "gbk", "--no-progress",
                 stdout=StringIO())
    assert Region.objects.get(code=f"{COMMUNITY}001").name == "网格1"
