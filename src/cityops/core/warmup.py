"""What a server builds before its first request, so the first caller does not wait for it."""

from __future__ import annotations

import logging
import time

logger = logging.getLogger("cityops.serve")


def warm_up() -> None:
    """Load the URL configuration (every view and API schema) and build the locate index (seconds for a city).

    `cityops serve` runs gunicorn with `--preload`: this runs once in the master before it forks the workers,
    which then share the index (copy-on-write) instead of each building its own on its first request. The master's
    database connection is closed afterwards, so no worker inherits (and shares) it.
    """
    from django.db import connections
    from django.urls import get_resolver

    from cityops.geo.locate import warm_up as build_locate_index

    started = time.monotonic()
    try:
        get_resolver().url_patterns  # noqa: B018 - importing the views is the point
        build_locate_index()
    finally:
        connections.close_all()
    logger.info("warmed up in %.1fs", time.monotonic() - started)
