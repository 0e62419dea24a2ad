"""Reads of the org domain, scoped to the user asking."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from cityops.core.models import AuditEvent
from cityops.core.permissions import department_scope_q, is_platform_admin, require_role, require_token_scope
from cityops.org.models import ApiToken, Department, TokenScope, User

if TYPE_CHECKING:
    from cityops.core.typing import AnyUser

MAX_AUDIT_LIMIT = 500


def me_for_user(*, user: User) -> dict[str, Any]:
    """Who the caller is: user name, roles, data scope and, through a token, that token's scopes."""
    token = getattr(user, "via_token", None)
    return {
        "username": user.get_username(),
        "full_name": getattr(user, "full_name", ""),
        "roles": sorted(user.role_set),
        "is_admin": is_platform_admin(user),
        "department": user.department.code if user.department is not None else None,
        "scope_region": user.scope_region.code if user.scope_region is not None else None,
        "scope_department": user.scope_department.code if user.scope_department is not None else None,
        "token_scopes": sorted(token.scopes) if token is not None else None,
    }


def token_list_for_user(*, user: User) -> QuerySet[ApiToken]:
    """The caller's own tokens; administrators see every token."""
    require_token_scope(user, TokenScope.ORG_READ)
    tokens = ApiToken.objects.select_related("user")
    return tokens if is_platform_admin(user) else tokens.filter(user=user)


def token_get_for_user(*, user: User, token_id: int) -> ApiToken | None:
    """One token the caller may manage, or None (missing and not theirs look the same)."""
    tokens = ApiToken.objects.select_related("user")
    if not is_platform_admin(user):
        tokens = tokens.filter(user=user)
    return tokens.filter(pk=token_id).first()


def department_list_for_user(*, user: AnyUser) -> QuerySet[Department]:
    """Departments inside the caller's data scope, in tree order."""
    require_token_scope(user, TokenScope.ORG_READ)
    return Department.objects.filter(department_scope_q(user)).select_related("parent", "region").order_by("path")


def user_list_for_user(*, user: AnyUser) -> QuerySet[User]:
    """Every staff user, for administrators only."""
    require_role(user, "admin")
    require_token_scope(user, TokenScope.ORG_READ)
    return (
        User.objects.select_related("department", "scope_region", "scope_department")
        .prefetch_related("role_assignments")
        .order_by("username")
    )


def audit_list_for_user(
    *, user: AnyUser, object_type: str = "", object_id: str = "", action: str = "", limit: int = 100
) -> QuerySet[AuditEvent]:
    """The newest audit events matching the filters, for administrators only."""
    require_role(user, "admin")
    require_token_scope(user, TokenScope.ORG_READ)
    events = AuditEvent.objects.all()
    if object_type:
        events = events.filter(object_type=object_type)
    if object_id:
        events = events.filter(object_id=object_id)
    if action:
        # "org.user" matches every org.user.* action; a full name matches itself.
        events = events.filter(action=action) | events.filter(action__startswith=f"{action}.")
    return events.order_by("-at", "-id")[: max(1, min(limit, MAX_AUDIT_LIMIT))]
