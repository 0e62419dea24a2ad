"""Serving uploaded files (photos) after a view decided who may have them.

No URL maps onto `MEDIA_ROOT`: every upload is fetched through a view of its app that checks the caller first
(`/photos/cases/<id>/<variant>`, `/photos/components/<id>`), then calls `serve_upload`. That answers with

- `X-Accel-Redirect: <CITYOPS_MEDIA_ACCEL_REDIRECT><name>` and an empty body when nginx fronts the site (nginx
  then sends the file from an `internal` location, so no Python worker is held while it travels);
- `X-Sendfile: <absolute path>` when `CITYOPS_MEDIA_SENDFILE` is on (Apache's mod_xsendfile, lighttpd);
- otherwise the file itself, streamed by Django (`FileResponse`), with a 304 for a conditional request that
  still matches.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, quote_etag
from django.utils.translation import gettext as _

from cityops.core.uploads import CONTENT_TYPES

# Only these are sent as inline images; anything else would be an attachment (never rendered by the browser).
INLINE_TYPES = frozenset(CONTENT_TYPES.values())
# A restricted photo may stay in the viewer's own browser for an hour (its bytes change only if photos-shrink
# downscales it, and then its ETag changes too).
PRIVATE_CACHE = "private, max-age=3600"
# A public photo may be cached by proxies, briefly: moderation may hide it again.
PUBLIC_CACHE = "public, max-age=300"


def unauthenticated(request: HttpRequest) -> HttpResponse:
    """401 for API-style callers (a token, or not asking for a page); the login page for a browser's navigation."""
    if request.headers.get("Authorization") or "text/html" not in request.headers.get("Accept", ""):
        # The JSON API's own 401 body, so a client handles both alike.
        response = JsonResponse({"code": "unauthenticated", "field": None,
                                 "detail": _("Log in or send an API token (Authorization: Bearer …).")}, status=401)
        response["WWW-Authenticate"] = "Bearer"
        return response
    return redirect_to_login(request.get_full_path())


def serve_upload(request: HttpRequest, *, field_file: Any, content_type: str, private: bool) -> HttpResponse:
    """The stored file `field_file`, to a caller the view already let through; 404 when the file is missing."""
    try:
        path = field_file.path
        stat = os.stat(path)
    except (ValueError, OSError) as exc:  # no file on the field, or gone from the disk
        raise Http404(_("Photo not found.")) from exc
    etag = quote_etag(f"{stat.st_size:x}-{stat.st_mtime_ns:x}")
    response = get_conditional_response(request, etag=etag, last_modified=int(stat.st_mtime))
    if response is None:
        response = _file_response(field_file.name, path, content_type)
        response["Last-Modified"] = http_date(stat.st_mtime)
    response["ETag"] = etag
    response["Cache-Control"] = PRIVATE_CACHE if private else PUBLIC_CACHE
    response["X-Content-Type-Options"] = "nosniff"
    # Even if a file were not what its type says, opened on its own it may run nothing and load nothing.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response


def _file_response(name: str, path: str, content_type: str) -> HttpResponse:
    inline = content_type in INLINE_TYPES
    content_type = content_type if inline else "application/octet-stream"
    accel = getattr(settings, "CITYOPS_MEDIA_ACCEL_REDIRECT", "")
    if accel:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = accel.rstrip("/") + "/" + quote(name)
    elif getattr(settings, "CITYOPS_MEDIA_SENDFILE", False):
        response = HttpResponse(content_type=content_type)
        response["X-Sendfile"] = path
    else:
        response = FileResponse(open(path, "rb"), content_type=content_type)  # noqa: SIM115 (closed by Django)
    response["Content-Disposition"] = "inline" if inline else "attachment"
    return response
