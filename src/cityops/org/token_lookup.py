"""An API token, its user, the user's data scope and roles, and the failure counters, read in one query.

Every token request starts here, so the read is one round trip of precompiled SQL: the statement, the columns and
their converters are built once per process from the models' metadata (no ORM compile per request); the rows
become the same model instances `select_related` would give (`from_db`, polygons deferred). The token's user
comes with its roles (`User.role_set`) and its scope region and department (with the department's region), so
the permission checks that follow need no query either. No cache: a revoked token or a deactivated user is
refused at the very next request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Field, Model
from django.db.models.expressions import Col

from cityops.core.ratelimit import rate_count_params, rate_count_sql
from cityops.geo.models import Region
from cityops.org.models import ApiToken, Department, RoleAssignment, User

# (model, table alias, fields left out, the relation it fills): the token, then what `request.auth` carries.
_PARTS: tuple[tuple[type[Model], str, tuple[str, ...]], ...] = (
    (ApiToken, "t", ()),
    (User, "u", ()),
    (Region, "sr", ("geom_wkb",)),
    (Department, "sd", ()),
    (Region, "sdr", ("geom_wkb",)),
)


@dataclass(frozen=True)
class TokenLookup:
    """What one look-up found: each failure counter's count (0 when none) and the token (None when unknown)."""

    counts: list[int]
    retry_after: int
    token: ApiToken | None


class _Shape:
    """The statement and how to read its rows, for `keys` counters (built once per number of keys)."""

    def __init__(self, keys: int) -> None:
        quote = connection.ops.quote_name
        self.columns: list[tuple[type[Model], list[Field], list[tuple[Col, list[Any]]]]] = []
        select = [rate_count_sql() for _key in range(keys)]
        for model, alias, skipped in _PARTS:
            fields = [f for f in model._meta.concrete_fields if f.name not in skipped]
            self.columns.append((model, fields, [_converters(alias, f) for f in fields]))
            select += [f"{alias}.{quote(str(f.column))}" for f in fields]
        select.append(f"ra.{quote('role')}")
        table = {model: quote(model._meta.db_table) for model, _alias, _skipped in _PARTS}
        roles = quote(RoleAssignment._meta.db_table)
        # From a one-row table, so the counters come back even for an unknown prefix; one row per role held.
        self.sql = (
            f"SELECT {', '.join(select)} FROM (SELECT 1 AS one) AS one "
            f"LEFT JOIN {table[ApiToken]} t ON t.{quote('prefix')} = %s "
            f"LEFT JOIN {table[User]} u ON u.{quote('id')} = t.{quote('user_id')} "
            f"LEFT JOIN {table[Region]} sr ON sr.{quote('id')} = u.{quote('scope_region_id')} "
            f"LEFT JOIN {table[Department]} sd ON sd.{quote('id')} = u.{quote('scope_department_id')} "
            f"LEFT JOIN {table[Region]} sdr ON sdr.{quote('id')} = sd.{quote('region_id')} "
            f"LEFT JOIN {roles} ra ON ra.{quote('user_id')} = u.{quote('id')}"
        )
        self.keys = keys

    def read(self, rows: list[tuple[Any, ...]]) -> tuple[list[int], ApiToken | None]:
        first = rows[0]
        counts = [int(count or 0) for count in first[: self.keys]]
        at = self.keys
        instances: list[Model | None] = []
        for model, fields, converters in self.columns:
            values = list(first[at : at + len(fields)])
            at += len(fields)
            instances.append(_instance(model, fields, converters, values))
        token, user, scope_region, scope_department, department_region = instances
        if token is None or user is None:
            return counts, None
        _fill(scope_department, "region", department_region)
        _fill(user, "scope_region", scope_region)
        _fill(user, "scope_department", scope_department)
        user.__dict__["role_set"] = frozenset(row[-1] for row in rows if row[-1] is not None)
        _fill(token, "user", user)
        return counts, token  # type: ignore[return-value]


_shapes: dict[tuple[str, int], _Shape] = {}


def token_lookup(*, prefix: str | None, counter_keys: list[str], window_seconds: int) -> TokenLookup:
    """The counts of `counter_keys` in the current window and the token with `prefix` (None: look none up)."""
    shape = _shapes.get((connection.vendor, len(counter_keys)))
    if shape is None:
        shape = _shapes[(connection.vendor, len(counter_keys))] = _Shape(len(counter_keys))
    params: list[Any] = []
    retry_after = 1
    for key in counter_keys:
        key_params, retry_after = rate_count_params(key=key, window_seconds=window_seconds)
        params += key_params
    params.append(prefix)  # None matches no row: the counters alone
    with connection.cursor() as cursor:
        cursor.execute(shape.sql, params)
        rows = cursor.fetchall()
    counts, token = shape.read(rows)
    return TokenLookup(counts=counts, retry_after=retry_after, token=token)


def _converters(alias: str, field: Field) -> tuple[Col, list[Any]]:
    # What the ORM applies to the column (e.g. JSON decoding, SQLite's booleans and datetimes), in its order.
    col = Col(alias, field)
    return col, connection.ops.get_db_converters(col) + col.get_db_converters(connection)


def _instance(model: type[Model], fields: list[Field], converters: list[tuple[Col, list[Any]]],
              values: list[Any]) -> Any:
    if values[fields.index(model._meta.pk)] is None:  # no such row (a LEFT JOIN's NULLs)
        return None
    for index, (col, column_converters) in enumerate(converters):
        for converter in column_converters:
            values[index] = converter(values[index], col, connection)
    return model.from_db(connection.alias, [f.attname for f in fields], values)


def _fill(instance: Any, relation: str, related: Any) -> None:
    """Cache `related` as `instance.<relation>` when the foreign key is set, as `select_related` does."""
    if instance is None:
        return
    field = instance._meta.get_field(relation)
    if getattr(instance, field.attname) is not None:
        field.set_cached_value(instance, related)
