"""Periodic jobs run by `cityops worker`, and the platform core's own jobs.

An app registers its jobs in `<app>/jobs.py`:

    from cityops.core.jobs import periodic

    @periodic(every_seconds=60)
    def sla_clock_tick() -> str:
        ...
        return "3 cases overdue"     # optional: a short summary for the log

`discover_jobs()` imports every installed app's `jobs` module. A `Schedule` runs each job when due;
a job that raises is logged and retried at its next turn, it never stops the worker.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils.module_loading import autodiscover_modules

logger = logging.getLogger("cityops.worker")

JobFunc = Callable[[], object]


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    func: JobFunc
    every_seconds: float


_REGISTRY: dict[str, PeriodicJob] = {}


def periodic(*, every_seconds: float, name: str | None = None) -> Callable[[JobFunc], JobFunc]:
    """Register the decorated function as a job run every `every_seconds` by the worker."""
    if every_seconds <= 0:
        raise ValueError("every_seconds must be positive")

    def register(func: JobFunc) -> JobFunc:
        job_name = name or f"{func.__module__}.{func.__qualname__}"
        _REGISTRY[job_name] = PeriodicJob(name=job_name, func=func, every_seconds=float(every_seconds))
        return func

    return register


def discover_jobs() -> list[PeriodicJob]:
    """Import every installed app's `jobs` module and return the registered jobs, by name."""
    autodiscover_modules("jobs")
    return registered_jobs()


def registered_jobs() -> list[PeriodicJob]:
    return sorted(_REGISTRY.values(), key=lambda job: job.name)


@dataclass
class JobResult:
    job: str
    ok: bool
    summary: str
    seconds: float


@dataclass
class Schedule:
    """When each job is next due; every job is due at once when the schedule starts."""

    jobs: list[PeriodicJob]
    clock: Callable[[], float] = time.monotonic
    next_due: dict[str, float] = field(default_factory=dict)

    def run_due(self, stop: threading.Event | None = None) -> list[JobResult]:
        """Run every job that is due now, in name order; stop early once `stop` is set."""
        results = []
        for job in self.jobs:
            if stop is not None and stop.is_set():
                break
            now = self.clock()
            if self.next_due.get(job.name, now) <= now:
                results.append(run_job(job))
                self.next_due[job.name] = self.clock() + job.every_seconds
        return results

    def seconds_until_next(self) -> float:
        now = self.clock()
        return max(0.0, min((self.next_due.get(j.name, now) - now for j in self.jobs), default=60.0))


def run_job(job: PeriodicJob) -> JobResult:
    """Run one job, logging its outcome; an exception is logged with its traceback, not raised."""
    _drop_stale_connections()
    started = time.monotonic()
    try:
        summary = job.func()
    except Exception:
        logger.exception("job %s failed", job.name)
        return JobResult(job.name, False, "failed", time.monotonic() - started)
    finally:
        _drop_stale_connections()
    seconds = time.monotonic() - started
    text = "" if summary is None else str(summary)
    logger.info("job %s done in %.3fs%s", job.name, seconds, f": {text}" if text else "")
    return JobResult(job.name, True, text, seconds)


def _drop_stale_connections() -> None:
    # A long-running process must drop connections the server closed or that outlived CONN_MAX_AGE; but a
    # caller already inside a transaction (a test, a job run by hand) keeps its connection.
    if not connection.in_atomic_block:
        close_old_connections()


# --- the core app's jobs ------------------------------------------------------------------------------


@periodic(every_seconds=60, name="core.heartbeat")
def heartbeat() -> str:
    """Log that the worker is alive and which jobs it runs."""
    return f"alive; {len(_REGISTRY)} jobs registered"


@periodic(every_seconds=3600, name="core.clear_expired_sessions")
def clear_expired_sessions() -> str:
    """Delete expired login sessions (what `clearsessions` does), so the session table does not grow forever."""
    # Housekeeping of framework rows, not a change to platform data: no audit event.
    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore.clear_expired()
    return "expired sessions deleted"
