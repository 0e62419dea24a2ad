"""gunicorn's configuration for `cityops serve` (loaded with `--config python:cityops.core.gunicorn_config`).

gunicorn names itself and its version in every response's `Server` header and has no setting to change that;
a response header set by the application would only be sent beside it. Its responses read the name from
`gunicorn.http.wsgi.SERVER` when they are created, so the name is replaced there, in the master before the
workers fork: a visitor learns neither the server software nor its version.
"""

from __future__ import annotations

import gunicorn.http.wsgi

SERVER_NAME = "cityops"

gunicorn.http.wsgi.SERVER = SERVER_NAME
gunicorn.http.wsgi.SERVER_SOFTWARE = SERVER_NAME
