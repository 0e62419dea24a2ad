"""Discovery, service list and service definitions in JSON and XML."""

from __future__ import annotations

import io
import json

import pytest

from tests.open311.conftest import FIXTURES, parse_xml

pytestmark = pytest.mark.django_db


def test_discovery_lists_the_v2_endpoint_in_json_and_xml(client, services):
    body = client.get("/open311/v2/discovery.json").json()
    assert body["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert body["endpoints"][0]["url"].endswith("/open311/v2")
    root = parse_xml(client.get("/open311/v2/discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == ["application/json", "text/xml"]


def test_service_list_validates_against_the_schema(client, services, validate):
    response = client.get("/open311/v2/services.json")
    assert response.status_code == 200
    body = response.json()
    validate(body, "services.json")
    codes = [s["service_code"] for s in body]
    assert "06010" in codes and len(codes) == len(services) - 1


def test_service_list_hides_services_not_exposed(client, services):
    codes = [s["service_code"] for s in client.get("/open311/v2/services.json").json()]
    assert "06028" not in codes


def test_service_list_has_the_shape_of_a_real_city_s(client, services):
    bloomington = json.loads((FIXTURES / "bloomington_2012_services.json").read_text())
    ours = client.get("/open311/v2/services.json").json()[0]
    assert set(ours) >= set(bloomington[0]) - {"description"}


def test_service_names_follow_the_request_language(client, services):
    zh = {s["service_code"]: s for s in client.get("/open311/v2/services.json", HTTP_ACCEPT_LANGUAGE="zh-hans").json()}
    en = {s["service_code"]: s for s in client.get("/open311/v2/services.json", HTTP_ACCEPT_LANGUAGE="en").json()}
    assert zh["06010"]["service_name"] == "暴露垃圾"
    assert en["06010"]["service_name"] == "Exposed garbage"
    assert zh["06010"]["metadata"] is True and zh["06011"]["metadata"] is False


def test_service_list_in_xml(client, services):
    root = parse_xml(client.get("/open311/v2/services.xml"))
    assert root.tag == "services"
    first = root.find("service")
    for tag in ("service_code", "service_name", "description", "metadata", "type", "keywords", "group"):
        assert first.find(tag) is not None, tag
    garbage = next(s for s in root.findall("service") if s.findtext("service_code") == "06010")
    assert garbage.findtext("metadata") == "true" and garbage.findtext("type") == "realtime"


def test_service_definition_lists_attributes(client, services, validate):
    body = client.get("/open311/v2/services/06010.json").json()
    validate(body, "service-definition.json")
    assert [a["code"] for a in body["attributes"]] == ["SIZE", "NOTE"]
    assert body["attributes"][0]["values"] == [{"key": "small", "name": "A bag"}, {"key": "large", "name": "A heap"}]


def test_service_definition_in_xml(client, services):
    root = parse_xml(client.get("/open311/v2/services/06010.xml"))
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "06010"
    attr = root.find("attributes/attribute")
    assert attr.findtext("code") == "SIZE" and attr.findtext("required") == "true"
    assert [v.findtext("key") for v in attr.findall("values/value")] == ["small", "large"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_service_without_attributes_has_a_definition_with_none(client, services, validate, fmt):
    response = client.get(f"/open311/v2/services/06011.{fmt}")
    assert response.status_code == 200, response.content
    if fmt == "json":
        validate(response.json(), "service-definition.json")
        assert response.json() == {"service_code": "06011", "attributes": []}
    else:
        root = parse_xml(response)
        assert root.tag == "service_definition" and root.findtext("service_code") == "06011"
        assert root.find("attributes") is not None and list(root.find("attributes")) == []


def test_every_listed_service_has_a_definition(client, services):
    for service in client.get("/open311/v2/services.json").json():
        assert client.get(f"/open311/v2/services/{service['service_code']}.json").status_code == 200


@pytest.mark.parametrize("code", ["99999", "06028"])
def test_service_definition_is_404_when_unknown_or_hidden(client, services, code):
    response = client.get(f"/open311/v2/services/{code}.json")
    assert response.status_code == 404
    body = response.json()
    assert body[0]["code"] == 404 and body[0]["description"]


def test_errors_in_xml_are_an_error_list(client, services):
    response = client.get("/open311/v2/services/99999.xml")
    assert response.status_code == 404
    root = parse_xml(response)
    assert root.tag == "errors"
    assert root.findtext("error/code") == "404" and root.findtext("error/description")


@pytest.mark.parametrize("path", [
    "services.csv", "services.yaml", "services", "services.", "requests.null,null", "requests.txt", "requests",
    "services/06010.null,null", "requests/20260101000001.html", "discovery.yml", "servicerequestupdates.rss",
    "tokens/abc.null",
])
def test_an_unknown_or_missing_format_is_a_400_json_error_list(client, services, path):
    response = client.get(f"/open311/v2/{path}")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()[0]["code"] == 400 and response.json()[0]["description"]


@pytest.mark.parametrize("path", ["nothing.json", "services/06010/extra.json", "requests.json/"])
def test_an_unknown_address_is_a_404_json_error_list_not_an_html_page(client, services, path):
    response = client.get(f"/open311/v2/{path}")
    assert response.status_code == 404
    assert response.json()[0]["code"] == 404


@pytest.mark.parametrize(("method", "path", "allow"), [
    ("put", "requests.json", "GET, HEAD, POST"), ("delete", "requests.json", "GET, HEAD, POST"),
    ("patch", "requests/20260101000001.json", "GET, HEAD"), ("post", "services.json", "GET, HEAD"),
    ("post", "services/06010.xml", "GET, HEAD"), ("delete", "discovery.json", "GET, HEAD"),
    ("post", "servicerequestupdates.json", "GET, HEAD"), ("put", "tokens/abc.json", "GET, HEAD"),
])
def test_a_method_the_endpoint_does_not_offer_is_405_with_allow_not_a_csrf_403(method, path, allow, services):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)  # as a real client without a CSRF cookie meets the site
    response = getattr(client, method)(f"/open311/v2/{path}")
    assert response.status_code == 405, response.content
    assert response["Allow"] == allow
    if path.endswith(".xml"):
        root = parse_xml(response)
        assert root.tag == "errors" and root.findtext("error/code") == "405"
    else:
        assert response.json()[0]["code"] == 405 and method.upper() in response.json()[0]["description"]


def test_head_is_answered_like_get(client, services):
    assert client.head("/open311/v2/services.json").status_code == 200


def test_a_post_without_a_csrf_cookie_reaches_the_api_key_check(services):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/open311/v2/requests.json", {"service_code": "06010"})
    assert response.status_code == 403
    assert response.json()[0]["code"] == 403 and "api_key" in response.json()[0]["description"]


def test_the_demo_exposes_the_common_classes(db):
    from cityops.demo.build import build_demo
    from cityops.open311.models import Open311Service
    from cityops.open311.services import COMMON_CLASS_CODES

    build_demo(grids=25, seed=0, components_per_grid=0)
    assert set(Open311Service.objects.values_list("service_code", flat=True)) == set(COMMON_CLASS_CODES)


def test_the_expose_command_keeps_existing_public_names(city, services):
    from django.core.management import call_command

    from cityops.core.models import AuditEvent
    from cityops.open311.models import Open311Service

    Open311Service.objects.filter(service_code="06013").update(name="路面坑洼")
    call_command("open311_expose", "06013", "06001", stdout=io.StringIO())
    assert Open311Service.objects.get(service_code="06013").name == "路面坑洼"
    assert Open311Service.objects.get(service_code="06001").name == "私搭乱建"
    assert AuditEvent.objects.filter(action="open311.services.exposed").count() == 2
