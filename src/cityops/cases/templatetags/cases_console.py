"""Template helpers of the operator console: remaining time on a stage clock, state badges."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.cases.models import CaseState
from cityops.catalog.models import TimeBasis
from cityops.core.worktime import natural_minutes_between, working_minutes_between

register = template.Library()


def _running_clock(case: Any) -> Any:
    """The case's running stage clock: prefetched by the lists (`running_clocks`), read on a single case's page."""
    clocks = getattr(case, "running_clocks", None)
    if clocks is None and getattr(case, "pk", None):
        clocks = list(case.clocks.filter(done_at__isnull=True).order_by("-started_at")[:1])
    return clocks[0] if clocks else None


def remaining_minutes(case: Any, now: Any = None) -> int | None:
    """Minutes left on the running clock, counted as its stage counts (working or natural); None without one.

    A paused clock (挂账) stands still: what is left is what was left when it paused, however long ago that was.
    """
    if case.due_at is None:
        return None
    clock = _running_clock(case)
    now = (clock.paused_at if clock is not None and clock.paused_at else None) or now or timezone.now()
    basis = clock.basis if clock is not None else TimeBasis.WORKING
    if basis == TimeBasis.NATURAL:
        return natural_minutes_between(now, case.due_at)
    return working_minutes_between(now, case.due_at)


def format_minutes(minutes: int) -> str:
    """"2 d 3 h", "3 h 05 min", "12 min"; a day here is 24 h of the clock's own minutes."""
    sign = "-" if minutes < 0 else ""
    minutes = abs(minutes)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(sign)s%(d)d d %(h)d h") % {"sign": sign, "d": days, "h": hours}
    if hours:
        return _("%(sign)s%(h)d h %(m)02d min") % {"sign": sign, "h": hours, "m": mins}
    return _("%(sign)s%(m)d min") % {"sign": sign, "m": mins}


@register.simple_tag
def remaining(case: Any) -> dict[str, Any]:
    """{'text', 'late'} for the case's running deadline (working time unless the stage counts natural time)."""
    if not case.is_open:
        return {"text": "", "late": False}
    minutes = remaining_minutes(case)
    if minutes is None:
        return {"text": "—", "late": False}
    if case.state == CaseState.SUSPENDED:
        return _suspended(case, minutes)
    if minutes < 0 or case.due_at <= timezone.now():
        # Past the deadline; outside office hours the working-time overrun can still be zero.
        text = _("%(time)s overdue") % {"time": format_minutes(-minutes)} if minutes < 0 else _("Overdue")
        return {"text": text, "late": True}
    text = _("%(time)s left") % {"time": format_minutes(minutes)}
    late = bool(case.is_overdue)
    return {"text": text, "late": late}


def _suspended(case: Any, minutes: int) -> dict[str, Any]:
    """A suspended (挂账) case's clock stands still: what was left at the pause, late only if it was late then."""
    if case.is_overdue or minutes < 0:
        time = format_minutes(-minutes) if minutes < 0 else ""
        text = _("Suspended, %(time)s overdue") % {"time": time} if time else _("Suspended, overdue")
        return {"text": text, "late": True}
    return {"text": _("Suspended, %(time)s left") % {"time": format_minutes(minutes)}, "late": False}


@register.filter
def state_class(state: str) -> str:
    """A CSS class per state family, for the badge colour."""
    return {
        "reported": "st-new", "verifying": "st-new", "accepted": "st-reg", "registered": "st-reg",
        "dispatched": "st-work", "handled": "st-check", "checking": "st-check", "checked": "st-check",
        "closed": "st-done", "voided": "st-void", "suspended": "st-void",
    }.get(state, "")

