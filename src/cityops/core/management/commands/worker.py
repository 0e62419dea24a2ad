"""`cityops worker`: run the registered periodic jobs until SIGTERM/SIGINT (see cityops.core.jobs)."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from cityops.core.jobs import Schedule, discover_jobs


class Command(BaseCommand):
    help = "Run the periodic jobs of every app (SLA clocks, deliveries, housekeeping) in a loop."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Run every job once, then exit.")
        parser.add_argument("--interval", type=float, default=1.0,
                            help="Longest sleep, in seconds, between looks for due jobs.")
        parser.add_argument("--only", action="append", default=[], metavar="JOB",
                            help="Run only the job(s) of this name (repeatable), e.g. intake.inbox.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["interval"] <= 0:
            raise CommandError(_("--interval must be positive."))
        jobs = discover_jobs()
        if options["only"]:
            unknown = set(options["only"]) - {job.name for job in jobs}
            if unknown:
                raise CommandError(_("Unknown jobs: %(jobs)s") % {"jobs": ", ".join(sorted(unknown))})
            jobs = [job for job in jobs if job.name in options["only"]]
        schedule = Schedule(jobs)
        names = ", ".join(job.name for job in schedule.jobs)
        self.stdout.write(_("Worker started with %(n)d jobs: %(names)s") % {"n": len(schedule.jobs), "names": names})
        if options["once"]:
            failed = [r.job for r in schedule.run_due() if not r.ok]
            if failed:
                raise CommandError(_("Jobs failed: %(jobs)s") % {"jobs": ", ".join(failed)})
            return
        self._loop(schedule, options["interval"])
        self.stdout.write(_("Worker stopped."))

    def _loop(self, schedule: Schedule, interval: float) -> None:
        stop = threading.Event()

        def request_stop(signum: int, frame: object) -> None:
            # A running job finishes; the loop then exits instead of starting another.
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        while not stop.is_set():
            schedule.run_due(stop)
            stop.wait(min(interval, schedule.seconds_until_next()))
