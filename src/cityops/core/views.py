"""Pages of the platform shell: home and health check."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from cityops.core.selectors import calendar_notice_for_user, platform_overview_for_user


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The staff home page: who I am, my scope, and what the platform holds inside it."""
    return render(request, "core/home.html", {
        "overview": platform_overview_for_user(user=request.user),
        "missing_arrangement_years": calendar_notice_for_user(user=request.user),
    })


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database check for load balancers (no authentication, no data)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
