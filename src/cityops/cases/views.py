"""Pages of the operator console (/console/): work queue, search, new report, case detail and its actions.

Thin views: parse a form, call one `cases.services` function (the same the API calls), turn a domain error
into a message or a status. No workflow rule is decided here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from shapely.geometry import mapping

from cityops.cases import forms as f
from cityops.cases import selectors, services
from cityops.cases.cursors import Page
from cityops.cases.duplicates import find_duplicates
from cityops.cases.filters import CaseFilters
from cityops.cases.models import Case, CaseStageClock, RequestState, Source
from cityops.cases.photos import case_photo_add
from cityops.cases.queues import case_queue_for_user, queue_roles
from cityops.cases.services import case_report
from cityops.cases.workflow import REQUEST_TRANSITIONS, may
from cityops.core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from cityops.geo.geometry import from_wkb
from cityops.geo.models import Region
from cityops.org.models import Role

if TYPE_CHECKING:
    from cityops.core.typing import AnyUser

PAGE = 30

ACTION_LABELS = {
    "send-to-verify": gettext_lazy("Send to verify"),
    "verify": gettext_lazy("Verify"),
    "accept": gettext_lazy("Accept"),
    "register": gettext_lazy("Register"),
    "dispatch": gettext_lazy("Dispatch"),
    "pass-down": gettext_lazy("Pass down"),
    "handle": gettext_lazy("Report handled"),
    "send-to-check": gettext_lazy("Send to check"),
    "check": gettext_lazy("Check"),
    "close": gettext_lazy("Close"),
    "urge": gettext_lazy("Urge"),
    "merge": gettext_lazy("Merge as duplicate"),
    "request": gettext_lazy("Ask for approval"),
    "decide": gettext_lazy("Decide"),
    "resume": gettext_lazy("Resume"),
    "photos": gettext_lazy("Add photos"),
}


# --- lists ---------------------------------------------------------------------------------------------------


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """What waits for me: the queues of my roles, soonest deadline first."""
    form = f.FilterForm(request.GET or None)
    items, cursor = _listed(request, form, lambda filters: case_queue_for_user(user=request.user, filters=filters))
    context = {"form": form, "items": items, "more_url": _more_url(request, cursor), "page": "queue",
               "roles": [Role(r).label for r in queue_roles(request.user)], "classes": selectors.report_class_options(text="")}
    return _list_response(request, "cases/queue.html", context)


@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Every case in my scope, newest first, with the same filters."""
    form = f.FilterForm(request.GET or None)
    items, cursor = _listed(request, form, lambda filters: selectors.case_list_for_user(
        user=request.user, filters=replace(filters, limit=PAGE)))
    _with_rows(items)
    context = {"form": form, "items": items, "more_url": _more_url(request, cursor), "page": "search",
               "classes": selectors.report_class_options(text="")}
    return _list_response(request, "cases/search.html", context)


def _list_response(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    # htmx asks for the rows only (filter change, "more"); a plain request gets the whole page.
    if request.headers.get("HX-Request") == "true":
        return render(request, "cases/_rows.html", context)
    return render(request, template, context)


def _listed(request: HttpRequest, form: f.FilterForm,
            read: Callable[[CaseFilters], Page]) -> tuple[list[Case], str | None]:
    """One page `read` with the form's filters; a value that names nothing is a message on its field."""
    if form.is_bound and not form.is_valid():
        return [], None
    try:
        page = read(_list_filters(form.cleaned_data if form.is_bound else {}, request))
    except (InvalidInput, NotFound) as exc:  # an unknown class or region named in a filter
        form.add_error(_form_field(form, exc.field), exc.message)
        return [], None
    return page.items, page.next_cursor


def _list_filters(data: dict[str, Any], request: HttpRequest) -> CaseFilters:
    """The filter form's values in the case lists' one vocabulary (the API's names; `klass` is `class`, `q` `text`)."""
    overdue = {"yes": True, "no": False}.get(data.get("overdue") or "")
    return CaseFilters(
        states=[data["state"]] if data.get("state") else [], catalog_class=data.get("klass") or None,
        region=data.get("region") or None, source=data.get("source") or None, overdue=overdue,
        text=data.get("q") or None, cursor=request.GET.get("cursor") or None,
    )


def _form_field(form: Any, name: str | None) -> str | None:
    aliases = {"class": "klass", "catalog_class": "klass", "text": "q", "states": "state", "state": "state"}
    name = aliases.get(name or "", name)
    return name if name in form.fields else None


def _with_rows(items: list[Case]) -> None:
    """Load what a row shows (the grid, the running clock) for cases a selector returned."""
    running = CaseStageClock.objects.filter(done_at__isnull=True).order_by("-started_at")
    prefetch_related_objects(items, "grid", Prefetch("clocks", queryset=running, to_attr="running_clocks"))


def _more_url(request: HttpRequest, cursor: str | None) -> str | None:
    if not cursor:
        return None
    params = request.GET.copy()
    params["cursor"] = cursor
    return f"{request.path}?{params.urlencode()}"


@login_required
@require_GET
def class_options(request: HttpRequest) -> HttpResponse:
    """<option>s of the catalogue classes matching ?klass= (code, name or pinyin initials), for the datalist."""
    return render(request, "cases/_class_options.html", {"classes": selectors.report_class_options(text=request.GET.get("klass", ""))})


# --- new report ------------------------------------------------------------------------------------------------


@login_required
def report(request: HttpRequest) -> HttpResponse:
    """A new report entered by staff; shows the duplicates found on the new case's page."""
    form = f.ReportForm(request.POST or None, request.FILES or None,
                        initial={"source": Source.INSPECTOR if request.user.has_role(Role.INSPECTOR) else Source.STAFF})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                case = _report(request, form.cleaned_data)
            except Forbidden as exc:
                return _forbidden(request, exc)
            except DomainError as exc:
                form.add_error(_report_field(exc.field, form), exc.message)
                status = exc.status if exc.status in (413, 415) else 422
            else:
                return redirect("console:detail", number=case.number)
        else:
            status = 422
    context = {"form": form, "page": "report", "classes": selectors.report_class_options(text=""), "map": selectors.report_scope_map(user=request.user),
               "tile_url": settings.CITYOPS_TILE_URL}
    return render(request, "cases/report.html", context, status=status)


def _report(request: HttpRequest, data: dict[str, Any]) -> Case:
    result = case_report(
        actor=request.user, source=data["source"], catalog_class=data["klass"], urgency=data["urgency"],
        description=data["description"], lon=data["lon"], lat=data["lat"], address=data["address"],
        reporter_name=data["reporter_name"], reporter_contact=data["reporter_contact"],
        self_handled=data["self_handled"], result=data["result"], idempotency_key=data["idempotency_key"] or None,
        photos=data["photos"],
    )
    case = result.case
    if not result.created:  # the same form sent twice: show the case the first submit made
        return case
    stored = len(data["photos"])
    messages.success(request, _("Case %(number)s reported.") % {"number": case.number})
    if stored:
        messages.info(request, _("%(n)d photo(s) attached.") % {"n": stored})
    if result.duplicates:
        numbers = ", ".join(c.number for c in result.duplicates)
        messages.warning(request, _("Possible duplicates nearby: %(numbers)s.") % {"numbers": numbers})
    return case


def _add_photos(request: HttpRequest, case: Case, uploads: list[Any], *, phase: str, version: int | None) -> int:
    for upload in uploads:
        case_photo_add(case=case, actor=request.user, upload=upload, phase=phase, version=version)
    return len(uploads)


def _report_field(name: str | None, form: Any) -> str | None:
    aliases = {"catalog_class": "klass", "class": "klass", "file": "photos", "image": "photos", "location": "lon"}
    name = aliases.get(name or "", name)
    return name if name in form.fields else None


# --- case detail ---------------------------------------------------------------------------------------------


@login_required
@require_GET
def detail(request: HttpRequest, number: str) -> HttpResponse:
    """One case: header, map, photos, timeline, deadlines, requests, duplicates, and my actions."""
    return _detail_page(request, _get_case(request, number))


def _get_case(request: HttpRequest, number: str) -> Case:
    try:
        return selectors.case_get_for_user(user=request.user, number=number)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _detail_page(request: HttpRequest, case: Case, *, bound: dict[str, Any] | None = None,
                 status: int = 200) -> HttpResponse:
    user = request.user
    info = selectors.case_detail(case, user=user)
    allowed = info["allowed_actions"]
    context = {
        "case": case, "info": info, "page": "detail",
        "timeline": selectors.case_timeline_for_user(user=user, case=case),
        "actions": _action_forms(case, user, allowed, bound or {}),
        "decisions": _decision_forms(case, user, bound or {}),
        "photos_before": [p for p in info["photos"] if p["phase"] == "before"],
        "photos_after": [p for p in info["photos"] if p["phase"] != "before"],
        "pending_requests": list(case.requests.filter(state=RequestState.PENDING).select_related("requested_by")),
        "duplicates": _possible_duplicates(case) if "merge" in allowed else [],
        "map": _case_map(case), "tile_url": settings.CITYOPS_TILE_URL,
    }
    return render(request, "cases/detail.html", context, status=status)


def _case_map(case: Case) -> dict[str, Any]:
    grid = Region.objects.only("code", "name", "geom_wkb").get(pk=case.grid_id)
    feature = {"type": "Feature", "geometry": mapping(from_wkb(grid.geom_wkb)),
               "properties": {"code": grid.code, "name": grid.name}}
    return {"point": [case.lon, case.lat], "regions": {"type": "FeatureCollection", "features": [feature]}}


def _possible_duplicates(case: Case) -> list[Case]:
    found = find_duplicates(catalog_class=case.catalog_class, lon=case.lon, lat=case.lat, at=case.reported_at,
                            exclude_id=case.pk)
    earlier = find_duplicates(catalog_class=case.catalog_class, lon=case.lon, lat=case.lat, exclude_id=case.pk)
    seen: dict[int, Case] = {c.pk: c for c in [*found, *earlier]}
    return sorted(seen.values(), key=lambda c: c.reported_at)[:10]


# --- actions -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    form: type[f.ActionForm]
    run: Callable[[HttpRequest, Case, Any], Any]


def _note(form: Any) -> dict[str, Any]:
    return {"version": form.cleaned_data["version"], "note": form.cleaned_data["note"]}


def _simple(name: str) -> Action:
    def run(request: HttpRequest, case: Case, form: Any) -> Any:
        return getattr(services, name)(case=case, actor=request.user, **_note(form))

    return Action(f.ActionForm, run)


def _verify(request: HttpRequest, case: Case, form: Any) -> Any:
    return services.case_verify(case=case, actor=request.user, confirmed=form.yes, **_note(form))


def _check(request: HttpRequest, case: Case, form: Any) -> Any:
    photos = form.cleaned_data.get("photos") or []
    _add_photos(request, case, photos, phase="check", version=form.cleaned_data["version"])
    return services.case_check(case=case, actor=request.user, passed=form.yes, **_note(form))


def _dispatch(request: HttpRequest, case: Case, form: Any) -> Any:
    return services.case_dispatch(case=case, actor=request.user, department=form.cleaned_data["department"],
                                     **_note(form))


def _pass_down(request: HttpRequest, case: Case, form: Any) -> Any:
    return services.case_pass_down(case=case, actor=request.user, unit=form.cleaned_data["unit"], **_note(form))


def _handle(request: HttpRequest, case: Case, form: Any) -> Any:
    # Photos first: a refused photo must not leave the case reported as handled without it.
    _add_photos(request, case, form.cleaned_data["photos"], phase="after", version=form.cleaned_data["version"])
    return services.case_handle(case=case, actor=request.user, result=form.cleaned_data["result"], **_note(form))


def _merge(request: HttpRequest, case: Case, form: Any) -> Any:
    try:
        master = selectors.case_get_for_user(user=request.user, number=form.cleaned_data["master"])
    except NotFound as exc:
        raise InvalidInput(exc.message, field="master") from exc
    return services.case_merge(case=case, master=master, actor=request.user, **_note(form))


def _request(request: HttpRequest, case: Case, form: Any) -> Any:
    data = form.cleaned_data
    return services.case_request_create(
        case=case, actor=request.user, version=data["version"], kind=data["kind"], reason=data["reason"],
        extra_minutes=data["extra_minutes"], void_reason=data["void_reason"],
    )


def _decide(request: HttpRequest, case: Case, form: Any) -> Any:
    pending = case.requests.filter(pk=form.cleaned_data["request_id"]).first()
    if pending is None:
        raise InvalidInput(_("This request no longer exists."), field="request_id")
    return services.case_request_decide(request=pending, actor=request.user, approve=form.yes,
                                           note=form.cleaned_data["note"])


def _photos(request: HttpRequest, case: Case, form: Any) -> Any:
    data = form.cleaned_data
    return _add_photos(request, case, data["photos"], phase=data["phase"], version=data["version"])


class CheckForm(f.DecisionForm):
    photos = f.MultipleImageField(label=gettext_lazy("Check photos"), required=False)


ACTIONS: dict[str, Action] = {
    "send-to-verify": _simple("case_send_to_verify"),
    "verify": Action(f.DecisionForm, _verify),
    "accept": _simple("case_accept"),
    "register": _simple("case_register"),
    "dispatch": Action(f.DispatchForm, _dispatch),
    "pass-down": Action(f.PassDownForm, _pass_down),
    "handle": Action(f.HandleForm, _handle),
    "send-to-check": _simple("case_send_to_check"),
    "check": Action(CheckForm, _check),
    "close": _simple("case_close"),
    "urge": _simple("case_urge"),
    "merge": Action(f.MergeForm, _merge),
    "request": Action(f.RequestForm, _request),
    "decide": Action(f.DecideForm, _decide),
    "resume": _simple("case_resume"),
    "photos": Action(f.PhotoForm, _photos),
}


def _request_kinds(case: Case, user: AnyUser) -> list[str]:
    """The request kinds `user` may ask for now (none of the kind already pending)."""
    pending = set(case.requests.filter(state=RequestState.PENDING).values_list("kind", flat=True))
    return [kind for kind, (ask, _apply) in REQUEST_TRANSITIONS.items() if kind not in pending and may(user, case, ask)]


def _make_form(action: str, case: Case, user: AnyUser, data: Any = None, files: Any = None) -> f.ActionForm:
    extra = {"kinds": _request_kinds(case, user)} if action == "request" else {}
    return ACTIONS[action].form(data, files, case=case, user=user, **extra)


def _action_forms(case: Case, user: AnyUser, allowed: list[str], bound: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"name": name, "label": ACTION_LABELS[name], "form": bound.get(name) or _make_form(name, case, user),
         "url": reverse("console:action", args=[case.number, name])}
        for name in allowed if name in ACTIONS and name != "decide"
    ]


def _decision_forms(case: Case, user: AnyUser, bound: dict[str, Any]) -> list[dict[str, Any]]:
    """One approve/reject form per pending request this user may decide."""
    rows = []
    for pending in case.requests.filter(state=RequestState.PENDING).select_related("requested_by"):
        if not may(user, case, REQUEST_TRANSITIONS[pending.kind][1]):
            continue
        form = bound.get("decide") if bound.get("decide") and str(bound["decide"].data.get("request_id")) == str(
            pending.pk) else f.DecideForm(case=case, user=user, initial={"request_id": pending.pk})
        rows.append({"request": pending, "form": form, "url": reverse("console:action", args=[case.number, "decide"])})
    return rows


@login_required
@require_POST
def action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """Run one workflow action from its form; errors come back as messages or form errors."""
    case = _get_case(request, number)
    if action not in ACTIONS:
        raise Http404(_("Unknown action."))
    form = _make_form(action, case, request.user, request.POST, request.FILES)
    if not form.is_valid():
        return _detail_page(request, case, bound={action: form}, status=422)
    try:
        ACTIONS[action].run(request, case, form)
    except Forbidden as exc:
        return _forbidden(request, exc)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except Conflict as exc:
        if getattr(exc, "code", "") == "stale_version":
            messages.error(request, _("This case changed since you opened it: reload the page and try again."))
        else:
            messages.error(request, exc.message)
        return redirect("console:detail", number=case.number)
    except DomainError as exc:  # invalid input, a photo too large or not an image
        form.add_error(_form_field(form, exc.field), exc.message)
        return _detail_page(request, case, bound={action: form}, status=exc.status)
    messages.success(request, _("%(action)s: done.") % {"action": ACTION_LABELS[action]})
    return redirect("console:detail", number=case.number)


def _forbidden(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return render(request, "cases/forbidden.html", {"message": exc.message}, status=403)
