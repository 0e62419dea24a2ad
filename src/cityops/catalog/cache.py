"""The catalogue policy the report path reads on every report, kept in-process (no query per report).

A report needs its class (by reference), an urgency, the class × urgency time limits and the responsibility rule
of its grid. They change rarely (an administrator edits the catalogue) and are read on every report, so each
process keeps what it has read. A change made in this process clears the copy at once (model signals, connected
in `CatalogConfig.ready`); a change made in another process (an import, another server worker) is seen within
`CITYOPS_POLICY_CACHE_SECONDS` (default 5 s), after which every copy is read again. A change applied with
`QuerySet.update()` sends no signal and is seen within the same bound.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from cityops.catalog.models import CatalogClass, ResponsibilityRule, Stage, TimeLimit, Urgency
from cityops.catalog.selectors import ancestor_paths, catalog_class_from_ref, default_urgency, policy_for
from cityops.org.models import Department

_MISSING = object()


class _Copy:
    """What this process has read, and when it started reading (the whole copy expires at once)."""

    def __init__(self) -> None:
        self.born = time.monotonic()
        self.classes: dict[str, CatalogClass] = {}
        self.urgencies: dict[str, Urgency | None] = {}
        self.default_urgency: Urgency | None = None
        self.policies: dict[tuple[int, int], dict[Stage, tuple[int, str]]] = {}
        self.rules: dict[int | str | None, dict[str, ResponsibilityRule]] = {}  # class id or "any" → by path


_copy = _Copy()


def clear() -> None:
    """Forget everything read so far (a catalogue row changed here, or between tests)."""
    global _copy
    _copy = _Copy()


def clear_now_and_after_commit(**kwargs: Any) -> None:
    """Signal receiver: clear at once, and again once the change commits (a read in between saw the old rows)."""
    clear()
    transaction.on_commit(clear)


def _current() -> _Copy:
    ttl = float(getattr(settings, "CITYOPS_POLICY_CACHE_SECONDS", 5.0))
    copy = _copy
    if time.monotonic() - copy.born > ttl:
        clear()
        copy = _copy
    return copy


def catalog_class(ref: str, *, field: str = "class") -> CatalogClass:
    """`catalog_class_from_ref`, remembered: the same errors (422 for a malformed ref, NotFound when unknown)."""
    copy = _current()
    found = copy.classes.get(ref)
    if found is None:
        found = catalog_class_from_ref(ref, field=field)  # an unknown ref raises and is not remembered
        copy.classes[ref] = found
    return found


def urgency(code: str) -> Urgency | None:
    """The urgency with `code`, or None when there is none."""
    copy = _current()
    found = copy.urgencies.get(code, _MISSING)
    if found is _MISSING:
        found = copy.urgencies[code] = Urgency.objects.filter(code=code).first()
    return found  # type: ignore[return-value]


def the_default_urgency() -> Urgency:
    """`default_urgency()`, remembered."""
    copy = _current()
    if copy.default_urgency is None:
        copy.default_urgency = default_urgency()
    return copy.default_urgency


def policy(*, catalog_class: CatalogClass, urgency: Urgency) -> dict[Stage, tuple[int, str]]:
    """`policy_for(class, urgency)`, remembered."""
    copy = _current()
    key = (catalog_class.pk, urgency.pk)
    found = copy.policies.get(key)
    if found is None:
        found = copy.policies[key] = policy_for(catalog_class=catalog_class, urgency=urgency)
    return found


def responsibility_rule(*, catalog_class: CatalogClass | None, path: str) -> ResponsibilityRule | None:
    """The most specific active rule for (class, the region at `path`), as `responsible_department` picks it:
    the deepest region first, a rule for the class over one for any class."""
    copy = _current()
    key = catalog_class.pk if catalog_class is not None else None
    own = copy.rules.get(key)
    if own is None:
        own = copy.rules[key] = _rules_by_path(catalog_class) if catalog_class is not None else {}
    any_class = copy.rules.get("any")
    if any_class is None:
        any_class = copy.rules["any"] = _rules_by_path(None)
    for ancestor in reversed(ancestor_paths(path)):
        found = own.get(ancestor) or any_class.get(ancestor)
        if found is not None:
            return found
    return None


def _rules_by_path(catalog_class: CatalogClass | None) -> dict[str, ResponsibilityRule]:
    """The active rules of one class (or of any class) by their region's path: one query per class and copy."""
    rules = ResponsibilityRule.objects.filter(department__is_active=True).select_related(
        "department", "region", "catalog_class").defer("region__geom_wkb")
    rules = rules.filter(catalog_class=catalog_class) if catalog_class is not None else rules.filter(
        catalog_class__isnull=True)
    return {rule.region.path: rule for rule in rules}

def connect() -> None:
    """Clear the copy whenever a row it holds changes in this process (called once from the app's ready())."""
    for model in (CatalogClass, Urgency, TimeLimit, ResponsibilityRule, Department):
        for signal in (post_save, post_delete):
            signal.connect(clear_now_and_after_commit, sender=model, weak=False,
                           dispatch_uid=f"catalog.cache.{model.__name__}.{signal is post_save}")
