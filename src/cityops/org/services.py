"""Writes of the org domain: staff users, roles, data scopes, departments and API tokens.

Every function checks who may do it, changes the rows and writes the audit event in one transaction.
`actor` is the acting user; None (or a string naming a command) is the system itself, which may do
everything (management commands, data migrations, the demo builder).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.core.audit import audit_log
from cityops.core.errors import Conflict, Forbidden, InvalidInput
from cityops.core.permissions import is_platform_admin
from cityops.geo.models import Region
from cityops.org.models import ApiToken, Department, DepartmentKind, Role, RoleAssignment, TokenScope, User

if TYPE_CHECKING:
    from typing_extensions import TypeIs

    from cityops.core.typing import Actor, AnyUser

TOKEN_PREFIX_LENGTH = 8
# Token scopes a role lets its holder put on their own tokens (admins may grant every scope).
_READ_SCOPES = frozenset({TokenScope.GEO_READ, TokenScope.CATALOG_READ, TokenScope.ASSETS_READ,
                          TokenScope.CASES_READ, TokenScope.ORG_READ})
ROLE_TOKEN_SCOPES: dict[str, frozenset[str]] = {
    Role.INSPECTOR: _READ_SCOPES | {TokenScope.CASES_WRITE},
    Role.ACCEPTOR: _READ_SCOPES | {TokenScope.CASES_WRITE},
    Role.SHIFT_LEADER: _READ_SCOPES | {TokenScope.CASES_WRITE},
    Role.DISPATCHER: _READ_SCOPES | {TokenScope.CASES_WRITE},
    Role.HANDLER: _READ_SCOPES | {TokenScope.CASES_WRITE},
    Role.LEADER: _READ_SCOPES | {TokenScope.CASES_WRITE},
    Role.ADMIN: frozenset(TokenScope.values),
}


# --- who may do what -----------------------------------------------------------------------------


def _is_system(actor: Actor) -> TypeIs[str | None]:
    return actor is None or isinstance(actor, str)


def _require_admin(actor: Actor) -> None:
    if _is_system(actor):
        return
    if not getattr(actor, "is_authenticated", False) or not getattr(actor, "is_active", False):
        raise Forbidden(_("Authentication required."))
    if getattr(actor, "via_token", None) is not None:
        # A leaked token must not be able to create accounts or more tokens.
        raise Forbidden(_("Users and API tokens are managed from a logged-in session, not with an API token."))
    if not is_platform_admin(actor):
        raise Forbidden(_("Only administrators may manage users, departments and other users' API tokens."))


def token_scopes_for_user(user: AnyUser) -> frozenset[str]:
    """The token scopes `user` may put on their own tokens (every scope for admins and superusers)."""
    if getattr(user, "is_superuser", False):
        return frozenset(TokenScope.values)
    allowed: set[str] = set()
    for role in getattr(user, "role_set", ()):
        allowed |= ROLE_TOKEN_SCOPES.get(role, frozenset())
    return frozenset(allowed)


# --- users ---------------------------------------------------------------------------------------


def _clean_roles(roles: Iterable[str]) -> list[str]:
    roles = list(dict.fromkeys(roles))
    unknown = [r for r in roles if r not in Role.values]
    if unknown:
        raise InvalidInput(
            _("Unknown role(s): %(roles)s. Known roles: %(known)s.")
            % {"roles": ", ".join(map(str, unknown)), "known": ", ".join(Role.values)},
            field="roles",
        )
    return sorted(roles)


def _scope_data(user: User) -> dict[str, Any]:
    return {
        "scope_region": user.scope_region.code if user.scope_region is not None else None,
        "scope_department": user.scope_department.code if user.scope_department is not None else None,
    }


def _forget_roles(user: User) -> None:
    user.__dict__.pop("role_set", None)


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    full_name: str = "",
    roles: Iterable[str] = (),
    scope_region: Region | None = None,
    scope_department: Department | None = None,
    department: Department | None = None,
    phone: str = "",
    is_staff: bool = False,
    actor: Actor,
) -> User:
    """Create a staff user with roles and a data scope; None as password makes an unusable one."""
    _require_admin(actor)
    username = (username or "").strip()
    if not username:
        raise InvalidInput(_("A user name is required."), field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(_("The user name %(name)s is already taken.") % {"name": username}, field="username")
    clean_roles = _clean_roles(roles)
    user = User(username=username, full_name=full_name, phone=phone, scope_region=scope_region,
                scope_department=scope_department, department=department, is_staff=is_staff)
    if password is None:
        user.set_unusable_password()
    else:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise InvalidInput(" ".join(exc.messages), field="password") from exc
        user.set_password(password)
    user.save()
    RoleAssignment.objects.bulk_create([RoleAssignment(user=user, role=r) for r in clean_roles])
    audit_log(actor=actor, action="org.user.created", obj=user, data={
        "username": user.username, "full_name": full_name, "roles": clean_roles,
        "department": department.code if department else None, "is_staff": is_staff, **_scope_data(user),
    })
    return user


@transaction.atomic
def user_set_roles(*, user: User, roles: Iterable[str], actor: Actor) -> User:
    """Replace the user's roles; audited with the roles before and after."""
    _require_admin(actor)
    after = _clean_roles(roles)
    before = sorted(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
    if before == after:
        return user
    RoleAssignment.objects.filter(user=user).exclude(role__in=after).delete()
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=user, role=r) for r in after if r not in before]
    )
    _forget_roles(user)
    audit_log(actor=actor, action="org.user.roles_changed", obj=user, data={"before": before, "after": after})
    return user


@transaction.atomic
def user_set_scope(
    *, user: User, scope_region: Region | None, scope_department: Department | None, actor: Actor
) -> User:
    """Set the user's data scope (a region subtree and/or a department subtree)."""
    _require_admin(actor)
    before = _scope_data(user)
    user.scope_region, user.scope_department = scope_region, scope_department
    after = _scope_data(user)
    if before == after:
        return user
    user.save(update_fields=["scope_region", "scope_department"])
    audit_log(actor=actor, action="org.user.scope_changed", obj=user, data={"before": before, "after": after})
    return user


@transaction.atomic
def user_deactivate(*, user: User, actor: Actor) -> User:
    """Deactivate a user: sessions and API tokens stop working; their tokens are revoked."""
    _require_admin(actor)
    if not _is_system(actor) and actor.pk == user.pk:
        raise InvalidInput(_("You cannot deactivate your own account."), field="user")
    if not user.is_active:
        raise Conflict(_("The user %(name)s is already inactive.") % {"name": user.username})
    user.is_active = False
    user.save(update_fields=["is_active"])
    revoked = revoke_all_tokens_of(user=user)
    audit_log(actor=actor, action="org.user.deactivated", obj=user, data={"tokens_revoked": revoked})
    return user


def revoke_all_tokens_of(*, user: User) -> int:
    """Revoke every usable token of a deactivated user (the caller audits); returns how many."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


# --- departments --------------------------------------------------------------------------------

DEPARTMENT_FIELDS = ("code", "name", "name_en", "kind", "parent", "region", "credit_code", "is_active")


def _department_data(department: Department) -> dict[str, Any]:
    return {
        "code": department.code, "name": department.name, "name_en": department.name_en,
        "kind": department.kind, "parent": department.parent.code if department.parent is not None else None,
        "region": department.region.code if department.region is not None else None, "path": department.path,
        "credit_code": department.credit_code, "is_active": department.is_active,
    }


def _check_department(department: Department) -> None:
    code = (department.code or "").strip()
    if not code or "/" in code:
        raise InvalidInput(_("A department code is required and may not contain '/'."), field="code")
    if not (department.name or "").strip():
        raise InvalidInput(_("A department name is required."), field="name")
    if department.kind not in DepartmentKind.values:
        raise InvalidInput(_("Unknown department kind %(kind)s.") % {"kind": department.kind}, field="kind")
    clash = Department.objects.filter(code=code).exclude(pk=department.pk)
    if clash.exists():
        raise Conflict(_("The department code %(code)s is already used.") % {"code": code}, field="code")
    parent = department.parent
    if department.pk and parent is not None:
        stored_path = Department.objects.filter(pk=department.pk).values_list("path", flat=True).first() or ""
        if parent.pk == department.pk or (stored_path and parent.path.startswith(stored_path)):
            raise InvalidInput(_("A department cannot be placed under itself or one of its sub-units."),
                               field="parent")


@transaction.atomic
def department_create(
    *,
    code: str,
    name: str,
    name_en: str = "",
    kind: str = DepartmentKind.OTHER,
    parent: Department | None = None,
    region: Region | None = None,
    credit_code: str = "",
    is_active: bool = True,
    actor: Actor,
) -> Department:
    """Create a department (专业部门) under `parent`."""
    _require_admin(actor)
    department = Department(code=(code or "").strip(), name=(name or "").strip(), name_en=name_en, kind=kind,
                            parent=parent, region=region, credit_code=credit_code, is_active=is_active)
    _check_department(department)
    department.save()
    audit_log(actor=actor, action="org.department.created", obj=department, data=_department_data(department))
    return department


@transaction.atomic
def department_update(*, department: Department, actor: Actor, **changes: Any) -> Department:
    """Change a department; a new parent or code moves the `path` of its whole subtree along."""
    _require_admin(actor)
    unknown = sorted(set(changes) - set(DEPARTMENT_FIELDS))
    if unknown:
        raise InvalidInput(_("Unknown department field(s): %(f)s.") % {"f": ", ".join(unknown)}, field=unknown[0])
    # Lock the row so two concurrent moves of one department cannot leave its subtree half-moved.
    Department.objects.select_for_update().filter(pk=department.pk).first()
    before = _department_data(Department.objects.get(pk=department.pk))
    for name, value in changes.items():
        setattr(department, name, value.strip() if isinstance(value, str) and name in ("code", "name") else value)
    _check_department(department)
    department.save()
    _rebase_subtree(department, old_path=before["path"])
    after = _department_data(department)
    changed = [k for k in after if after[k] != before[k]]
    if changed:
        audit_log(actor=actor, action="org.department.updated", obj=department,
                  data={"before": {k: before[k] for k in changed}, "after": {k: after[k] for k in changed}})
    return department


def _rebase_subtree(department: Department, *, old_path: str) -> int:
    """Rewrite the paths of every descendant after the department's own path changed."""
    if department.path == old_path:
        return 0
    descendants = Department.objects.filter(path__startswith=old_path).exclude(pk=department.pk)
    # One UPDATE: new prefix + the part of the old path after the old prefix (Substr is 1-based).
    return descendants.update(path=Concat(Value(department.path), Substr("path", len(old_path) + 1)))


# --- API tokens ---------------------------------------------------------------------------------


def hash_token(plaintext: str) -> str:
    """The stored form of a token: SHA-256 of the whole "<prefix>.<secret>" text."""
    return hashlib.sha256(plaintext.encode()).hexdigest()


def _new_token_plaintext() -> tuple[str, str]:
    while True:
        # The prefix is a lookup key, not a secret; alphanumeric so it never contains the "." separator.
        prefix = "".join(secrets.choice("abcdefghijkmnpqrstuvwxyz23456789") for _ in range(TOKEN_PREFIX_LENGTH))
        if not ApiToken.objects.filter(prefix=prefix).exists():
            return prefix, f"{prefix}.{secrets.token_urlsafe(32)}"


def _check_token_manager(actor: Actor, owner: User) -> None:
    if _is_system(actor):
        return
    if getattr(actor, "via_token", None) is not None:
        raise Forbidden(_("Users and API tokens are managed from a logged-in session, not with an API token."))
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise Forbidden(_("Authentication required."))
    if actor.pk != owner.pk and not is_platform_admin(actor):
        raise Forbidden(_("Only administrators may manage other users' API tokens."))


def _clean_scopes(scopes: Iterable[str], *, owner: User, actor: Actor) -> list[str]:
    scopes = sorted(set(scopes))
    if not scopes:
        raise InvalidInput(_("Choose at least one scope."), field="scopes")
    unknown = [s for s in scopes if s not in TokenScope.values]
    if unknown:
        raise InvalidInput(
            _("Unknown scope(s): %(s)s. Known scopes: %(known)s.")
            % {"s": ", ".join(map(str, unknown)), "known": ", ".join(TokenScope.values)},
            field="scopes",
        )
    if _is_system(actor) or is_platform_admin(actor):
        return scopes
    beyond = [s for s in scopes if s not in token_scopes_for_user(owner)]
    if beyond:
        raise Forbidden(_("Your roles do not allow the scope(s): %(s)s.") % {"s": ", ".join(beyond)})
    return scopes


@transaction.atomic
def api_token_create(
    *, user: User, name: str, scopes: Iterable[str], expires_at: datetime | None = None, actor: Actor
) -> tuple[ApiToken, str]:
    """Issue an API token acting as `user`; returns the row and the plaintext, which is never stored."""
    _check_token_manager(actor, user)
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("A token name is required."), field="name")
    if not user.is_active:
        raise InvalidInput(_("Tokens cannot be issued for an inactive user."), field="user")
    if expires_at is not None:
        if timezone.is_naive(expires_at):
            raise InvalidInput(_("The expiry must include a time zone."), field="expires_at")
        if expires_at <= timezone.now():
            raise InvalidInput(_("The expiry must be in the future."), field="expires_at")
    clean = _clean_scopes(scopes, owner=user, actor=actor)
    prefix, plaintext = _new_token_plaintext()
    token = ApiToken.objects.create(user=user, name=name, prefix=prefix, key_hash=hash_token(plaintext),
                                    scopes=clean, expires_at=expires_at)
    audit_log(actor=actor, action="org.token.created", obj=token, data={
        "user": user.username, "name": name, "prefix": prefix, "scopes": clean,
        "expires_at": expires_at.isoformat() if expires_at else None,
    })
    return token, plaintext


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: Actor) -> ApiToken:
    """Revoke a token at once; a revoked token answers 401 from then on."""
    _check_token_manager(actor, token.user)
    # Conditional update: of two concurrent revocations exactly one succeeds and is audited.
    now = timezone.now()
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
    if not updated:
        raise Conflict(_("The token %(prefix)s is already revoked.") % {"prefix": token.prefix})
    token.revoked_at = now
    audit_log(actor=actor, action="org.token.revoked", obj=token,
              data={"user": token.user.username, "prefix": token.prefix})
    return token
