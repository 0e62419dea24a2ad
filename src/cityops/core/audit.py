"""Write audit events in the caller's transaction (one row per state change)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from cityops.core.models import ActorKind, AuditEvent

if TYPE_CHECKING:
    from cityops.core.typing import Actor


def audit_log(
    *,
    actor: Actor,
    action: str,
    obj: models.Model | None = None,
    data: dict | None = None,
    object_type: str = "",
    object_id: str = "",
) -> AuditEvent:
    """Record `action` (namespaced, e.g. `org.user.created`) by `actor` on `obj`.

    `actor` is a user (acting through an API token when `actor.via_token` is set), None (the system) or
    a string naming a device or command.
    """
    kind, user, label = _describe_actor(actor)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    return AuditEvent.objects.create(
        actor_kind=kind,
        actor_user=user,
        actor_label=label[:150],
        action=action,
        object_type=object_type,
        object_id=object_id,
        data=data or {},
    )


def _describe_actor(actor: Actor) -> tuple[str, Any, str]:
    if actor is None:
        return ActorKind.SYSTEM, None, "system"
    if isinstance(actor, str):
        return ActorKind.SYSTEM, None, actor
    token = getattr(actor, "via_token", None)
    if token is not None:
        return ActorKind.TOKEN, actor, f"{actor.get_username()} (token {token.prefix})"
    if getattr(actor, "is_authenticated", False):
        return ActorKind.USER, actor, actor.get_username()
    return ActorKind.SYSTEM, None, str(actor)
