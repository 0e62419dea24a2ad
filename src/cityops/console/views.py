"""Pages of the console itself: the staff home page (the domains' pages come with their apps)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cityops.console.selectors import platform_overview_for_user
from cityops.core.selectors import calendar_notice_for_user


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The staff home page: who I am, my scope, and what the platform holds inside it."""
    return render(
        request,
        "console/home.html",
        {
            "overview": platform_overview_for_user(user=request.user),
            "missing_arrangement_years": calendar_notice_for_user(user=request.user),
        },
    )
