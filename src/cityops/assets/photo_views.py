"""The component photo download (/photos/components/<id>): staff whose scope holds the component."""

from __future__ import annotations

import mimetypes

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_safe

from cityops.assets.selectors import component_photo_get_for_user
from cityops.core.errors import Forbidden, NotFound
from cityops.core.media import serve_upload, unauthenticated
from cityops.org.api_auth import request_viewer


@require_safe
def component_photo(request: HttpRequest, photo_id: int) -> HttpResponse:
    """A component's photo, to staff who may see the component; never public."""
    viewer = request_viewer(request)
    if viewer is None:
        return unauthenticated(request)
    try:
        photo = component_photo_get_for_user(user=viewer, photo_id=photo_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except Forbidden as exc:
        return JsonResponse(exc.as_dict(), status=403)
    # Stored only after its content was checked (JPEG, PNG or WebP), under the matching extension.
    content_type = mimetypes.guess_type(photo.image.name)[0] or "application/octet-stream"
    return serve_upload(request, field_file=photo.image, content_type=content_type, private=True)
