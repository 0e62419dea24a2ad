"""The hotline desk (热线受理, /hotline/): call-centre operators (acceptors) take calls into cases.

Thin views: parse the form, call `intake.hotline.services.hotline_call_take`, turn a domain error into a form message.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cityops.cases.models import Case
from cityops.cases.selectors import case_get_for_user, report_class_options, report_scope_map
from cityops.catalog.selectors import catalog_class_from_ref
from cityops.core.errors import DomainError, Forbidden
from cityops.intake.hotline import selectors, services
from cityops.intake.hotline.forms import HotlineCallForm
from cityops.org.models import Role


def acceptor_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Logged in, and an acceptor (受理员) or administrator; others get the console's 403 page."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not (user.has_role(Role.ACCEPTOR) or user.has_role(Role.ADMIN) or user.is_superuser):
            message = _("The hotline desk is for acceptors.")
            return render(request, "cases/forbidden.html", {"message": message}, status=403)
        return view(request, *args, **kwargs)

    return wrapped


@acceptor_required
def desk(request: HttpRequest) -> HttpResponse:
    """Take a call: a new hotline case, or the caller added to an open case nearby."""
    form = HotlineCallForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                result = _take(request, form.cleaned_data)
            except Forbidden as exc:
                return render(request, "cases/forbidden.html", {"message": exc.message}, status=403)
            except DomainError as exc:
                form.add_error(_field(exc.field, form), exc.message)
                status = 422
            else:
                _confirm(request, result)
                return redirect("hotline:desk")
        else:
            status = 422
    return render(request, "intake/hotline/desk.html", _context(request, form), status=status)


def _take(request: HttpRequest, data: dict[str, Any]) -> services.CallResult:
    duplicate = _open_case(request, data["duplicate_of"]) if data["duplicate_of"] else None
    return services.hotline_call_take(
        actor=request.user, caller_phone=data["caller_phone"], caller_name=data["caller_name"],
        catalog_class=data["klass"], description=data["description"], lon=data["lon"], lat=data["lat"],
        address=data["address"], duplicate_of=duplicate, idempotency_key=data["idempotency_key"] or None,
    )


def _open_case(request: HttpRequest, number: str) -> Case:
    return case_get_for_user(user=request.user, number=number)


def _confirm(request: HttpRequest, result: services.CallResult) -> None:
    values = {"number": result.case.number, "code": result.tracking_code}
    if result.created:
        messages.success(request, _("Case %(number)s created; tracking code %(code)s sent by SMS.") % values)
    else:
        messages.success(request, _("The call was added to case %(number)s; tracking code %(code)s sent by SMS.")
                         % values)


def _field(name: str | None, form: HotlineCallForm) -> str | None:
    aliases = {"catalog_class": "klass", "class": "klass", "reporter_contact": "caller_phone",
               "reporter_name": "caller_name", "caller_contact": "caller_phone", "note": "description"}
    name = aliases.get(name or "", name)
    return name if name in form.fields else None


def _context(request: HttpRequest, form: HotlineCallForm) -> dict[str, Any]:
    return {"form": form, "page": "hotline", "classes": report_class_options(text=""), "map": report_scope_map(user=request.user),
            "tile_url": settings.CITYOPS_TILE_URL}


@acceptor_required
@require_GET
def places(request: HttpRequest) -> HttpResponse:
    """Places of the operator's scope matching ?place= (htmx): choosing one fills the point."""
    found = selectors.place_search(user=request.user, q=request.GET.get("place", ""))
    return render(request, "intake/hotline/_places.html", {"places": found})


@acceptor_required
@require_GET
def nearby(request: HttpRequest) -> HttpResponse:
    """Open cases of the chosen class near the chosen point (htmx), each with 'link this call to it'."""
    cases: list[Case] = []
    try:
        klass = catalog_class_from_ref((request.GET.get("klass") or "").strip().split(" ", 1)[0])
        lon, lat = float(request.GET["lon"]), float(request.GET["lat"])
    except (DomainError, KeyError, ValueError):
        klass = None
    if klass is not None:
        cases = selectors.open_cases_near(user=request.user, catalog_class=klass, lon=lon, lat=lat)
    return render(request, "intake/hotline/_nearby.html", {"cases": cases, "ready": klass is not None})
