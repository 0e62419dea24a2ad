"""`cityops serve` preloads and warms up (the first request is fast); `cityops worker --only` runs chosen jobs."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from cityops.core.management.commands.serve import gunicorn_argv


def test_serve_preloads_and_threads_mean_gthread_with_keep_alive():
    plain = gunicorn_argv(host="127.0.0.1", port=8000, workers=4)
    assert "--preload" in plain and "--worker-class" not in plain and "--access-logfile" in plain
    threaded = gunicorn_argv(host="127.0.0.1", port=8000, workers=2, threads=8, access_log=False)
    assert threaded[threaded.index("--worker-class") + 1] == "gthread"
    assert threaded[threaded.index("--threads") + 1] == "8" and "--keep-alive" in threaded
    assert "--access-logfile" not in threaded


def test_warm_up_builds_the_locate_index_before_any_request(city):
    from cityops.core.warmup import warm_up
    from cityops.geo import locate

    locate.invalidate_index()
    locate._state.index = None
    warm_up()
    assert locate._state.index is not None and not locate._state.dirty


def test_the_worker_runs_only_the_jobs_asked_for(db, capsys):
    call_command("worker", once=True, only=["core.heartbeat"])
    assert "1 jobs: core.heartbeat" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("worker", once=True, only=["no.such.job"])
