"""`cityops serve`: collect static files, then replace this process with gunicorn serving the platform."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser, OutputWrapper
from django.db import connections

WSGI_APP = "cityops.wsgi:application"
# Hides gunicorn's name and version from the Server header (see the module).
GUNICORN_CONFIG = "python:cityops.core.gunicorn_config"


def default_workers() -> int:
    """min(4, 2 × cores + 1): gunicorn's rule of thumb, capped for small machines and SQLite."""
    return min(4, 2 * (os.cpu_count() or 1) + 1)


def gunicorn_argv(*, host: str, port: int, workers: int, threads: int = 1, access_log: bool = True) -> list[str]:
    """The gunicorn command line: the virtualenv's gunicorn next to this Python, else `python -m gunicorn`.

    `--preload` loads the application (and, through `CITYOPS_WARM_UP`, builds the locate index) once in the master
    before forking, so every worker answers its first request at once. `threads` > 1 uses gthread workers, which
    also keep client connections alive between requests.
    """
    script = Path(sys.executable).with_name("gunicorn")
    if not script.exists() and (found := shutil.which("gunicorn")):
        script = Path(found)
    head = [str(script)] if script.exists() else [sys.executable, "-m", "gunicorn"]
    argv = [*head, WSGI_APP, "--bind", f"{host}:{port}", "--workers", str(workers), "--preload",
            "--config", GUNICORN_CONFIG]
    if threads > 1:
        argv += ["--worker-class", "gthread", "--threads", str(threads), "--keep-alive", "5"]
    if access_log:
        argv += ["--access-logfile", "-"]
    return argv


def serve(*, host: str, port: int, workers: int, threads: int = 1, access_log: bool = True,
          stdout: OutputWrapper | None = None) -> None:
    """Collect static files and exec gunicorn; never returns."""
    call_command("collectstatic", interactive=False, verbosity=0)
    argv = gunicorn_argv(host=host, port=port, workers=workers, threads=threads, access_log=access_log)
    os.environ["CITYOPS_WARM_UP"] = "1"  # read by cityops.wsgi in the preloading master
    if stdout is not None:
        stdout.write(f"Serving on http://{host}:{port}/ with {workers} workers (Ctrl+C stops)")
    sys.stdout.flush()
    sys.stderr.flush()
    # exec, not a child process: gunicorn becomes this process, so SIGTERM/SIGINT from a supervisor (or
    # Ctrl+C) reach its arbiter directly and it shuts its workers down gracefully.
    connections.close_all()
    os.execvp(argv[0], argv)


class Command(BaseCommand):
    help = "Serve the platform with gunicorn (several worker processes); static files via WhiteNoise."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to bind (0.0.0.0 in a container).")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=default_workers(), help="Worker processes.")
        parser.add_argument("--threads", type=int, default=1,
                            help="Threads per worker (more than 1: gthread workers with keep-alive).")
        parser.add_argument("--no-access-log", action="store_true", help="Do not log every request to stdout.")

    def handle(self, *args: Any, **options: Any) -> None:
        serve(host=options["host"], port=options["port"], workers=options["workers"], threads=options["threads"],
              access_log=not options["no_access_log"], stdout=self.stdout)
