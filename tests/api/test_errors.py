"""Every error of the JSON API has one shape, {"code", "detail", "field"}, and the status docs/api.md gives it."""

from __future__ import annotations

import pytest
from django.test import Client

API = "/api/v1"
ERROR_KEYS = {"code", "detail", "field"}


@pytest.fixture(autouse=True)
def _fast(fast_password_hashing):
    pass


def test_an_anonymous_unsafe_request_is_unauthenticated_not_a_csrf_failure(db):
    response = Client(enforce_csrf_checks=True).post(f"{API}/cases", {}, content_type="application/json")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated" and ERROR_KEYS <= set(response.json())


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_method_no_route_takes_is_405_for_everyone_with_the_error_body(db, method):
    # The API has only GET and POST operations: another method is refused before anyone is asked to log in.
    response = getattr(Client(enforce_csrf_checks=True), method)(f"{API}/cases", {}, content_type="application/json")
    assert response.status_code == 405 and response["Allow"]
    assert response.json()["code"] == "method_not_allowed" and ERROR_KEYS <= set(response.json())


def test_an_anonymous_post_to_an_action_is_401(db):
    response = Client(enforce_csrf_checks=True).post(f"{API}/cases/2026112100001/accept", {"version": 1},
                                                     content_type="application/json")
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


def test_a_session_post_without_the_csrf_token_is_403_csrf_failed(personas):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas["inspector"])
    response = client.post(f"{API}/inspector/pings", {"lon": 104.005, "lat": 30.015}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed" and ERROR_KEYS <= set(response.json())


def test_a_session_post_with_the_csrf_token_passes(personas):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas["inspector"])
    token = "a" * 32  # a CSRF secret: the cookie and the header must carry the same one
    client.cookies["csrftoken"] = token
    response = client.post(f"{API}/inspector/pings", {"lon": 104.005, "lat": 30.015},
                           content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201, response.content


def test_a_bearer_token_needs_no_csrf_token(personas, api_token):
    client = Client(enforce_csrf_checks=True)
    response = client.post(f"{API}/inspector/pings", {"lon": 104.005, "lat": 30.015}, content_type="application/json",
                           HTTP_AUTHORIZATION=api_token(personas["inspector"], "cases:write"))
    assert response.status_code == 201, response.content


def test_an_unparseable_body_is_422_malformed_body_naming_the_body(personas, api_token):
    response = Client().post(f"{API}/inspector/pings", "{not json", content_type="application/json",
                             HTTP_AUTHORIZATION=api_token(personas["inspector"], "cases:write"))
    assert response.status_code == 422
    assert response.json()["code"] == "malformed_body" and response.json()["field"] == "body"


def test_a_validation_error_names_its_first_field(personas, api_token):
    response = Client().post(f"{API}/inspector/pings", {"lat": 30}, content_type="application/json",
                             HTTP_AUTHORIZATION=api_token(personas["inspector"], "cases:write"))
    assert response.status_code == 422
    body = response.json()
    assert (body["code"], body["field"]) == ("invalid", "lon") and ERROR_KEYS <= set(body)


def test_a_domain_error_always_carries_field_even_when_null(personas, api_token):
    response = Client().get(f"{API}/cases/2099010100001", HTTP_AUTHORIZATION=api_token(personas["admin"], "cases:read"))
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": response.json()["detail"], "field": None}


def test_an_unknown_route_under_the_api_is_a_json_404(db):
    response = Client().get(f"{API}/no-such-thing")
    assert response.status_code == 404 and response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "not_found" and ERROR_KEYS <= set(response.json())


def test_a_method_the_route_lacks_is_a_json_405_with_allow(personas, api_token):
    response = Client().delete(f"{API}/org/me", HTTP_AUTHORIZATION=api_token(personas["admin"], "org:read"))
    assert response.status_code == 405 and "GET" in response["Allow"]
    assert response.json()["code"] == "method_not_allowed" and ERROR_KEYS <= set(response.json())


def test_pages_outside_the_api_keep_their_html_404(db):
    response = Client().get("/console/no-such-page/")
    assert response.status_code == 404 and not response["Content-Type"].startswith("application/json")


def test_the_refusals_speak_the_requests_language(db):
    chinese = Client().post(f"{API}/cases", {}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    english = Client().post(f"{API}/cases", {}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert chinese.json()["detail"].startswith("请先登录") and english.json()["detail"].startswith("Log in")
    missing = Client().get(f"{API}/no-such-thing", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert missing.json()["detail"] == "没有这个 API 接口。"
