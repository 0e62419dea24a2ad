"""Pages of the command one map (/console/command/): the full-screen map, and the htmx partials it polls.

Thin views: check the caller is the centre's staff, parse the map filters, call one `command.selectors`
function and render. The case card's actions are the console's own forms posted to `console:action`, so no
workflow rule is repeated here.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cityops.assets.selectors import COMPONENT_ZOOM
from cityops.cases import selectors as case_selectors
from cityops.cases.views import ACTION_LABELS, ACTIONS
from cityops.command import selectors
from cityops.command.forms import MapFilterForm
from cityops.core.errors import Forbidden, InvalidInput, NotFound
from cityops.core.maplayers import map_layer_endpoints, map_layers
from cityops.core.permissions import require_centre_staff

# Actions the card cannot offer well (they need the pending requests or the request kinds of the case page):
# the card links to the case page for them instead.
PAGE_ONLY_ACTIONS = frozenset({"request", "decide"})


def _forbidden(request: HttpRequest, exc: Forbidden) -> HttpResponse:
    return render(request, "cases/forbidden.html", {"message": exc.message}, status=403)


def _centre_staff(request: HttpRequest) -> HttpResponse | None:
    """A 403 page for anyone but the centre's staff, else None."""
    try:
        require_centre_staff(request.user)
    except Forbidden as exc:
        return _forbidden(request, exc)
    return None


@login_required
@require_GET
def map_page(request: HttpRequest) -> HttpResponse:
    """The one map (一张图): clusters, load, inspectors, components, filters, feed and headline numbers."""
    refused = _centre_staff(request)
    if refused:
        return refused
    screen = request.GET.get("screen") in {"1", "true", "yes"}
    form = MapFilterForm(request.GET or None, user=request.user)
    context: dict[str, Any] = {
        "form": form, "screen": screen, "page": "command", "tile_url": settings.CITYOPS_TILE_URL,
        "outline": selectors.scope_outline(user=request.user),
        "config": _map_config(), "layers": map_layers(),
        "classes": case_selectors.report_class_options(text=""),
    }
    context.update(_partials(request))
    template = "command/screen.html" if screen else "command/map.html"
    return render(request, template, context)


def _map_config() -> dict[str, Any]:
    """What command.js needs: the API endpoints (the map's own and the registered layers'), the card URL pattern
    and the zoom thresholds."""
    return {
        "clusters": reverse("api-v1:command_clusters"), "load": reverse("api-v1:command_load"),
        **map_layer_endpoints(),
        "card": reverse("command:card", args=["__number__"]),
        "point_zoom": selectors.POINT_ZOOM, "component_zoom": COMPONENT_ZOOM,
    }


def _partials(request: HttpRequest) -> dict[str, Any]:
    """The feed and headline as first rendered (the page then polls them); a bad filter shows its error."""
    try:
        filters = selectors.map_filters(request.GET)
        return {"feed": selectors.case_feed(user=request.user, filters=filters),
                "numbers": selectors.headline(user=request.user, filters=filters), "filter_error": None}
    except InvalidInput as exc:
        return {"feed": {"events": [], "cursor": 0}, "numbers": None, "filter_error": exc}


@login_required
@require_GET
def feed(request: HttpRequest) -> HttpResponse:
    """New feed rows since `after` (htmx poll), or the latest rows without it (a filter change)."""
    refused = _centre_staff(request)
    if refused:
        return refused
    after = request.GET.get("after")
    try:
        data = selectors.case_feed(user=request.user, filters=selectors.map_filters(request.GET),
                                   after=_int(after, "after") if after not in (None, "") else None)
    except InvalidInput as exc:
        return render(request, "command/_error.html", {"error": exc}, status=422)
    return render(request, "command/_feed.html", {"feed": data, "polled": after not in (None, "")})


def _int(value: str, field: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(_("%(field)s must be a whole number.") % {"field": field}, field=field) from None


@login_required
@require_GET
def headline(request: HttpRequest) -> HttpResponse:
    """Today's headline numbers (htmx poll)."""
    refused = _centre_staff(request)
    if refused:
        return refused
    try:
        numbers = selectors.headline(user=request.user, filters=selectors.map_filters(request.GET))
    except InvalidInput as exc:
        return render(request, "command/_error.html", {"error": exc}, status=422)
    return render(request, "command/_headline.html", {"numbers": numbers})


@login_required
@require_GET
def card(request: HttpRequest, number: str) -> HttpResponse:
    """A case card for the map: summary, deadline and the console's action forms the viewer may use now."""
    refused = _centre_staff(request)
    if refused:
        return refused
    if not number.isdigit():  # a case number is digits; anything else (a NUL would crash PostgreSQL) is unknown
        raise Http404(_("Case not found."))
    try:
        case = case_selectors.case_get_for_user(user=request.user, number=number)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    info = case_selectors.case_detail(case, user=request.user)
    allowed = info["allowed_actions"]
    actions = [
        {"name": name, "label": ACTION_LABELS[name], "url": reverse("console:action", args=[case.number, name]),
         "form": ACTIONS[name].form(case=case, user=request.user)}
        for name in allowed if name in ACTIONS and name not in PAGE_ONLY_ACTIONS
    ]
    context = {"case": case, "info": info, "actions": actions,
               "page_only": [ACTION_LABELS[n] for n in allowed if n in PAGE_ONLY_ACTIONS]}
    return render(request, "command/_card.html", context)
