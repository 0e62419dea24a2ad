"""`cityops serve`: collect static files, then replace this process with gunicorn serving the platform."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connections

WSGI_APP = "cityops.wsgi:application"
# Hides gunicorn's name and version from the Server header (see the module).
GUNICORN_CONFIG = "python:cityops.core.gunicorn_config"


def default_workers() -> int:
    """min(4, 2 × cores + 1): gunicorn's rule of thumb, capped for small machines and SQLite."""
    return min(4, 2 * (os.cpu_count() or 1) + 1)


def gunicorn_argv(*, host: str, port: int, workers: int) -> list[str]:
    """The gunicorn command line: the virtualenv's gunicorn next to this Python, else `python -m gunicorn`."""
    script = Path(sys.executable).with_name("gunicorn")
    if not script.exists() and (found := shutil.which("gunicorn")):
        script = Path(found)
    head = [str(script)] if script.exists() else [sys.executable, "-m", "gunicorn"]
    return [
        *head,
        WSGI_APP,
        "--bind", f"{host}:{port}",
        "--workers", str(workers),
        "--access-logfile", "-",
        "--config", GUNICORN_CONFIG,
    ]


def serve(*, host: str, port: int, workers: int, stdout=None) -> None:
    """Collect static files and exec gunicorn; never returns."""
    call_command("collectstatic", interactive=False, verbosity=0)
    argv = gunicorn_argv(host=host, port=port, workers=workers)
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

    def handle(self, *args, **options) -> None:
        serve(host=options["host"], port=options["port"], workers=options["workers"], stdout=self.stdout)
