"""Django permissions from platform roles: an active staff user with the admin role (系统管理员) may
use every part of the Django admin, as a superuser would, without per-model permission rows."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend


class PlatformAdminPermissionBackend(BaseBackend):
    """Grants every model permission to active users holding the `admin` role; authenticates nobody."""

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return self._is_platform_admin(user_obj)

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return self._is_platform_admin(user_obj)

    @staticmethod
    def _is_platform_admin(user_obj: Any) -> bool:
        has_role = getattr(user_obj, "has_role", None)
        return bool(getattr(user_obj, "is_active", False) and has_role and has_role("admin"))
