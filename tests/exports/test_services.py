"""Exports: small tables written in the request, large ones by the worker with progress; failures, expiry, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cityops.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from cityops.core.jobs import discover_jobs
from cityops.core.models import AuditEvent
from cityops.exports import writers as export_writers
from cityops.exports.models import ExportJob, ExportState
from cityops.exports.services import (
    MAX_ATTEMPTS,
    export_file_for_user,
    export_job_for_user,
    export_run_due,
    export_start,
    exports_expire,
)
from tests.exports.export_support import (
    BROKEN,
    HEADERS,
    KIND,
    TITLE,
    TWO_SHEETS,
    UNSIZED,
    registered_test_kinds,
    workbook,
)

S = ExportState


@pytest.fixture
def export_dir(settings, tmp_path):
    """The test report kinds registered; the folder the export files go to."""
    yield from registered_test_kinds(settings, tmp_path)


@pytest.fixture
def leader(personas, export_dir):
    return personas["leader"]


def files(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# --- in the request ----------------------------------------------------------------------------------------


def test_a_small_table_is_written_at_once(leader, export_dir):
    job = export_start(user=leader, kind=KIND, params={"n": "3"}, fmt="xlsx")
    assert job.state == S.DONE and job.rows_done == job.rows_total == 3 and job.progress == 100
    found = export_file_for_user(user=leader, job_id=job.pk)
    sheet = workbook(found.path.read_bytes())[TITLE]
    assert [c.value for c in sheet[4]] == HEADERS
    assert found.name.startswith(TITLE) and found.name.endswith(".xlsx")
    assert job.expires_at - job.finished_at == timedelta(days=7)


def test_the_file_name_on_disk_cannot_be_guessed(leader, export_dir):
    job = export_start(user=leader, kind=KIND, params={}, fmt="csv")
    token = job.file.removesuffix(".csv")
    assert len(token) >= 32 and KIND not in token and TITLE not in token  # 24 random bytes, nothing derived
    assert files(export_dir) == [job.file]


def test_several_tables_make_a_workbook_with_a_sheet_each(leader, export_dir):
    job = export_start(user=leader, kind=TWO_SHEETS, params={}, fmt="xlsx")
    book = workbook(export_file_for_user(user=leader, job_id=job.pk).path.read_bytes())
    assert book.sheetnames == ["第一表", "第二表"] and job.rows_done == 3


def test_an_export_is_audited(leader, export_dir):
    job = export_start(user=leader, kind=KIND, params={"n": "2"}, fmt="xlsx")
    events = AuditEvent.objects.filter(object_type="analytics.exportjob", object_id=str(job.pk))
    assert list(events.order_by("id").values_list("action", flat=True)) == [
        "analytics.export.started", "analytics.export.finished"]
    started = events.get(action="analytics.export.started")
    assert started.actor_user == leader and started.data["params"] == {"n": "2"} and started.data["inline"]


# --- refusals ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "fmt", "params", "field"), [
    ("no.such.report", "xlsx", {}, "kind"),
    (KIND, "pdf", {}, "format"),
    (KIND, "xlsx", {"n": "many"}, "n"),
    (KIND, "xlsx", {"n": {"nested": 1}}, "params.n"),
    (KIND, "xlsx", ["n", 3], "params"),
    (KIND, "xlsx", {f"p{i}": i for i in range(31)}, "params"),  # at most 30 parameters
    (KIND, "xlsx", {"n": "9" * 501}, "params.n"),  # a value of at most 500 characters
    (KIND, "xlsx", {"p" * 51: "1"}, "params." + "p" * 50),  # a name of at most 50
])
def test_bad_input_is_refused_before_anything_is_written(leader, export_dir, kind, fmt, params, field):
    with pytest.raises(InvalidInput) as refused:
        export_start(user=leader, kind=kind, params=params, fmt=fmt)
    assert refused.value.field == field
    assert not ExportJob.objects.exists() and files(export_dir) == []


def test_the_builder_checks_the_role_before_anything_is_queued(personas, export_dir, settings):
    settings.CITYOPS_EXPORT_INLINE_ROWS = 1
    with pytest.raises(Forbidden):
        export_start(user=personas["inspector"], kind=KIND, params={"n": "100"}, fmt="xlsx")
    assert not ExportJob.objects.exists()


# --- in the background ------------------------------------------------------------------------------------------


@pytest.fixture
def queued(leader, settings):
    settings.CITYOPS_EXPORT_INLINE_ROWS = 10
    return export_start(user=leader, kind=KIND, params={"n": "25"}, fmt="xlsx")


def test_a_large_table_is_queued_for_the_worker(queued, export_dir):
    assert queued.state == S.QUEUED and queued.rows_total == 25 and queued.rows_done == 0
    assert files(export_dir) == []
    with pytest.raises(Conflict):
        export_file_for_user(user=queued.requested_by, job_id=queued.pk)


def test_the_worker_writes_a_queued_export_to_the_end(queued, leader):
    report = export_run_due(worker_id="w1")
    assert (report.claimed, report.done) == (1, 1)
    job = ExportJob.objects.get(pk=queued.pk)
    assert job.state == S.DONE and job.rows_done == job.rows_total == 25 and job.progress == 100
    sheet = workbook(export_file_for_user(user=leader, job_id=job.pk).path.read_bytes())[TITLE]
    assert sheet.max_row == 4 + 25 and sheet["A29"].value == "监督员25"
    assert AuditEvent.objects.filter(action="analytics.export.finished", actor_label="cityops worker").exists()


def test_every_state_change_of_a_background_export_is_audited(queued):
    export_run_due(worker_id="w1")
    events = AuditEvent.objects.filter(object_type="analytics.exportjob", object_id=str(queued.pk)).order_by("id")
    assert list(events.values_list("action", "actor_label")) == [
        ("analytics.export.started", "leader"), ("analytics.export.claimed", "cityops worker"),
        ("analytics.export.finished", "cityops worker")]
    claimed = events.get(action="analytics.export.claimed")
    assert claimed.data["worker"].startswith("w1/") and claimed.data["attempt"] == 1


def test_the_worker_records_progress_as_it_writes(queued, monkeypatch):
    monkeypatch.setattr(export_writers, "PROGRESS_EVERY", 10)
    seen = []
    real = ExportJob.objects.filter

    def spy(*args, **kwargs):
        qs = real(*args, **kwargs)
        original = qs.update

        def update(**fields):
            if "rows_done" in fields and fields.get("state") is None:
                seen.append(fields["rows_done"])
            return original(**fields)

        qs.update = update
        return qs

    monkeypatch.setattr(ExportJob.objects, "filter", spy)
    export_run_due(worker_id="w1")
    assert seen == [10, 20, 25]


def test_an_export_of_unknown_size_goes_to_the_worker(leader, export_dir):
    job = export_start(user=leader, kind=UNSIZED, params={}, fmt="csv")
    assert job.state == S.QUEUED and job.rows_total is None and job.progress is None
    export_run_due(worker_id="w1")
    job.refresh_from_db()
    assert job.state == S.DONE and job.rows_total == job.rows_done == 3


def test_a_job_is_claimed_by_one_worker_only(queued):
    first = export_run_due(worker_id="w1")
    second = export_run_due(worker_id="w2")
    assert (first.claimed, second.claimed) == (1, 0)


def test_the_worker_runs_the_builder_as_the_requester(queued, leader):
    # The requester lost the role after asking: the worker refuses as the builder would in a request.
    leader.role_assignments.all().delete()
    export_run_due(worker_id="w1")
    job = ExportJob.objects.get(pk=queued.pk)
    assert job.state == S.FAILED and job.error == "Only leaders see this table." and not job.file


def test_a_failing_export_leaves_no_half_file(leader, export_dir, settings):
    settings.CITYOPS_EXPORT_INLINE_ROWS = 1
    job = export_start(user=leader, kind=BROKEN, params={"n": "5"}, fmt="xlsx")
    assert export_run_due(worker_id="w1").failed == 1
    job.refresh_from_db()
    assert job.state == S.FAILED and "internal error" in job.error and "RuntimeError" in job.error
    assert files(export_dir) == [] and not job.file
    assert AuditEvent.objects.filter(action="analytics.export.failed", object_id=str(job.pk)).exists()


def test_a_failing_small_export_is_failed_in_the_request(leader, export_dir):
    job = export_start(user=leader, kind=BROKEN, params={"n": "2"}, fmt="csv")
    assert job.state == S.FAILED and files(export_dir) == []


def test_a_job_abandoned_by_a_stopped_worker_is_claimed_again(queued):
    stale = timezone.now() - timedelta(hours=1)
    ExportJob.objects.filter(pk=queued.pk).update(state=S.RUNNING, claimed_by="dead/1", heartbeat_at=stale,
                                                  attempts=1)
    assert export_run_due(worker_id="w2").done == 1
    job = ExportJob.objects.get(pk=queued.pk)
    assert job.state == S.DONE and job.attempts == 2
    takeover = AuditEvent.objects.get(action="analytics.export.taken_over", object_id=str(queued.pk))
    assert takeover.data["from"] == "dead/1" and takeover.data["worker"].startswith("w2/")
    assert takeover.data["attempt"] == 2 and takeover.actor_label == "cityops worker"
    assert not AuditEvent.objects.filter(action="analytics.export.claimed", object_id=str(queued.pk)).exists()


def test_a_running_job_with_a_fresh_lease_is_left_alone(queued):
    ExportJob.objects.filter(pk=queued.pk).update(state=S.RUNNING, claimed_by="alive/1", heartbeat_at=timezone.now())
    assert export_run_due(worker_id="w2").claimed == 0


def test_a_job_abandoned_too_often_fails(queued):
    stale = timezone.now() - timedelta(hours=1)
    ExportJob.objects.filter(pk=queued.pk).update(state=S.RUNNING, claimed_by="dead/1", heartbeat_at=stale,
                                                  attempts=MAX_ATTEMPTS)
    assert export_run_due(worker_id="w2").failed == 1
    assert ExportJob.objects.get(pk=queued.pk).state == S.FAILED


def test_a_worker_that_lost_its_job_stops_and_keeps_no_file(queued, export_dir, monkeypatch):
    monkeypatch.setattr(export_writers, "PROGRESS_EVERY", 10)
    real_writer = export_writers.WRITERS["xlsx"]

    def taken_over(tables, out, *, progress):
        # Another worker takes the job over while this one writes.
        ExportJob.objects.filter(pk=queued.pk).update(claimed_by="other/1")
        return real_writer(tables, out, progress=progress)

    monkeypatch.setitem(export_writers.WRITERS, "xlsx", taken_over)
    report = export_run_due(worker_id="w1")
    assert report.done == 0 and files(export_dir) == []
    assert ExportJob.objects.get(pk=queued.pk).state == S.RUNNING  # still the other worker's


def test_the_worker_runs_the_export_jobs():
    names = {job.name: job.every_seconds for job in discover_jobs()}
    assert names["analytics.run_exports"] == 5 and "analytics.expire_exports" in names


# --- who sees what -------------------------------------------------------------------------------------------


def test_only_the_requester_or_an_admin_sees_a_job(leader, personas, export_dir):
    job = export_start(user=leader, kind=KIND, params={}, fmt="xlsx")
    assert export_job_for_user(user=personas["admin"], job_id=job.pk) == job
    assert export_file_for_user(user=personas["admin"], job_id=job.pk).path.is_file()
    with pytest.raises(NotFound):
        export_job_for_user(user=personas["dispatcher"], job_id=job.pk)
    with pytest.raises(NotFound):
        export_file_for_user(user=personas["dispatcher"], job_id=job.pk)


# --- expiry ------------------------------------------------------------------------------------------------


def test_files_are_deleted_after_the_keeping_period(leader, export_dir):
    old = export_start(user=leader, kind=KIND, params={}, fmt="xlsx")
    fresh = export_start(user=leader, kind=KIND, params={}, fmt="csv")
    ExportJob.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert exports_expire() == 1
    assert files(export_dir) == [fresh.file]
    old.refresh_from_db()
    assert old.state == S.EXPIRED and old.file == ""
    with pytest.raises(NotFound):
        export_file_for_user(user=leader, job_id=old.pk)
    assert AuditEvent.objects.filter(action="analytics.export.expired", object_id=str(old.pk)).exists()


def test_the_keeping_period_is_a_setting(leader, export_dir, settings):
    settings.CITYOPS_EXPORT_KEEP_DAYS = 1
    job = export_start(user=leader, kind=KIND, params={}, fmt="xlsx")
    assert job.expires_at - job.finished_at == timedelta(days=1)
    assert exports_expire(now=timezone.now() + timedelta(days=1, seconds=1)) == 1


def test_a_stray_partial_file_of_a_killed_worker_is_removed(leader, export_dir):
    import os
    import time

    export_dir.mkdir(parents=True)
    part = export_dir / "abc.xlsx.part"
    part.write_bytes(b"half")
    os.utime(part, (time.time() - 7200, time.time() - 7200))
    recent = export_dir / "def.xlsx.part"
    recent.write_bytes(b"being written")
    os.utime(recent, (time.time(), time.time()))  # the clock's now, also when the suite runs on a pinned day
    exports_expire()
    assert files(export_dir) == ["def.xlsx.part"]


def test_the_worker_writes_in_the_requesters_language(leader, export_dir, settings):
    from django.utils import translation

    from cityops.core import tables
    from cityops.core.tables import Table

    seen = []

    def spoken(*, user, params):
        seen.append(translation.get_language())
        return Table(title="t", columns=["a"], rows=[[1]], total=None)

    tables.register_report("test.language", "test.language", spoken)
    try:
        with translation.override("zh-hans"):
            job = export_start(user=leader, kind="test.language", params={}, fmt="csv")
        with translation.override("en"):
            export_run_due(worker_id="w1")
    finally:
        tables.REPORTS.pop("test.language")
    assert job.language == "zh-hans" and seen == ["zh-hans", "zh-hans"]
