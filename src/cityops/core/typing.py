"""Type names for the people and processes that act: the user model and the actor of a service.

Types only: everything here exists for the type checker (import it under `TYPE_CHECKING`), so no app gains a
run-time import edge. `User` is the configured `AUTH_USER_MODEL` (`org.User`), which django-stubs' mypy plugin
puts in place of its `_User` placeholder, so core names the user model without importing the app above it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.auth.models import _User as User
    from django.http import HttpRequest

    #: A request's user: a staff member, or anonymous (the permission primitives refuse or show nothing).
    AnyUser: TypeAlias = User | AnonymousUser
    #: Who performs a service: a request's user (the role checks refuse an anonymous one), a string naming a
    #: device or command, or None (the system).
    Actor: TypeAlias = AnyUser | str | None

    class AuthedRequest(HttpRequest):
        """A request the API's authentication let through: django-ninja sets `auth` to the user it returned."""

        auth: User

__all__ = ["Actor", "AnyUser", "AuthedRequest", "User"]
