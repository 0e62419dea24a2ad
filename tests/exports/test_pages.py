"""The export pages (/console/exports/) and API (/api/v1/exports): start, progress, download, who may see what."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from cityops.exports.models import ExportJob, ExportState
from cityops.exports.services import export_run_due, export_start
from tests.exports.export_support import (
    HEADERS,
    KIND,
    TITLE,
    body,
    registered_test_kinds,
    workbook,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
API = "/api/v1/exports"


@pytest.fixture
def export_dir(settings, tmp_path):
    """The test report kinds registered; the folder the export files go to."""
    yield from registered_test_kinds(settings, tmp_path)


@pytest.fixture(autouse=True)
def _fast(fast_password_hashing):
    pass


@pytest.fixture
def leader_client(client, personas, export_dir):
    client.force_login(personas["leader"])
    return client


@pytest.fixture
def queued(personas, export_dir, settings):
    settings.CITYOPS_EXPORT_INLINE_ROWS = 10
    return export_start(user=personas["leader"], kind=KIND, params={"n": "30"}, fmt="xlsx")


# --- pages -------------------------------------------------------------------------------------------------


def test_the_start_form_is_prefilled_from_the_query(leader_client):
    response = leader_client.get(reverse("exports:start"), {"kind": KIND, "format": "csv", "n": "7"})
    page = response.content.decode()
    assert response.status_code == 200
    assert f'<option value="{KIND}" selected>' in page and '<option value="csv" selected>' in page
    assert 'name="n" value="7"' in page


def test_the_start_form_without_a_kind_offers_every_kind_and_starts_nothing(leader_client):
    response = leader_client.get(reverse("exports:start"))
    page = response.content.decode()
    assert response.status_code == 200 and '<option value="" selected>' not in page
    assert f'<option value="{KIND}">' in page and '<option value="report.monthly">' in page
    assert "<fieldset>" not in page and not ExportJob.objects.exists()


def test_the_download_names_the_file_in_chinese_and_safely(leader_client):
    from urllib.parse import quote

    from cityops.core import tables
    from cityops.core.tables import Table

    tables.register_report("test.named", "test.named",
                           lambda *, user, params: Table(title='月报/"东区"\r\nX: 1', columns=["a"], rows=[[1]], total=1))
    try:
        page = leader_client.post(reverse("exports:start"), {"kind": "test.named", "format": "csv"})
        api = leader_client.get(leader_client.post(API, {"kind": "test.named", "format": "csv"},
                                                   content_type="application/json").json()["download_url"])
    finally:
        tables.REPORTS.pop("test.named")
    for response in (page, api):
        disposition = response["Content-Disposition"]
        # RFC 6266/5987: the UTF-8 name percent-encoded; no slash, quote or line break reaches the header.
        assert disposition.startswith("attachment; filename*=utf-8''" + quote("月报_东区_X_ 1-"))
        assert disposition.endswith(".csv") and "\n" not in disposition and "/" not in disposition


def test_a_small_export_downloads_at_once(leader_client):
    response = leader_client.post(reverse("exports:start"), {"kind": KIND, "format": "xlsx", "n": "4"})
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith("attachment;")
    sheet = workbook(body(response))[TITLE]
    assert sheet["A1"].value == TITLE and [c.value for c in sheet[4]] == HEADERS
    assert [c.value for c in sheet[8]][:3] == ["监督员4", 4, pytest.approx(0.875)]


def test_a_small_csv_export_downloads_with_a_bom(leader_client):
    response = leader_client.post(reverse("exports:start"), {"kind": KIND, "format": "csv", "n": "1"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    data = body(response)
    assert data.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[:2] == [HEADERS, ["监督员1", "1", "0.5", "2026-05-01"]]


def test_a_large_export_redirects_to_its_progress_page(leader_client, settings):
    settings.CITYOPS_EXPORT_INLINE_ROWS = 10
    response = leader_client.post(reverse("exports:start"), {"kind": KIND, "format": "xlsx", "n": "30"})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("exports:job", args=[job.pk])
    page = leader_client.get(response["Location"]).content.decode()
    assert "Queued" in page and 'hx-trigger="every 2s"' in page


def test_the_progress_page_offers_the_download_once_done(leader_client, queued):
    export_run_due(worker_id="w1")
    page = leader_client.get(reverse("exports:job", args=[queued.pk])).content.decode()
    assert reverse("exports:download", args=[queued.pk]) in page and "every 2s" not in page


def test_the_list_polls_while_an_export_runs_and_stops_after(leader_client, queued):
    url = reverse("exports:list")
    page = leader_client.get(url).content.decode()
    assert "every 2s" in page and "Queued" in page
    export_run_due(worker_id="w1")
    fragment = leader_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert fragment.startswith('<div id="export-jobs"') and "every 2s" not in fragment
    assert reverse("exports:download", args=[queued.pk]) in fragment


def test_the_list_shows_only_my_exports(client, personas, queued):
    client.force_login(personas["admin"])
    page = client.get(reverse("exports:list")).content.decode()
    assert "No exports yet." in page


def test_a_bad_parameter_shows_the_form_again_with_the_error(leader_client):
    response = leader_client.post(reverse("exports:start"), {"kind": KIND, "format": "xlsx", "n": "many"})
    page = response.content.decode()
    assert response.status_code == 422 and "n must be a whole number." in page
    assert 'name="n" value="many" aria-invalid="true"' in page and not ExportJob.objects.exists()


@pytest.mark.parametrize(("data", "message"), [
    ({"kind": "nope", "format": "xlsx"}, "Unknown report"),
    ({"kind": KIND, "format": "pdf"}, "Unknown format"),
])
def test_an_unknown_kind_or_format_is_a_form_error(leader_client, data, message):
    response = leader_client.post(reverse("exports:start"), data)
    assert response.status_code == 422 and message in response.content.decode()


def test_a_report_outside_my_role_is_refused_on_the_form(client, personas, export_dir):
    client.force_login(personas["inspector"])
    response = client.post(reverse("exports:start"), {"kind": KIND, "format": "xlsx"})
    assert response.status_code == 403 and "Only leaders see this table." in response.content.decode()


def test_someone_elses_export_is_not_found(client, personas, queued):
    export_run_due(worker_id="w1")
    client.force_login(personas["dispatcher"])
    assert client.get(reverse("exports:job", args=[queued.pk])).status_code == 404
    assert client.get(reverse("exports:download", args=[queued.pk])).status_code == 404


def test_an_admin_may_download_anyones_export(client, personas, queued):
    export_run_due(worker_id="w1")
    client.force_login(personas["admin"])
    response = client.get(reverse("exports:download", args=[queued.pk]))
    assert response.status_code == 200 and workbook(body(response))[TITLE].max_row == 4 + 30


def test_downloading_an_unfinished_export_shows_its_progress(leader_client, queued):
    response = leader_client.get(reverse("exports:download", args=[queued.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("exports:job", args=[queued.pk])


@pytest.mark.parametrize("name", ["exports:list", "exports:start"])
def test_anonymous_visitors_are_sent_to_log_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_anonymous_downloads_are_sent_to_log_in(client, queued):
    response = client.get(reverse("exports:download", args=[queued.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_export_files_are_not_under_the_public_media_folder(queued, settings):
    from cityops.exports.services import exports_dir

    settings.CITYOPS_EXPORT_DIR = None  # the default
    assert not str(exports_dir()).startswith(str(settings.MEDIA_ROOT))


# --- API ---------------------------------------------------------------------------------------------------


def test_api_lists_the_kinds(leader_client):
    kinds = {k["kind"]: k["label"] for k in leader_client.get(f"{API}/kinds").json()}
    assert kinds[KIND] == KIND


def test_api_writes_a_small_export_at_once(leader_client):
    response = leader_client.post(API, {"kind": KIND, "format": "csv", "params": {"n": 2}},
                                  content_type="application/json")
    assert response.status_code == 201
    job = response.json()
    assert job["state"] == "done" and job["rows_done"] == 2 and job["params"] == {"n": "2"}
    download = leader_client.get(job["download_url"])
    assert download.status_code == 200 and body(download).decode("utf-8-sig").startswith(",".join(HEADERS))


def test_api_queues_a_large_export_and_reports_progress(leader_client, settings):
    settings.CITYOPS_EXPORT_INLINE_ROWS = 10
    response = leader_client.post(API, {"kind": KIND, "params": {"n": "30"}}, content_type="application/json")
    assert response.status_code == 202
    job = response.json()
    assert (job["state"], job["format"], job["rows_total"], job["progress"], job["download_url"]) == (
        "queued", "xlsx", 30, 0, None)
    assert leader_client.get(f"{API}/{job['id']}/download").status_code == 409
    export_run_due(worker_id="w1")
    status = leader_client.get(job["status_url"]).json()
    assert (status["state"], status["rows_done"], status["progress"]) == ("done", 30, 100)
    download = leader_client.get(status["download_url"])
    assert download.status_code == 200 and download["Content-Type"] == XLSX
    assert [row["id"] for row in leader_client.get(API).json()] == [job["id"]]


@pytest.mark.parametrize(("payload", "field"), [
    ({"kind": "nope"}, "kind"),
    ({"kind": KIND, "format": "pdf"}, "format"),
    ({"kind": KIND, "params": {"n": "many"}}, "n"),
    ({"kind": KIND, "params": {"n": [1]}}, "params.n"),
])
def test_api_refuses_bad_input_with_422_naming_the_field(leader_client, payload, field):
    response = leader_client.post(API, payload, content_type="application/json")
    assert response.status_code == 422
    answer = response.json()
    assert answer.get("field") == field or field in {e["field"] for e in answer.get("errors", [])}
    assert not ExportJob.objects.exists()


def test_api_hides_someone_elses_export(client, personas, queued):
    client.force_login(personas["dispatcher"])
    assert client.get(f"{API}/{queued.pk}").status_code == 404
    assert client.get(f"{API}/{queued.pk}/download").status_code == 404
    assert client.get(API).json() == []


def test_api_needs_authentication(client, queued):
    assert client.get(f"{API}/{queued.pk}").status_code == 401
    assert client.post(API, {"kind": KIND}, content_type="application/json").status_code == 401


def test_api_tokens_need_the_cases_read_scope(client, personas, api_token, export_dir):
    bare = api_token(personas["leader"])
    assert client.get(f"{API}/kinds", headers={"Authorization": bare}).status_code == 403
    reader = api_token(personas["leader"], "cases:read")
    response = client.post(API, {"kind": KIND, "params": {"n": 1}}, content_type="application/json",
                           headers={"Authorization": reader})
    assert response.status_code == 201


def test_an_expired_export_is_gone(leader_client, personas):
    job = export_start(user=personas["leader"], kind=KIND, params={}, fmt="xlsx")
    ExportJob.objects.filter(pk=job.pk).update(state=ExportState.EXPIRED, file="")
    assert leader_client.get(f"{API}/{job.pk}/download").status_code == 404
    assert leader_client.get(reverse("exports:download", args=[job.pk])).status_code == 404


def test_api_refuses_a_table_outside_my_role_with_403(client, personas, export_dir):
    client.force_login(personas["inspector"])
    response = client.post(API, {"kind": KIND}, content_type="application/json")
    assert response.status_code == 403 and response.json()["detail"] == "Only leaders see this table."
    assert not ExportJob.objects.exists()
