"""The permission layer every selector and service uses.

Two questions, two answers: *may this user do this kind of thing* (role, token scope) → 403 when not;
*may this user see this object* (data scope) → 404 when not, so nothing leaks about what exists outside.

Data scope: superusers and admins see everything; others see the region subtree of `scope_region`
and/or the region of their `scope_department`; a user with neither sees no regional data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeGuard

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cityops.core.errors import Forbidden, NotFound

if TYPE_CHECKING:
    from cityops.core.typing import Actor, User


class Role(models.TextChoices):
    """The roles a user holds (`org.RoleAssignment`); `require_role` checks them, so every app may name them."""

    INSPECTOR = "inspector", gettext_lazy("Inspector (监督员)")
    ACCEPTOR = "acceptor", gettext_lazy("Acceptor (受理员)")
    SHIFT_LEADER = "shift_leader", gettext_lazy("Shift leader (值班长)")
    DISPATCHER = "dispatcher", gettext_lazy("Dispatcher (派遣员)")
    HANDLER = "handler", gettext_lazy("Handler (处置人员)")
    LEADER = "leader", gettext_lazy("Leader (领导)")
    ADMIN = "admin", gettext_lazy("Administrator (系统管理员)")


# The command centre's staff (指挥中心); handlers and inspectors work their own queues, not the one map.
CENTRE_ROLES = (Role.LEADER, Role.SHIFT_LEADER, Role.DISPATCHER, Role.ACCEPTOR, Role.ADMIN)


def is_user(actor: Actor) -> TypeGuard[User]:
    """Whether `actor` is a signed-in user: not anonymous, not the system or a named device or command."""
    return bool(getattr(actor, "is_authenticated", False))


def is_platform_admin(user: Actor) -> bool:
    return bool(getattr(user, "is_superuser", False)) or _has_role(user, Role.ADMIN)


def holds_any_role(user: Actor, *roles: str) -> bool:
    """Whether the user holds one of `roles`; platform administrators (superuser or admin role) hold every role."""
    return is_platform_admin(user) or _has_role(user, *roles)


def require_role(user: Actor, *roles: str) -> None:
    """Refuse (403) unless the user holds one of `roles`; platform administrators (superuser or admin role) pass.

    The same rule as the workflow's: an administrator may take every step, so no page or endpoint is closed to
    the people who must be able to repair a stuck case.
    """
    if not getattr(user, "is_authenticated", False):
        raise Forbidden(_("Authentication required."))
    if holds_any_role(user, *roles):
        return
    names = ", ".join(roles)
    raise Forbidden(_("This action needs one of the roles: %(roles)s.") % {"roles": names})


def require_centre_staff(user: Actor) -> None:
    """Refuse (403) anyone but the command centre's staff (leader, shift leader, dispatcher, acceptor, admin)."""
    require_role(user, *CENTRE_ROLES)


def require_token_scope(user: Actor, scope: str) -> None:
    """Refuse (403) when the request came with an API token that lacks `scope`; sessions are not limited."""
    token = getattr(user, "via_token", None)
    if token is not None and scope not in (token.scopes or []):
        raise Forbidden(_("The API token lacks the scope %(scope)r.") % {"scope": scope})


def scope_paths(user: Actor) -> list[str] | None:
    """Region path prefixes the user may see; None means everything, [] means nothing."""
    if is_platform_admin(user):
        return None
    paths: list[str] = []
    region = getattr(user, "scope_region", None)
    if region is not None:
        paths.append(region.path)
    department = getattr(user, "scope_department", None)
    if department is not None and department.region_id is not None:
        paths.append(department.region.path)
    return paths


def region_scope_q(user: Actor, field: str = "path") -> Q:
    """A filter keeping rows whose region path (`field`) lies inside the user's scope."""
    paths = scope_paths(user)
    if paths is None:
        return Q()
    if not paths:
        return Q(pk__in=[])
    q = Q()
    for path in paths:
        q |= Q(**{f"{field}__startswith": path})
    return q


def ensure_path_visible(user: Actor, path: str, *, what: str = "Object") -> None:
    """Raise NotFound (404) when `path` lies outside the user's scope."""
    paths = scope_paths(user)
    if paths is None or any(path.startswith(p) for p in paths):
        return
    # `what` is an English noun from the caller; translated when the catalogue knows it ("Region" → 区域).
    raise NotFound(_("%(what)s not found.") % {"what": _(what)})


def department_scope_q(user: Actor, field: str = "path") -> Q:
    """A filter keeping departments (by their path `field`) the user may see.

    Admins see all; others see the subtree of `scope_department`, their own department, and the
    departments whose region lies inside their region scope.
    """
    if is_platform_admin(user):
        return Q()
    q = Q(pk__in=[])
    scope_department = getattr(user, "scope_department", None)
    if scope_department is not None:
        q |= Q(**{f"{field}__startswith": scope_department.path})
    department = getattr(user, "department", None)
    if department is not None:
        q |= Q(**{field: department.path})
    prefix = field[: -len("path")] if field.endswith("path") else ""
    region_paths = scope_paths(user) or []
    for path in region_paths:
        q |= Q(**{f"{prefix}region__path__startswith": path})
    return q


def _has_role(user: Actor, *roles: str) -> bool:
    has_role = getattr(user, "has_role", None)
    return bool(has_role and has_role(*roles))
