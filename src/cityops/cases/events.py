"""Case events (`CaseEvent`): writing one history row, naming its actor, and the labels of the actions for timelines.

Below the workflow and the stage clocks, which both write events.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityops.cases.models import Case, CaseEvent
from cityops.cases.subscribers import case_events_publish

if TYPE_CHECKING:
    from cityops.core.typing import Actor

EVENT_LABELS = {
    "case.reported": _("Reported (上报)"),
    "case.self_handled": _("Self-handled (自处理)"),
    "case.sent_to_verify": _("Sent for verification (派发核实)"),
    "case.verified": _("Verified (核实)"),
    "case.verification_refuted": _("Not confirmed on site (核实不属实)"),
    "case.accepted": _("Accepted (受理)"),
    "case.registered": _("Registered (立案)"),
    "case.dispatched": _("Dispatched (派遣)"),
    "case.passed_down": _("Passed to a sub-unit (下派)"),
    "case.handled": _("Handled (处置反馈)"),
    "case.sent_to_check": _("Sent for check (派发核查)"),
    "case.checked": _("Check passed (核查通过)"),
    "case.rework": _("Check failed, rework (返工)"),
    "case.closed": _("Closed (结案)"),
    "case.voided": _("Voided (作废)"),
    "case.urged": _("Urged (督办)"),
    "case.merged": _("Merged as duplicate (合并)"),
    "case.duplicate_merged": _("Duplicate merged in (合并重复案件)"),
    "case.extension_requested": _("Extension requested (申请延期)"),
    "case.extended": _("Extended (延期)"),
    "case.return_requested": _("Return requested (申请回退)"),
    "case.returned": _("Returned (回退)"),
    "case.suspension_requested": _("Suspension requested (申请挂账)"),
    "case.suspended": _("Suspended (挂账)"),
    "case.resumed": _("Resumed (恢复)"),
    "case.void_requested": _("Void requested (申请作废)"),
    "case.request_rejected": _("Request rejected (申请驳回)"),
    "case.request_cancelled": _("Request cancelled (申请撤销)"),
    "case.photo_added": _("Photo added (上传照片)"),
    "case.overdue": _("Overdue (超期)"),
    "case.deadline_warning": _("Deadline warning (临期预警)"),
    "case.clock_recomputed": _("Deadline recomputed after a calendar change (时限重算)"),
    "case.caller_added": _("Another caller reported it (重复来电)"),
    "case.public_hidden": _("Hidden from the public (公开内容屏蔽)"),
    "case.public_shown": _("Shown to the public again (恢复公开)"),
    "case.rated": _("Rated by the citizen (市民评价)"),
}


def event_label(action: str) -> str:
    """The label of an event action; unknown actions show as they are."""
    label = EVENT_LABELS.get(action)
    return str(label) if label is not None else action


def record_event(case: Case, action: str, *, actor: Actor, from_state: str = "", to_state: str = "", note: str = "",
                 data: dict | None = None, at: datetime | None = None, public: bool = False) -> CaseEvent:
    """Write one history row for `case` (the case's audit trail); its subscribers hear of it after commit."""
    user, label = describe_actor(actor)
    event = CaseEvent.objects.create(
        case=case, at=at or timezone.now(), actor=user, actor_label=label[:150], action=action,
        from_state=from_state, to_state=to_state, note=note, data=data or {}, public=public,
    )
    case_events_publish([event])
    return event


def describe_actor(actor: Actor) -> tuple[Any, str]:
    """(user or None, label): a user acting (perhaps through a token), or the system / a named command."""
    if actor is None:
        return None, "system"
    if isinstance(actor, str):
        return None, actor
    token = getattr(actor, "via_token", None)
    suffix = f" (token {token.prefix})" if token is not None else ""
    return actor, f"{actor.get_username()}{suffix}"


def is_system(actor: Actor) -> bool:
    """Whether `actor` is the system (None) or a named command (a string) rather than a user."""
    return actor is None or isinstance(actor, str)
