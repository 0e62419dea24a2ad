"""The photo download (/photos/cases/<id>/<variant>): the only way a case photo leaves the server.

Public when a registered rule says so (the portal's: the report's public page shows it), else to staff who may see the case (session
or bearer token). Anyone else: the login page or 401 when not signed in, 404 when signed in — the same answer
as for an unknown photo, so nothing tells which exist.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_safe

from cityops.cases.photos import case_photo_get, case_photo_is_public, ensure_case_photo_visible
from cityops.core.errors import Forbidden, NotFound
from cityops.core.media import serve_upload, unauthenticated
from cityops.core.uploads import CONTENT_TYPES
from cityops.org.api_auth import request_viewer

VARIANTS = ("full", "thumb")


@require_safe
def case_photo(request: HttpRequest, photo_id: int, variant: str) -> HttpResponse:
    """A case photo (`full`) or its JPEG thumbnail (`thumb`), to those who may see it."""
    viewer = request_viewer(request)
    try:
        photo = case_photo_get(photo_id=photo_id)
        public = case_photo_is_public(photo)
        if not public:
            ensure_case_photo_visible(user=viewer, photo=photo)
    except NotFound as exc:
        if viewer is None:
            return unauthenticated(request)
        raise Http404(exc.message) from exc
    except Forbidden as exc:
        return JsonResponse(exc.as_dict(), status=403)
    thumb = variant == "thumb" and bool(photo.thumbnail)
    return serve_upload(request, field_file=photo.thumbnail if thumb else photo.image,
                        content_type=CONTENT_TYPES["JPEG"] if thumb else photo.content_type, private=not public)
