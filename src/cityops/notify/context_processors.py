"""Template context for every page: the unread-notification count of the top bar's inbox link."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from cityops.core.permissions import is_user
from cityops.notify.selectors import unread_count


def unread_notifications(request: HttpRequest) -> dict[str, Any]:
    """`notify_unread` for a logged-in user (counted only if a template shows it); nothing for anonymous visitors."""
    user = getattr(request, "user", None)
    if not is_user(user):
        return {}
    # Lazy: pages that never show the badge (the admin, JSON views) pay no query at all.
    return {"notify_unread": SimpleLazyObject(lambda: unread_count(user=user))}
