"""What a server builds before its first request, so the first caller does not wait for it."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.db import connections
from django.urls import get_resolver

logger = logging.getLogger("cityops.serve")

# The in-process indexes to build before the first request, registered by their apps' `ready()` (the locate index
# by geo): core knows none of them.
_BUILDERS: list[Callable[[], None]] = []


def warm_up_register(builder: Callable[[], None]) -> None:
    """Have `warm_up()` call `builder` (an app's index build); registering one twice keeps one."""
    if builder not in _BUILDERS:
        _BUILDERS.append(builder)


def warm_up() -> None:
    """Load the URL configuration (every view and API schema) and build the registered indexes (seconds for a city).

    `cityops serve` runs gunicorn with `--preload`: this runs once in the master before it forks the workers,
    which then share the index (copy-on-write) instead of each building its own on its first request. The master's
    database connection is closed afterwards, so no worker inherits (and shares) it.
    """
    started = time.monotonic()
    try:
        get_resolver().url_patterns  # noqa: B018 - importing the views is the point
        for builder in _BUILDERS:
            builder()
    finally:
        connections.close_all()
    logger.info("warmed up in %.1fs", time.monotonic() - started)
