"""Pages of the citizen portal (/portal/) and the acceptors' moderation queue (/console/moderation/)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cityops.cases.models import Case
from cityops.core.errors import DomainError, Forbidden, NotFound
from cityops.geo.models import Region
from cityops.intake.portal import forms as f
from cityops.intake.portal import selectors as sel
from cityops.intake.portal import services as svc
from cityops.intake.portal.api import client_ip
from cityops.intake.portal.challenge import challenge_new

_FORM_FIELDS = {"category", "description", "address", "contact", "photos", "challenge_answer", "comment",
                "satisfaction"}


def _categories() -> list[tuple[int, str]]:
    return [(c.id, sel.category_label(c)) for c in sel.public_categories()]


def _with_challenge(form: Any) -> Any:
    """Give the form a fresh question (a refused answer must not be retried against the same one)."""
    c = challenge_new()
    data = form.data.copy() if form.is_bound else None
    if data is not None:
        data["challenge_token"], data["challenge_answer"] = c.token, ""
        form.data = data
    form.initial["challenge_token"] = c.token
    form.challenge_question = c.question
    return form


def _city_map() -> dict[str, Any]:
    """The city's outline as a frame for the map (no basemap needed to find one's street)."""
    city = Region.objects.filter(level="city").order_by("id").first()
    if city is None:
        return {"point": None, "regions": {"type": "FeatureCollection", "features": []}}
    ring = [[city.min_lon, city.min_lat], [city.max_lon, city.min_lat], [city.max_lon, city.max_lat],
            [city.min_lon, city.max_lat], [city.min_lon, city.min_lat]]
    feature = {"type": "Feature", "properties": {"name": city.name},
               "geometry": {"type": "Polygon", "coordinates": [ring]}}
    return {"point": None, "regions": {"type": "FeatureCollection", "features": [feature]}}


def _refusal(form: Any, exc: DomainError) -> int:
    field = {"location": None, "file": "photos", "challenge": "challenge_answer"}.get(exc.field or "", exc.field)
    form.add_error(field if field in form.fields else None, exc.message)
    return exc.status if exc.status in (413, 415, 429) else 422


def _ratelimited(response: HttpResponse, exc: DomainError) -> HttpResponse:
    if getattr(exc, "retry_after", None):
        response["Retry-After"] = str(exc.retry_after)
    return response


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The portal's front page: report, track, nearby."""
    return render(request, "intake/portal/home.html", {"track_form": f.TrackForm(), "tab": "track"})


def report(request: HttpRequest) -> HttpResponse:
    """Report a problem (我要举报)."""
    form = f.PortalReportForm(request.POST or None, request.FILES or None, categories=_categories())
    status, error = 200, None
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                case = svc.portal_report_submit(report=svc.PublicReport(
                    category=data["category"], description=data["description"], lon=data["lon"], lat=data["lat"],
                    address=data["address"], contact=data["contact"], photos=tuple(data["photos"]),
                    challenge_token=data["challenge_token"], challenge_answer=data["challenge_answer"],
                    place=data["place"],
                ), ip=client_ip(request))
            except DomainError as exc:
                status, error = _refusal(form, exc), exc
            else:
                request.session["portal_new_code"] = case.tracking_code
                return redirect("portal:track", code=case.tracking_code)
        else:
            status = 422
    context = {"form": _with_challenge(form), "map": _city_map(), "tab": "report", "tile_url": settings.CITYOPS_TILE_URL}
    response = render(request, "intake/portal/report.html", context, status=status)
    return _ratelimited(response, error) if error else response


def track_lookup(request: HttpRequest) -> HttpResponse:
    """Find a report by the code the citizen typed."""
    form = f.TrackForm(request.GET or None)
    if form.is_valid():
        return redirect("portal:track", code=sel.normalise_tracking_code(form.cleaned_data["code"]))
    return render(request, "intake/portal/home.html", {"track_form": form, "tab": "track"}, status=422 if form.is_bound else 200)


def track(request: HttpRequest, code: str) -> HttpResponse:
    """The public timeline of one report, with rating and reopening once it is closed."""
    try:
        info = sel.public_request(code=code)
    except NotFound:
        return render(request, "intake/portal/not_found.html", status=404)
    rating = f.RatingForm(request.POST if request.POST.get("form") == "rate" else None)
    reopen = f.ReopenForm(request.POST if request.POST.get("form") == "reopen" else None, request.FILES or None)
    status, error = 200, None
    if request.method == "POST":
        outcome = _track_post(request, code, rating, reopen)
        if isinstance(outcome, HttpResponse):
            return outcome
        status, error = outcome
    just_made = request.session.pop("portal_new_code", None) == info["tracking_code"]
    context = {"info": info, "rating": rating, "reopen": _with_challenge(reopen), "just_made": just_made,
               "tab": "track"}
    response = render(request, "intake/portal/track.html", context, status=status)
    return _ratelimited(response, error) if error else response


def _track_post(request: HttpRequest, code: str, rating: Any, reopen: Any) -> HttpResponse | tuple[int, Any]:
    form = rating if request.POST.get("form") == "rate" else reopen
    if not form.is_valid():
        return 422, None
    data = form.cleaned_data
    try:
        if form is rating:
            svc.portal_rate(code=code, satisfaction=data["satisfaction"], comment=data["comment"],
                            ip=client_ip(request))
            messages.success(request, _("Thank you for your rating."))
            return redirect("portal:track", code=code)
        new = svc.portal_reopen(code=code, ip=client_ip(request), report=svc.PublicReport(
            category=None, description=data["description"], lon=None, lat=None, photos=tuple(data["photos"]),
            challenge_token=data["challenge_token"], challenge_answer=data["challenge_answer"]))
    except DomainError as exc:
        return _refusal(form, exc), exc
    request.session["portal_new_code"] = new.tracking_code
    return redirect("portal:track", code=new.tracking_code)


@require_GET
def nearby(request: HttpRequest) -> HttpResponse:
    """Reports near me: a map of accepted reports of the last 30 days (the browser asks for the position)."""
    return render(request, "intake/portal/nearby.html", {"map": _city_map(), "tile_url": settings.CITYOPS_TILE_URL, "tab": "nearby"})


# --- moderation (acceptors) -----------------------------------------------------------------------------


@login_required
def moderation(request: HttpRequest) -> HttpResponse:
    """Citizen reports not yet accepted: read them, hide their public text and photos if needed."""
    try:
        if request.method == "POST":
            return _moderate(request)
        cases = sel.moderation_queue(user=request.user)
    except Forbidden as exc:
        return render(request, "cases/forbidden.html", {"message": exc.message}, status=403)
    return render(request, "intake/portal/moderation.html", {"cases": cases, "page": "moderation"})


def _moderate(request: HttpRequest) -> HttpResponse:
    case = Case.objects.filter(number=request.POST.get("number", "")).first()
    if case is None:
        messages.error(request, _("Case not found."))
        return redirect("moderation")
    hidden = request.POST.get("hidden", "1") == "1"
    try:
        svc.case_public_hide(case=case, actor=request.user, hidden=hidden, note=request.POST.get("note", "")[:500])
    except NotFound:
        messages.error(request, _("Case not found."))
    else:
        messages.success(request, (_("Public text of %(n)s hidden.") if hidden else _("Public text of %(n)s shown."))
                         % {"n": case.number})
    return redirect("moderation")
