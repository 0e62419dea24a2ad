"""Writes of the platform core: the working calendar's yearly holiday arrangements (节假日安排)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from cityops.core import worktime
from cityops.core.audit import audit_log
from cityops.core.errors import InvalidInput
from cityops.core.models import (
    MAX_ARRANGEMENT_YEAR,
    MIN_ARRANGEMENT_YEAR,
    ArrangementDay,
    DayKind,
    HolidayArrangement,
)
from cityops.core.permissions import require_role
from cityops.core.signals import calendar_changed

if TYPE_CHECKING:
    from cityops.core.typing import Actor

# What an import file may write in the kind column (the notices say 休 and 班).
KIND_WORDS: dict[str, str] = {
    "holiday": DayKind.HOLIDAY, "off": DayKind.HOLIDAY, "休": DayKind.HOLIDAY, "放假": DayKind.HOLIDAY,
    "workday": DayKind.WORKDAY, "work": DayKind.WORKDAY, "班": DayKind.WORKDAY, "上班": DayKind.WORKDAY,
}
MAX_RANGE_DAYS = 31
NAME_LENGTH = ArrangementDay._meta.get_field("name").max_length


@dataclass
class ArrangementImportResult:
    """What an import did: the arrangement's year, whether it is new, and the days added, changed and removed."""

    year: int
    created: bool
    added: list[date] = field(default_factory=list)
    changed: list[date] = field(default_factory=list)
    removed: list[date] = field(default_factory=list)
    cases_recomputed: int = 0

    @property
    def dates(self) -> list[date]:
        return sorted({*self.added, *self.changed, *self.removed})


def calendar_dates_changed(*, dates: Collection[date], actor: Actor, reason: str) -> int:
    """Bring what was computed with the old calendar up to date after `dates` changed (in the caller's transaction).

    Drops this process's worktime cache now (so the recompute reads the new rows) and again after commit; other
    processes see the change when their cache expires (`CITYOPS_CALENDAR_CACHE_SECONDS`). Returns the number of
    cases whose clocks the receivers of `calendar_changed` recomputed.
    """
    if not dates:
        return 0
    worktime.clear_caches()
    transaction.on_commit(worktime.clear_caches)
    responses = calendar_changed.send(sender=HolidayArrangement, first=min(dates), last=max(dates), actor=actor,
                                      reason=reason)
    return sum(response for _receiver, response in responses if isinstance(response, int))


def arrangement_import(
    *, rows: Iterable[tuple[str, dict[str, str]]], year: int | None = None, reference: str = "", note: str = "",
    source: str = "", actor: Actor,
) -> ArrangementImportResult:
    """Import one year's holiday arrangement: all rows or none; a re-import updates the year in place.

    `rows` are (label, {"date", "kind", "name"}) pairs, the label naming the row in errors ("line 4"). The file is
    the whole arrangement: days of that year missing from it are removed. Open stage clocks whose deadlines the
    change moves are recomputed in the same transaction.
    """
    _require_calendar_admin(actor)
    days, year = _clean_arrangement(list(rows), year=year)
    try:
        with transaction.atomic():
            arrangement, created = _lock_or_create(year, reference=reference, note=note)
            result = _apply_days(arrangement, days, created=created)
            audit_log(actor=actor, action="core.holiday_arrangement.imported", obj=arrangement, data={
                "source": source, "year": year, "created": created, "reference": arrangement.reference,
                "added": _isoformat(result.added), "changed": _isoformat(result.changed),
                "removed": _isoformat(result.removed),
            })
            result.cases_recomputed = calendar_dates_changed(
                dates=result.dates, actor=actor, reason=f"holiday arrangement {year}")
    except BaseException:
        worktime.clear_caches()  # the recompute may have cached rows that were rolled back
        raise
    return result


def _require_calendar_admin(actor: Actor) -> None:
    """Users need the administrator role; the system (a command, a migration) is trusted."""
    if actor is None or isinstance(actor, str):
        return
    require_role(actor, "admin")


def _lock_or_create(year: int, *, reference: str, note: str) -> tuple[HolidayArrangement, bool]:
    # The row lock makes two imports of one year take turns instead of interleaving their day rows.
    arrangement = HolidayArrangement.objects.select_for_update().filter(year=year).first()
    created = arrangement is None
    if arrangement is None:
        arrangement = HolidayArrangement(year=year)
    arrangement.reference = reference or arrangement.reference
    arrangement.note = note or arrangement.note
    arrangement.save()
    return arrangement, created


def _apply_days(arrangement: HolidayArrangement, days: dict[date, tuple[str, str]], *,
                created: bool) -> ArrangementImportResult:
    result = ArrangementImportResult(year=arrangement.year, created=created)
    stored = {row.date: row for row in arrangement.days.all()}
    for day, row in stored.items():
        if day not in days:
            result.removed.append(day)
            row.delete()
        elif (row.kind, row.name) != days[day]:
            result.changed.append(day)
            row.kind, row.name = days[day]
            row.save(update_fields=["kind", "name"])
    added = [ArrangementDay(arrangement=arrangement, date=day, kind=kind, name=name)
             for day, (kind, name) in sorted(days.items()) if day not in stored]
    ArrangementDay.objects.bulk_create(added)
    result.added = [row.date for row in added]
    return result


def _isoformat(days: list[date]) -> list[str]:
    return [day.isoformat() for day in sorted(days)]


# --- validation ---------------------------------------------------------------------------------------------------


def _clean_arrangement(rows: list[tuple[str, dict[str, str]]],
                       *, year: int | None) -> tuple[dict[date, tuple[str, str]], int]:
    """{date: (kind, name)} and the year, or InvalidInput listing every refused row."""
    errors: list[dict] = []
    parsed: list[tuple[str, list[date], str, str]] = []
    for label, raw in rows:
        try:
            parsed.append((label, *_clean_row(raw)))
        except InvalidInput as exc:
            errors.append({"row": label, "field": exc.field, "message": exc.message})
    if not rows:
        raise InvalidInput(_("The file lists no days."), field="file")
    days: dict[date, tuple[str, str]] = {}
    if parsed or year is not None:
        year = _check_year(year if year is not None else _inferred_year(parsed))
        days = _collect_days(parsed, year, errors)
    if errors:
        order = {label: i for i, (label, _raw) in enumerate(rows)}
        errors.sort(key=lambda error: order.get(error["row"], len(order)))  # in file order, whichever check refused
        first = errors[0]
        raise InvalidInput(
            _("%(n)d row(s) refused, nothing imported; %(where)s: %(message)s")
            % {"n": len(errors), "where": first["row"], "message": first["message"]},
            field=first.get("field") or "file", details=errors,
        )
    assert year is not None  # every row was read, so the year was inferred
    return days, year


def _clean_row(raw: dict[str, str]) -> tuple[list[date], str, str]:
    if raw.get("_extra"):
        raise InvalidInput(_("The row has more values than the header has columns (quote a name with a comma)."),
                           field="name")
    text = (raw.get("date") or "").strip()
    if not text:
        raise InvalidInput(_("A date is required."), field="date")
    dates = _parse_dates(text)
    word = (raw.get("kind") or "").strip()
    kind = KIND_WORDS.get(word.lower())
    if kind is None:
        raise InvalidInput(_("Unknown kind %(kind)r; use holiday (休) or workday (班).") % {"kind": word}, field="kind")
    name = (raw.get("name") or "").strip()
    if len(name) > NAME_LENGTH:
        raise InvalidInput(_("The name is longer than %(n)d characters.") % {"n": NAME_LENGTH}, field="name")
    return dates, kind, name


def _parse_dates(text: str) -> list[date]:
    """One date (2027-02-05) or an inclusive range (2027-02-05..2027-02-11)."""
    first_text, _sep, last_text = text.partition("..")
    first = _parse_date(first_text)
    last = _parse_date(last_text) if last_text else first
    if last < first:
        raise InvalidInput(_("The range %(text)s ends before it starts.") % {"text": text}, field="date")
    if (last - first).days >= MAX_RANGE_DAYS:
        raise InvalidInput(_("A range may span at most %(n)d days.") % {"n": MAX_RANGE_DAYS}, field="date")
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(_("%(text)r is not a date of the form YYYY-MM-DD.") % {"text": text.strip()},
                           field="date") from None


def _inferred_year(parsed: list[tuple[str, list[date], str, str]]) -> int:
    # An arrangement never lists a date after its year, but may list late December before it (元旦 2024 began on
    # 2023-12-30): its year is the latest year named.
    return max(day.year for _label, dates, _kind, _name in parsed for day in dates)


def _check_year(year: int) -> int:
    if not MIN_ARRANGEMENT_YEAR <= year <= MAX_ARRANGEMENT_YEAR:
        raise InvalidInput(_("Enter a year between %(min)d and %(max)d.")
                           % {"min": MIN_ARRANGEMENT_YEAR, "max": MAX_ARRANGEMENT_YEAR}, field="year")
    return year


def _collect_days(parsed: list[tuple[str, list[date], str, str]], year: int,
                  errors: list[dict]) -> dict[date, tuple[str, str]]:
    first, last = HolidayArrangement(year=year).date_window()
    all_dates = [day for _label, dates, _kind, _name in parsed for day in dates]
    taken = dict(ArrangementDay.objects.filter(date__in=all_dates).exclude(arrangement__year=year)
                 .values_list("date", "arrangement__year"))
    days: dict[date, tuple[str, str]] = {}
    seen: dict[date, str] = {}
    for label, dates, kind, name in parsed:
        for day in dates:
            message = _date_refusal(day, year=year, first=first, last=last, seen=seen, taken=taken)
            if message:
                errors.append({"row": label, "field": "date", "message": message})
                break
            seen[day] = label
            days[day] = (kind, name)
    return days


def _date_refusal(day: date, *, year: int, first: date, last: date, seen: dict[date, str],
                  taken: dict[date, int]) -> str:
    if not first <= day <= last:
        return _("%(day)s lies outside the %(year)d arrangement (%(first)s to %(last)s).") % {
            "day": day, "year": year, "first": first, "last": last}
    if day in seen:
        return _("%(day)s is listed twice (also at %(where)s).") % {"day": day, "where": seen[day]}
    if day in taken:
        return _("%(day)s already belongs to the %(other)d arrangement.") % {"day": day, "other": taken[day]}
    return ""
