"""The one filter vocabulary of case lists: the API's list and work queue, the console's queue and search, the map.

Every name means the same wherever it is used (`state`, `class`, `region`, `department`, `source`, `from`, `to`,
`overdue`, `urged`, `text`), and a value that names nothing is refused with `InvalidInput` naming that field (422
in the API, a message on the field in the console): an unknown region is bad input, never an empty list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from cityops.cases.cursors import CaseOrder
from cityops.cases.models import CaseState, Source
from cityops.catalog.selectors import catalog_class_from_ref
from cityops.core.errors import InvalidInput, NotFound
from cityops.geo.models import Region
from cityops.org.models import Department

CASE_NUMBER_DIGITS = 13  # YYYYMMDD + a 5-digit day sequence


@dataclass(frozen=True)
class CaseFilters:
    """What a case list asks for; every field optional. Values arrive as the API or the form received them."""

    states: Sequence[str] = ()
    catalog_class: str | None = None  # "matter:06010" or "06010"
    region: str | None = None  # a region code of any level: its whole subtree
    department: str | None = None  # a department code: it and its sub-units
    source: str | None = None
    reported_from: str | dt.date | dt.datetime | None = None
    reported_to: str | dt.date | dt.datetime | None = None  # a date is inclusive (the whole day)
    overdue: bool | None = None
    urged: bool | None = None
    text: str | None = None  # a case number (exact) or words of the description or the address
    order: str = CaseOrder.REPORTED  # the search's order; a work queue is always in deadline order
    cursor: str | None = None
    limit: int | None = None  # None: the list's own page size


def case_filter_q(filters: CaseFilters) -> Q:
    """The filter of `filters` alone (no scope, order or paging): every list, and aggregates over the same filters."""
    q = Q()
    if filters.states:
        q &= Q(state__in=_states(filters.states))
    if filters.catalog_class:
        q &= Q(catalog_class=_catalog_class(filters.catalog_class))
    if filters.region:
        q &= Q(region_path__startswith=_region(filters.region).path)
    if filters.department:
        path = _department(filters.department).path
        q &= Q(department__path__startswith=path) | Q(handling_unit__path__startswith=path)
    if filters.source:
        q &= Q(source=_choice(filters.source, Source, "source"))
    if filters.reported_from:
        q &= Q(reported_at__gte=_moment(filters.reported_from, "from", end_of_day=False))
    if filters.reported_to:
        q &= Q(reported_at__lt=_moment(filters.reported_to, "to", end_of_day=True))
    if filters.overdue is not None:
        q &= Q(is_overdue=filters.overdue)
    if filters.urged is not None:
        q &= Q(is_urged=filters.urged)
    if filters.text and filters.text.strip():
        q &= _text_q(_plain(filters.text, "text").strip())
    return q


def _plain(value: str, name: str) -> str:
    # PostgreSQL refuses a NUL character in a query (a 500 if it got there); no code or word holds one.
    if "\x00" in value:
        raise InvalidInput(_("%(name)s must not contain NUL characters.") % {"name": name}, field=name)
    return value


def _states(values: Iterable[str]) -> list[str]:
    states: list[str] = []
    for value in values:
        for part in str(value).split(","):  # ?state=a&state=b and ?state=a,b both work
            if part.strip():
                states.append(_choice(part.strip(), CaseState, "state"))
    return states


def _choice(value: str, choices: Any, name: str) -> str:
    if value not in choices.values:
        raise InvalidInput(
            _("Unknown %(name)s %(value)r; use one of: %(choices)s.")
            % {"name": name, "value": value, "choices": ", ".join(choices.values)},
            field=name,
        )
    return value


def _catalog_class(ref: str) -> Any:
    try:
        return catalog_class_from_ref(_plain(ref, "class"), field="class")
    except NotFound as exc:  # an unknown class in a filter is bad input, not a missing resource
        raise InvalidInput(exc.message, field="class") from exc


def _region(code: str) -> Region:
    region = Region.objects.filter(code=_plain(code, "region").strip()).only("id", "path").first()
    if region is None:
        raise InvalidInput(_("No region with code %(code)s.") % {"code": code}, field="region")
    return region


def _department(code: str) -> Department:
    department = Department.objects.filter(code=_plain(code, "department").strip()).only("id", "path").first()
    if department is None:
        raise InvalidInput(_("No department with code %(code)s.") % {"code": code}, field="department")
    return department


def _text_q(text: str) -> Q:
    # A case number (13+ digits): an exact match on the unique index, not a scan of descriptions; fewer digits
    # are words (a house number, a year).
    if text.isdigit() and len(text) >= CASE_NUMBER_DIGITS:
        return Q(number=text)
    return Q(description__icontains=text) | Q(address__icontains=text)


def _moment(value: str | dt.date | dt.datetime, name: str, *, end_of_day: bool) -> dt.datetime:
    """An aware datetime from an ISO date or datetime; a date means its start (or, for `to`, the next day)."""
    if isinstance(value, str):
        parsed: dt.date | dt.datetime | None = None
        try:
            parsed = parse_datetime(value) if "T" in value or " " in value.strip() else parse_date(value)
        except ValueError:
            parsed = None
        if parsed is None:
            raise InvalidInput(
                _("%(name)s must be an ISO date (2026-11-21) or date-time, got %(value)r.")
                % {"name": name, "value": value},
                field=name,
            )
        value = parsed
    try:
        if isinstance(value, dt.datetime):
            moment = value if timezone.is_aware(value) else timezone.make_aware(value)
        else:
            day = value + dt.timedelta(days=1) if end_of_day else value
            # Midnight in the configured zone (Asia/Shanghai), not UTC: "the 21st" is the local calendar day.
            moment = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
        # The database stores UTC: year 1 or 9999 at the edge would overflow there (500).
        moment.astimezone(dt.UTC)
    except OverflowError:
        raise InvalidInput(_("%(name)s is out of range.") % {"name": name}, field=name) from None
    return moment
