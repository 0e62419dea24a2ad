"""The exports' worker jobs: write queued exports, delete expired files."""

from __future__ import annotations

import os
import socket

from cityops.core.jobs import periodic
from cityops.exports.services import export_run_due, exports_expire

WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"
# The names are those of the time the exports were part of analytics: `cityops worker --only` and the
# deployments' logs and alerts name them so.


@periodic(every_seconds=5, name="analytics.run_exports")
def run_exports() -> str:
    """Write the next queued export (one per turn, so the worker's other jobs keep their rhythm)."""
    return str(export_run_due(worker_id=WORKER_ID))


@periodic(every_seconds=3600, name="analytics.expire_exports")
def expire_exports() -> str:
    """Delete export files older than CITYOPS_EXPORT_KEEP_DAYS."""
    return f"{exports_expire()} exports expired"
