"""Django permissions from platform roles: an active staff user with the admin role (系统管理员) may
use every part of the Django admin, as a superuser would, without per-model permission rows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from axes.backends import AxesStandaloneBackend
from django.contrib.auth.backends import BaseBackend
from django.http import HttpRequest

if TYPE_CHECKING:
    from cityops.core.typing import AnyUser


class PlatformAdminPermissionBackend(BaseBackend):
    """Grants every model permission to active users holding the `admin` role; authenticates nobody."""

    def has_perm(self, user_obj: AnyUser, perm: str, obj: Any = None) -> bool:
        return self._is_platform_admin(user_obj)

    def has_module_perms(self, user_obj: AnyUser, app_label: str) -> bool:
        return self._is_platform_admin(user_obj)

    @staticmethod
    def _is_platform_admin(user_obj: AnyUser) -> bool:
        has_role = getattr(user_obj, "has_role", None)
        return bool(getattr(user_obj, "is_active", False) and has_role and has_role("admin"))


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' lock-out check for web logins; a check without a request (a script, the shell) is let through.

    Lock-outs count failures per client address and user name, which only a request has; axes would refuse the
    call outright. Every login page of the platform (console, inspector app, admin) passes its request.
    """

    def authenticate(self, request: HttpRequest | None, username: str | None = None, password: str | None = None,
                     **kwargs: Any) -> None:
        if request is None:
            return None
        refused: None = super().authenticate(request, username, password, **kwargs)  # axes raises or passes
        return refused
