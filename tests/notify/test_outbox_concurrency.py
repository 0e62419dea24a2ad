"""Two workers delivering the outbox at once on PostgreSQL never send a message twice (row locks, SKIP LOCKED)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from cityops.notify.models import OutboxMessage, OutboxState
from cityops.notify.outbox import outbox_deliver_due

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no concurrent writers")


# Rolled back by serialisation, so later tests that reload the migrated database find its content types unchanged.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_share_the_outbox_without_sending_anything_twice(monkeypatch):
    OutboxMessage.objects.bulk_create(
        OutboxMessage(channel="sms", recipient=f"138{n:08d}", body=f"message {n}") for n in range(60))
    sent: list[str] = []
    guard = threading.Lock()
    start = threading.Barrier(2)

    class Recording:
        def send(self, message):
            with guard:
                sent.append(message.recipient)

    monkeypatch.setattr("cityops.notify.outbox.backend_for", lambda channel: Recording())

    def worker(name: str) -> None:
        try:
            start.wait()
            while outbox_deliver_due(worker_id=name, batch=5).claimed:
                pass
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(sent) == 60 and len(set(sent)) == 60
    assert OutboxMessage.objects.filter(state=OutboxState.SENT).count() == 60
