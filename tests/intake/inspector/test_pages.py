"""The inspector app's pages at /m/: who may open them, the task answers, the manifest and the service worker."""

from __future__ import annotations

import json

import pytest

from cityops.cases.models import Case, CaseState
from cityops.testing import factories as f


@pytest.fixture(autouse=True)
def _fast(fast_password_hashing):
    """Every test here uses the shared fast hasher."""


@pytest.mark.parametrize("path", ["/m/", "/m/report/"])
def test_pages_render_for_an_inspector(client, personas, path):
    client.force_login(personas["inspector"])
    response = client.get(path)
    assert response.status_code == 200
    assert b'rel="manifest"' in response.content and b"app.js" in response.content


def test_the_report_page_has_the_camera_input(client, personas):
    client.force_login(personas["inspector"])
    html = client.get("/m/report/").content.decode()
    assert 'accept="image/*" capture="environment" multiple' in html


@pytest.mark.parametrize("path", ["/m/", "/m/report/"])
def test_anonymous_visitors_are_sent_to_the_login_with_a_way_back(client, city, path):
    response = client.get(path)
    assert response.status_code == 302 and response["Location"] == f"/accounts/login/?next={path}"


def test_other_staff_are_refused(client, personas):
    client.force_login(personas["dispatcher"])
    assert client.get("/m/").status_code == 403


def test_a_task_page_records_the_verification(client, personas, city):
    case = f.make_case(city, state=CaseState.VERIFYING)
    client.force_login(personas["inspector"])
    page = client.get(f"/m/tasks/{case.number}/")
    assert page.status_code == 200 and "属实".encode() in page.content
    response = client.post(f"/m/tasks/{case.number}/", {"answer": "no", "version": case.version, "note": "无此问题"})
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).state == CaseState.REPORTED  # back to the acceptor


def test_a_task_page_refuses_an_answer_on_a_changed_case(client, personas, city):
    case = f.make_case(city, state=CaseState.CHECKING)
    client.force_login(personas["inspector"])
    client.post(f"/m/tasks/{case.number}/", {"answer": "yes", "version": case.version + 1})
    assert Case.objects.get(pk=case.pk).state == CaseState.CHECKING


def test_a_case_not_waiting_for_the_inspector_is_not_found(client, personas, city):
    case = f.make_case(city, state=CaseState.REPORTED)
    client.force_login(personas["inspector"])
    assert client.get(f"/m/tasks/{case.number}/").status_code == 404


def test_the_manifest_is_served_as_a_web_app_manifest(client, db):
    response = client.get("/m/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json"
    data = json.loads(response.content)
    assert data["scope"] == "/m/" and data["start_url"] == "/m/" and data["display"] == "standalone"
    assert all(icon["type"] == "image/svg+xml" for icon in data["icons"])


def test_the_service_worker_is_served_as_javascript_with_the_app_scope(client, db):
    response = client.get("/m/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/m/"
    assert b"addEventListener(\"fetch\"" in response.content
