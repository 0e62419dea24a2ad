"""Every registered report kind exports: the tables the other apps register open in Excel and as CSV."""

from __future__ import annotations

import pytest

from cityops.core.errors import InvalidInput
from cityops.core.tables import report_kind, report_kinds, tables_of
from cityops.exports.models import ExportState
from cityops.exports.services import export_file_for_user, export_run_due, export_start
from tests.cases.workflow_cast import cast, drive, fast_hashing, garbage, local, report  # noqa: F401
from tests.exports.export_support import workbook


@pytest.fixture
def history(cast, settings, tmp_path):  # noqa: F811  (the cast fixture)
    settings.CITYOPS_EXPORT_DIR = tmp_path / "exports"
    drive(report(cast, at=local(2026, 3, 2, 9)), cast, "closed", at=local(2026, 3, 2, 9))
    report(cast, at=local(2026, 3, 3, 10))
    return cast


def kinds() -> list[str]:
    import cityops.exports.services  # noqa: F401  (registers the exports' own kinds)

    return [r.kind for r in report_kinds()]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_every_registered_kind_exports_for_an_admin(history, fmt, settings):
    admin = history["admin"]
    params = {"month": "2026-03", "start": "2026-03-01", "end": "2026-03-31"}
    exported = []
    for kind in kinds():
        if kind.startswith("test."):
            continue
        try:
            job = export_start(user=admin, kind=kind, params=params, fmt=fmt)
        except InvalidInput as refused:
            # A kind may need a parameter of its own; the period it was given must be good.
            assert refused.field not in params, (kind, refused.message)
            continue
        if job.state == ExportState.QUEUED:
            export_run_due(worker_id="w1")
            job.refresh_from_db()
        assert job.state == ExportState.DONE, (kind, job.error)
        data = export_file_for_user(user=admin, job_id=job.pk).path.read_bytes()
        if fmt == "xlsx":
            book = workbook(data)
            expected = tables_of(report_kind(kind).builder(user=admin, params=params))
            assert len(book.sheetnames) == len(expected), kind
            for sheet, table in zip(book.worksheets, expected, strict=True):
                header = [c.value for c in sheet[2 + len(table.notes)]]
                assert header == [str(c) for c in table.columns], kind
        else:
            assert data.startswith(b"\xef\xbb\xbf"), kind
        exported.append(kind)
    assert "report.monthly" in exported and len(exported) > 1
