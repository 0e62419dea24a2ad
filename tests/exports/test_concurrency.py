"""Two workers writing exports at once on PostgreSQL never write the same export twice (SKIP LOCKED)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from cityops.exports.models import ExportJob, ExportState
from cityops.exports.services import export_run_due
from cityops.testing import factories as f
from tests.exports.export_support import KIND, registered_test_kinds

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no concurrent writers"),
    # Committed rows, seen by both threads; the serialized rollback leaves the database (its catalogue and
    # content types) as the migrations made it for the browser tests that follow.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def export_dir(settings, tmp_path):
    yield from registered_test_kinds(settings, tmp_path)


def test_two_workers_share_the_queue_without_writing_an_export_twice(export_dir, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    leader = f.make_user("leader", "leader")
    ExportJob.objects.bulk_create(ExportJob(kind=KIND, params={"n": "5"}, format="csv", requested_by=leader)
                                  for _ in range(12))
    done: list[tuple[str, int]] = []
    guard = threading.Lock()
    start = threading.Barrier(2)

    def worker(name: str) -> None:
        try:
            start.wait()
            while True:
                report = export_run_due(worker_id=name)
                if not report.claimed:
                    break
                with guard:
                    done.append((name, report.done))
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(n for _name, n in done) == 12
    assert ExportJob.objects.filter(state=ExportState.DONE, attempts=1).count() == 12
    assert len(list(export_dir.iterdir())) == 12
