"""HTTP API of the org domain (thin: parse, call a selector or service, return)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from cityops.core.api_schemas import ErrorOut
from cityops.core.errors import InvalidInput, NotFound
from cityops.org import selectors, services
from cityops.org.models import ApiToken, Department, TokenScope, User

if TYPE_CHECKING:
    from cityops.core.typing import AuthedRequest

router = Router()


class MeOut(Schema):
    username: str
    full_name: str
    roles: list[str]
    is_admin: bool
    department: str | None
    scope_region: str | None
    scope_department: str | None
    token_scopes: list[str] | None = Field(None, description="Scopes of the API token used; null for a session.")


class TokenOut(Schema):
    id: int
    name: str
    username: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    usable: bool


class TokenCreatedOut(TokenOut):
    token: str = Field(..., description="The token itself: shown once, store it now.")


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    # Not list[TokenScope]: the service names unknown scopes and lists the known ones, translated.
    scopes: list[str] = Field(..., min_length=1, max_length=len(TokenScope),
                              description="Scopes: " + ", ".join(TokenScope.values) + ".")
    expires_at: datetime | None = None
    username: str | None = Field(None, max_length=150,
                                 description="Administrators may issue a token for another user.")


class DepartmentOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    kind: str
    parent: str | None
    path: str
    region: str | None
    is_active: bool


class UserOut(Schema):
    id: int
    username: str
    full_name: str
    is_active: bool
    is_staff: bool
    roles: list[str]
    department: str | None
    scope_region: str | None
    scope_department: str | None


class AuditOut(Schema):
    id: int
    at: datetime
    actor_kind: str
    actor: str
    action: str
    object_type: str
    object_id: str
    data: dict[str, Any]


class AuditFilters(Schema):
    object_type: str = ""
    object_id: str = ""
    action: str = ""
    limit: int = Field(100, ge=1, le=selectors.MAX_AUDIT_LIMIT)


def _token_out(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.pk, "name": token.name, "username": token.user.username, "prefix": token.prefix,
        "scopes": token.scopes, "created_at": token.created_at, "expires_at": token.expires_at,
        "last_used_at": token.last_used_at, "revoked_at": token.revoked_at, "usable": token.is_usable,
    }


def _department_out(d: Department) -> dict[str, Any]:
    return {
        "id": d.pk, "code": d.code, "name": d.name, "name_en": d.name_en, "kind": d.kind,
        "parent": d.parent.code if d.parent is not None else None, "path": d.path,
        "region": d.region.code if d.region is not None else None, "is_active": d.is_active,
    }


def _user_out(u: User) -> dict[str, Any]:
    return {
        "id": u.pk, "username": u.username, "full_name": u.full_name, "is_active": u.is_active,
        "is_staff": u.is_staff, "roles": sorted(a.role for a in u.role_assignments.all()),
        "department": u.department.code if u.department is not None else None,
        "scope_region": u.scope_region.code if u.scope_region is not None else None,
        "scope_department": u.scope_department.code if u.scope_department is not None else None,
    }


@router.get("/me", response=MeOut, summary="Who am I: roles, data scope, token scopes")
def me(request: AuthedRequest) -> dict[str, Any]:
    return selectors.me_for_user(user=request.auth)


@router.get("/tokens", response=list[TokenOut], summary="My API tokens (administrators: all)")
def token_list(request: AuthedRequest) -> list[dict[str, Any]]:
    return [_token_out(t) for t in selectors.token_list_for_user(user=request.auth)]


@router.post("/tokens", response={201: TokenCreatedOut}, summary="Issue an API token (shown once)")
def token_create(request: AuthedRequest, payload: TokenIn) -> Status:
    owner = request.auth
    if payload.username and payload.username != request.auth.get_username():
        named = User.objects.filter(username=payload.username).first()
        if named is None:
            raise InvalidInput(_("No user named %(name)s.") % {"name": payload.username}, field="username")
        owner = named
    token, plaintext = services.api_token_create(
        user=owner, name=payload.name, scopes=payload.scopes, expires_at=payload.expires_at, actor=request.auth
    )
    return Status(201, {**_token_out(token), "token": plaintext})


@router.post("/tokens/{token_id}/revoke", response={200: TokenOut, 409: ErrorOut}, summary="Revoke an API token")
def token_revoke(request: AuthedRequest, token_id: int) -> dict[str, Any]:
    token = selectors.token_get_for_user(user=request.auth, token_id=token_id)
    if token is None:
        raise NotFound(_("API token not found."))
    return _token_out(services.api_token_revoke(token=token, actor=request.auth))


@router.get("/departments", response=list[DepartmentOut], summary="Departments in my scope")
def department_list(request: AuthedRequest) -> list[dict[str, Any]]:
    return [_department_out(d) for d in selectors.department_list_for_user(user=request.auth)]


@router.get("/users", response=list[UserOut], summary="Staff users (administrators)")
def user_list(request: AuthedRequest) -> list[dict[str, Any]]:
    return [_user_out(u) for u in selectors.user_list_for_user(user=request.auth)]


@router.get("/audit", response=list[AuditOut], summary="Audit trail (administrators)")
def audit_list(request: AuthedRequest, filters: Query[AuditFilters]) -> list[dict[str, Any]]:
    events = selectors.audit_list_for_user(
        user=request.auth, object_type=filters.object_type, object_id=filters.object_id,
        action=filters.action, limit=filters.limit,
    )
    return [
        {"id": e.pk, "at": e.at, "actor_kind": e.actor_kind, "actor": e.actor_label, "action": e.action,
         "object_type": e.object_type, "object_id": e.object_id, "data": e.data}
        for e in events
    ]
