import pytest

from cityops.catalog.models import CatalogClass, ResponsibilityRule
from cityops.org.models import Department

pytestmark = pytest.mark.django_db

URL = "/api/v1/catalog"


@pytest.fixture
def as_user(client, personas):
    def login(name):
        client.force_login(personas[name])
        return client

    return login


def test_anonymous_gets_401(client, db):
    assert client.get(f"{URL}/classes").status_code == 401
    assert client.post(f"{URL}/classes", {}, content_type="application/json").status_code == 401


def test_list_is_paginated_with_total(as_user):
    body = as_user("inspector").get(f"{URL}/classes", {"kind": "component", "limit": 10, "offset": 150}).json()
    assert body["total"] == 153 and body["offset"] == 150
    assert [i["code"] for i in body["items"]] == ["05002", "05003", "05009"]


@pytest.mark.parametrize(("q", "expected"), [("06010", "06010"), ("暴露垃圾", "06010"), ("exposed garbage", "06010"),
                                             ("bllj", "06010")])
def test_list_searches_code_chinese_english_and_pinyin(as_user, q, expected):
    items = as_user("inspector").get(f"{URL}/classes", {"q": q, "kind": "matter"}).json()["items"]
    assert expected in [i["code"] for i in items]


def test_list_items_carry_both_languages_and_the_source(as_user):
    item = as_user("inspector").get(f"{URL}/classes", {"q": "06010", "kind": "matter"}).json()["items"][0]
    assert item["name"] == "暴露垃圾" and item["name_en"] == "Exposed garbage"
    assert item["major_name"] == "市容环境类" and item["major_name_en"] == "Cityscape & environment"
    assert item["source"].startswith("GB/T 47678.5-2026")
    assert item["is_local"] is False and item["retired"] is False


def test_list_refuses_a_bad_kind_with_422(as_user):
    assert as_user("inspector").get(f"{URL}/classes", {"kind": "thing"}).status_code == 422


def test_detail_shows_time_limits_per_urgency(as_user):
    body = as_user("inspector").get(f"{URL}/classes/matter/06010").json()
    handle = {t["urgency"]: t for t in body["time_limits"] if t["stage"] == "handle"}
    assert handle["normal"]["minutes"] == 240 and handle["normal"]["class_specific"] is True
    assert len(body["time_limits"]) == 21
    assert body["register_conditions"] == "暴露垃圾面积≥0.5平方米或影响市容"


def test_detail_404_for_unknown_and_422_for_a_bad_kind(as_user):
    client = as_user("inspector")
    assert client.get(f"{URL}/classes/matter/99999").status_code == 404
    assert client.get(f"{URL}/classes/thing/06010").status_code == 422


def test_urgencies(as_user):
    body = as_user("inspector").get(f"{URL}/urgencies").json()
    assert [(u["code"], u["name"], u["is_default"]) for u in body] == [
        ("urgent", "紧急", False), ("pressing", "较急", False), ("normal", "一般", True)]


def test_admin_adds_renames_retires_and_restores_a_local_class(as_user):
    client = as_user("admin")
    created = client.post(f"{URL}/classes", {"kind": "matter", "code": "06501", "name": "共享电单车乱停"},
                          content_type="application/json")
    assert created.status_code == 201 and created.json()["is_local"] is True
    renamed = client.post(f"{URL}/classes/matter/06501/rename", {"local_name": "电单车乱停"},
                          content_type="application/json")
    assert renamed.json()["display_name"] == "电单车乱停"
    assert client.post(f"{URL}/classes/matter/06501/retire").json()["retired"] is True
    assert "06501" not in [i["code"] for i in client.get(f"{URL}/classes", {"q": "065"}).json()["items"]]
    assert client.post(f"{URL}/classes/matter/06501/restore").json()["retired"] is False


def test_adding_a_standard_range_code_is_422_naming_the_field(as_user):
    response = as_user("admin").post(f"{URL}/classes", {"kind": "matter", "code": "06010", "name": "x"},
                                     content_type="application/json")
    assert response.status_code == 422 and response.json()["field"] == "code"


def test_non_admin_writes_are_403(as_user):
    client = as_user("dispatcher")
    assert client.post(f"{URL}/classes", {"kind": "matter", "code": "06501", "name": "x"},
                       content_type="application/json").status_code == 403
    assert client.post(f"{URL}/classes/matter/06010/retire").status_code == 403
    assert client.post(f"{URL}/classes/matter/99999/retire").status_code == 403
    assert CatalogClass.objects.get(kind="matter", code="06010").retired_at is None


def test_token_scopes_are_enforced(client, personas, api_token):
    reader = api_token(personas["admin"], "catalog:read")
    assert client.get(f"{URL}/classes", HTTP_AUTHORIZATION=reader).status_code == 200
    assert client.post(f"{URL}/classes/matter/06010/retire", HTTP_AUTHORIZATION=reader).status_code == 403
    other = api_token(personas["admin"], "geo:read")
    assert client.get(f"{URL}/classes", HTTP_AUTHORIZATION=other).status_code == 403
    writer = api_token(personas["admin"], "catalog:read", "catalog:write")
    assert client.post(f"{URL}/classes/matter/06010/retire", HTTP_AUTHORIZATION=writer).status_code == 200


def test_responsibility_endpoint_names_the_department_and_the_reason(as_user, city):
    east = Department.objects.get(code="EAST-CG")
    ResponsibilityRule.objects.create(catalog_class=None, region=city.districts[0], department=east)
    client = as_user("inspector")
    grid = city.grids[0].code
    body = client.get(f"{URL}/responsibility", {"class": "matter:06010", "region": grid}).json()
    assert body["department_code"] == "EAST-CG" and body["rule_class"] is None
    assert "东区城管局" in body["reason"]
    assert client.get(f"{URL}/responsibility", {"class": "06010", "region": city.grids[4].code}).status_code == 404
    assert client.get(f"{URL}/responsibility", {"class": "bad", "region": grid}).status_code == 422
