"""Who sees which subjects of the evaluation (评价对象), and which kinds a user may evaluate at all.

- administrators: every subject;
- leaders, shift leaders, dispatchers and acceptors: regions and staff inside their region scope, the
  departments inside their department scope (or, without one, the departments whose region lies inside
  their region scope);
- handlers: their own department and its sub-units (department kind only);
- inspectors: their own row (inspector kind only);
- anybody else: 403. A subject outside the caller's scope is 404 for the drill-down.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from cityops.core.errors import Forbidden, NotFound
from cityops.core.permissions import ensure_path_visible, is_platform_admin, region_scope_q
from cityops.evaluation.counters import USER_KINDS
from cityops.evaluation.kinds import SubjectKind
from cityops.geo.models import Level, Region
from cityops.org.models import Department, Role, User

if TYPE_CHECKING:
    from cityops.core.typing import AnyUser

BROAD_ROLES = (Role.LEADER, Role.SHIFT_LEADER, Role.DISPATCHER, Role.ACCEPTOR)


def viewer_mode(user: AnyUser, kind: str) -> str:
    """ "all", "scope", "department" or "self" for `user` evaluating `kind`; 403 when they may not."""
    if not getattr(user, "is_authenticated", False):
        raise Forbidden(_("Authentication required."))
    if is_platform_admin(user):
        return "all"
    if user.has_role(*BROAD_ROLES):
        return "scope"
    if user.has_role(Role.HANDLER) and kind == SubjectKind.DEPARTMENT:
        return "department"
    if user.has_role(Role.INSPECTOR) and kind == SubjectKind.INSPECTOR:
        return "self"
    raise Forbidden(_("You may not see this evaluation."))


def subject_querysets(user: AnyUser, kind: str, region: Region | None = None) -> tuple[QuerySet, QuerySet]:
    """(subjects listed even without activity, subjects the user may see) of `kind` for `user`."""
    mode = viewer_mode(user, kind)
    if kind in USER_KINDS:
        visible = (
            User.objects.filter(pk=user.pk)
            if mode == "self"
            else User.objects.filter(region_scope_q(user, "scope_region__path") if mode == "scope" else Q())
        )
        if region is not None:
            visible = visible.filter(scope_region__path__startswith=region.path)
        return visible.filter(role_assignments__role=kind, is_active=True).distinct(), visible
    if kind == SubjectKind.DEPARTMENT:
        visible = Department.objects.filter(_department_q(user, mode))
        if region is not None:
            visible = visible.filter(region__path__startswith=region.path)
        return visible.filter(is_active=True), visible
    visible = Region.objects.filter(level=Level(kind)).filter(
        region_scope_q(user) if mode == "scope" else Q()
    )
    if region is not None:
        visible = visible.filter(path__startswith=region.path)
    return visible, visible


def _department_q(user: AnyUser, mode: str) -> Q:
    if mode == "all":
        return Q()
    scoped = getattr(user, "scope_department", None)
    if mode == "department":
        paths = [d.path for d in (user.department, scoped) if d is not None]
        return _any_prefix("path", paths)
    if scoped is not None:
        return Q(path__startswith=scoped.path)
    return region_scope_q(user, "region__path")


def _any_prefix(field_name: str, paths: list[str]) -> Q:
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{field_name}__startswith": path})
    return q


def region_filter(user: AnyUser, code: str | None) -> Region | None:
    """The region `code` narrowing the subjects (404 when unknown or outside the user's scope)."""
    if not code:
        return None
    # A NUL byte cannot be in any code, and PostgreSQL refuses it in a query (a 500): not found.
    region = Region.objects.filter(code=code).first() if "\x00" not in code else None
    if region is None:
        raise NotFound(_("Region not found."))
    ensure_path_visible(user, region.path, what="Region")
    return region


def subject_names(kind: str, objects: QuerySet) -> dict[int, tuple[str, str]]:
    """subject id → (code, name)."""
    if kind in USER_KINDS:
        return {
            pk: (username, full_name or username)
            for pk, username, full_name in objects.values_list("pk", "username", "full_name")
        }
    return {pk: (code, name) for pk, code, name in objects.values_list("pk", "code", "name")}


def visible_kinds(user: AnyUser) -> list[str]:
    """The subject kinds `user` may evaluate (for the page's tabs)."""
    kinds = []
    for kind in SubjectKind.values:
        try:
            viewer_mode(user, kind)
        except Forbidden:
            continue
        kinds.append(kind)
    return kinds
