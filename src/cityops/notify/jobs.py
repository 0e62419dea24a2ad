"""The notify app's worker jobs."""

from __future__ import annotations

import os
import socket

from cityops.core.jobs import periodic
from cityops.notify.outbox import outbox_deliver_due

WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"


@periodic(every_seconds=10, name="notify.deliver_outbox")
def deliver_outbox() -> str:
    """Send the outbox's due SMS, e-mails and webhooks (a batch per turn)."""
    return str(outbox_deliver_due(worker_id=WORKER_ID))
