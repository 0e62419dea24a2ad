"""Audit trail for changes made through the Django admin (the admin bypasses the services).

`AuditedAdminMixin` writes one audit event per save or delete, in the admin's own transaction, with the
changed fields before and after. Secrets (password hashes, token hashes) and binary columns are never
copied into the trail; a change to them is recorded by name only.
"""

from __future__ import annotations

import json
from typing import Any, Generic, TypeVar

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.http import HttpRequest

from cityops.core.audit import audit_log

SECRET_FIELDS = frozenset({"password", "key_hash"})

_ModelT = TypeVar("_ModelT", bound=models.Model)


def snapshot(obj: models.Model, *, exclude: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The concrete field values of `obj` as JSON-safe data (secrets and binaries left out)."""
    values: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in exclude or isinstance(field, models.BinaryField):
            continue
        values[field.attname] = getattr(obj, field.attname)
    return json.loads(json.dumps(values, cls=DjangoJSONEncoder))


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The entries of `before` and `after` that differ."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


class AuditedAdminMixin(Generic[_ModelT]):
    """ModelAdmin mixin: audit `<audit_prefix>.created|updated|deleted` for admin saves and deletes."""

    audit_prefix: str = ""
    audit_exclude: frozenset[str] = SECRET_FIELDS

    def _audit_action(self, verb: str) -> str:
        prefix = self.audit_prefix or self.model._meta.label_lower  # type: ignore[attr-defined]
        return f"{prefix}.{verb}"

    def save_model(self, request: HttpRequest, obj: _ModelT, form: Any, change: bool) -> None:
        before = self._stored_snapshot(obj) if change else {}
        secret_before = self._secret_values(obj) if change else {}
        super().save_model(request, obj, form, change)  # type: ignore[misc]
        after = snapshot(obj, exclude=self.audit_exclude)
        old, new = diff(before, after)
        data: dict[str, Any] = {"via": "admin", "before": old, "after": new}
        changed_secrets = [k for k, v in self._secret_values(obj).items() if change and secret_before.get(k) != v]
        if changed_secrets:
            data["changed_secrets"] = changed_secrets
        if change and not new and not changed_secrets:
            return  # saved without changes: nothing happened worth a row
        audit_log(actor=request.user, action=self._audit_action("updated" if change else "created"), obj=obj,
                  data=data)

    def delete_model(self, request: HttpRequest, obj: _ModelT) -> None:
        self._audit_delete(request, obj)
        super().delete_model(request, obj)  # type: ignore[misc]

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet) -> None:
        for obj in queryset:
            self._audit_delete(request, obj)
        super().delete_queryset(request, queryset)  # type: ignore[misc]

    def _audit_delete(self, request: HttpRequest, obj: models.Model) -> None:
        audit_log(actor=request.user, action=self._audit_action("deleted"), obj=obj,
                  data={"via": "admin", "before": snapshot(obj, exclude=self.audit_exclude)})

    def _stored_snapshot(self, obj: models.Model) -> dict[str, Any]:
        stored = type(obj)._default_manager.filter(pk=obj.pk).first()
        return snapshot(stored, exclude=self.audit_exclude) if stored is not None else {}

    def _secret_values(self, obj: models.Model) -> dict[str, Any]:
        if obj.pk is None:
            return {}
        stored = type(obj)._default_manager.filter(pk=obj.pk).values(
            *[f.attname for f in obj._meta.concrete_fields if f.name in self.audit_exclude]
        ).first()
        return stored or {}
