"""Pages of the inspector app (城管通) at /m/: home (grids and tasks), report, one task; manifest and worker."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from cityops.cases import selectors as case_selectors
from cityops.cases import services as case_services
from cityops.cases.models import CaseState
from cityops.core.errors import DomainError, Forbidden
from cityops.core.permissions import require_role
from cityops.intake.inspector import selectors as sel
from cityops.org.models import Role

SW_PATH = "cityops/inspector/sw.js"


def _forbidden(request: HttpRequest, exc: Forbidden) -> HttpResponse:
    return render(request, "intake/inspector/forbidden.html", {"message": exc.message}, status=403)


def _page(template: str):  # noqa: ANN202 - a tiny view factory
    @login_required
    @require_GET
    def view(request: HttpRequest) -> HttpResponse:
        try:
            require_role(request.user, Role.INSPECTOR)
        except Forbidden as exc:
            return _forbidden(request, exc)
        return render(request, template, {"tile_url": settings.CITYOPS_TILE_URL})

    return view


home = _page("intake/inspector/home.html")
report = _page("intake/inspector/report.html")


@login_required
@require_http_methods(["GET", "POST"])
def task(request: HttpRequest, number: str) -> HttpResponse:
    """One verification or check task, with its two answer buttons."""
    try:
        require_role(request.user, Role.INSPECTOR)
    except Forbidden as exc:
        return _forbidden(request, exc)
    case = sel.my_task(user=request.user, number=number)
    if case is None:
        raise Http404(_("This task is not waiting for you."))
    if request.method == "POST":
        return _decide(request, case)
    # The reported problem's photos to verify against, and the handler's after-photos to check the fix by.
    photos = [case_selectors.photo_row(p) for p in case.photos.order_by("uploaded_at", "id")]
    return render(request, "intake/inspector/task.html", {"case": case, "photos": photos})


def _decide(request: HttpRequest, case: Any) -> HttpResponse:
    yes = request.POST.get("answer") == "yes"
    note = request.POST.get("note", "")[:1000]
    try:
        version = int(request.POST.get("version", ""))
        if case.state == CaseState.VERIFYING:
            case_services.case_verify(case=case, actor=request.user, version=version, confirmed=yes, note=note)
        else:
            case_services.case_check(case=case, actor=request.user, version=version, passed=yes, note=note)
    except ValueError:
        messages.error(request, _("The form is out of date; reload the task."))
        return redirect("inspector:task", number=case.number)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("inspector:task", number=case.number)
    messages.success(request, _("Case %(number)s: answer recorded.") % {"number": case.number})
    return redirect("inspector:home")


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, served under /m/ so that its scope covers the app."""
    found = finders.find(SW_PATH)
    if not found:
        raise Http404("service worker")
    response = HttpResponse(Path(found).read_bytes(), content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/m/"
    # The browser checks for a new worker on each visit; a cached copy would pin an old app shell.
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest: installable, standalone, scoped to /m/."""
    body = {
        "name": _("Inspector app (城管通)"), "short_name": _("城管通"), "lang": request.LANGUAGE_CODE,
        "start_url": "/m/", "scope": "/m/", "display": "standalone",
        "background_color": "#ffffff", "theme_color": "#1565c0",
        "icons": [
            {"src": static("cityops/inspector/icon.svg"), "sizes": "any", "type": "image/svg+xml", "purpose": "any"},
            {"src": static("cityops/inspector/icon-maskable.svg"), "sizes": "any", "type": "image/svg+xml",
             "purpose": "maskable"},
        ],
    }
    return HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/manifest+json")
