"""The console's inbox (/console/inbox/): my notifications, links to their cases, mark read (thin views)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cityops.core.errors import NotFound
from cityops.notify import selectors, services

INBOX_LIMIT = 100


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """My notifications, newest first (`?unread=1`: only the unread ones)."""
    unread_only = request.GET.get("unread") == "1"
    rows = selectors.notifications_for_user(user=request.user, unread=True if unread_only else None,
                                            limit=INBOX_LIMIT)
    return render(request, "notify/inbox.html", {"rows": rows, "unread_only": unread_only, "page": "inbox"})


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one of my notifications read (anyone else's: 404) and go back to the inbox."""
    try:
        row = selectors.notification_get_for_user(user=request.user, pk=pk)
        services.notification_mark_read(notification=row, actor=request.user)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return redirect(_back(request))


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    """Mark all my notifications read."""
    count = services.notifications_mark_all_read(actor=request.user)
    messages.success(request, _("%(n)d notifications marked read.") % {"n": count})
    return redirect(_back(request))


def _back(request: HttpRequest) -> str:
    # Only the inbox itself (with or without its filter) is a place to return to: no open redirect.
    return reverse("console:inbox") + ("?unread=1" if request.POST.get("unread") == "1" else "")
