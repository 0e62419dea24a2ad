
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from cityops.core.typing import Actor


class CasesConfig(AppConfig):
    name = "cityops.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from cityops.cases import notices
        from cityops.cases.subscribers import case_event_subscribe
        from cityops.core.signals import calendar_changed

        calendar_changed.connect(_recompute_clocks, dispatch_uid="cases.clocks.recompute")
        # The first subscribers of every case event, in this order (cases.subscribers); other apps' follow.
        case_event_subscribe("cases.staff_notices", notices.staff_notices)
        case_event_subscribe("cases.citizen_messages", notices.citizen_messages)


def _recompute_clocks(*, first: date, last: date, actor: Actor, reason: str, **kwargs: Any) -> int:
    """The working calendar changed: move the open stage clocks whose deadlines it moves (same transaction)."""
    from cityops.cases.sla import clocks_recompute

    return clocks_recompute(first=first, last=last, actor=actor, reason=reason)
