"""The one side-effect path of the case loop: after commit, each case event goes to an explicit list of subscribers.

Whatever a case change causes outside the case's own rows — in-app notices to staff, the citizen's SMS or e-mail,
status callbacks to the system a report came from — hangs off the case history. The code that writes a
`CaseEvent` (`workflow.record_event`, a photo, the SLA job's batch) hands it to `case_events_publish`, which
registers one `transaction.on_commit` callback: a change that rolls back tells nobody, a subscriber reads what
committed, and no row lock is held while it works. The callback gives the events to each subscriber in turn.

The list is explicit and its order fixed: an app adds its subscriber in its `AppConfig.ready()`, so the order is
INSTALLED_APPS order, then the order of the calls within one `ready()` (`case_event_subscribers()` names them):

    cases.staff_notices, cases.citizen_messages      (cases.notices, from CasesConfig.ready)
    intake.status_callbacks                          (intake.integrations.callbacks, from IntakeConfig.ready)

A subscriber decides itself which events concern it and who hears of them; it reads `event.case` only for those
(the SLA job's events carry the case id only). A subscriber that raises is logged and the next one still runs;
the case change has committed already and stays.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from django.db import transaction

from cityops.cases.models import CaseEvent

logger = logging.getLogger("cityops.cases.subscribers")
Subscriber = Callable[[Sequence[CaseEvent]], None]
_SUBSCRIBERS: list[tuple[str, Subscriber]] = []


def case_event_subscribe(name: str, subscriber: Subscriber) -> None:
    """Add `subscriber` at the end of the list (from an `AppConfig.ready()`); a name added again keeps its place."""
    for index, (known, _old) in enumerate(_SUBSCRIBERS):
        if known == name:
            _SUBSCRIBERS[index] = (name, subscriber)
            return
    _SUBSCRIBERS.append((name, subscriber))


def case_event_subscribers() -> list[str]:
    """The subscribers' names, in the order they are told."""
    return [name for name, _subscriber in _SUBSCRIBERS]


def case_events_publish(events: Sequence[CaseEvent]) -> None:
    """Once the current transaction commits, hand `events` (written in it, in order) to every subscriber."""
    batch = list(events)
    if not batch:
        return

    # A named function, not a partial: Django logs a robust callback's failure by its __qualname__.
    def tell_case_event_subscribers() -> None:
        deliver(batch)

    transaction.on_commit(tell_case_event_subscribers, robust=True)


def deliver(events: Sequence[CaseEvent]) -> None:
    """Give committed `events` to each subscriber in order; one that fails is logged and the others still run."""
    for name, subscriber in list(_SUBSCRIBERS):
        try:
            subscriber(events)
        except Exception:  # isolation: one subscriber's failure must not cost the others their turn
            logger.exception(
                "case event subscriber %s failed on %s event(s) of case(s) %s",
                name,
                len(events),
                sorted({event.case_id for event in events})[:20],
            )
