"""HTTP API of the notify domain: the caller's own notifications (thin: parse, call one selector or service).

Reading needs the token scope `cases:read`, marking read `cases:write` (notifications are about cases;
sessions are not limited by scopes). Nobody reads or marks anyone else's notifications: those answer 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from ninja import Field, Query, Router, Schema

from cityops.core.api_schemas import ErrorOut
from cityops.core.permissions import require_token_scope
from cityops.notify import selectors, services
from cityops.notify.models import Notification

if TYPE_CHECKING:
    from cityops.core.typing import AuthedRequest

router = Router()


class NotificationOut(Schema):
    id: int
    kind: str
    kind_label: str
    case: str | None = Field(None, description="The case number, when the notification is about a case.")
    title: str
    body: str
    url: str
    created_at: datetime
    read_at: datetime | None


class NotificationPageOut(Schema):
    items: list[NotificationOut]
    unread: int = Field(..., description="How many of the caller's notifications are unread (all pages).")
    next_before: int | None = Field(None, description="Pass back as `before` for the next page; null at the end.")


class NotificationQuery(Schema):
    unread: bool | None = Field(None, description="true: only unread; false: only read; absent: all.")
    before: int | None = Field(None, description="Continue after this notification id (from `next_before`).")
    limit: int = Field(selectors.INBOX_PAGE, ge=1, le=200)


class ReadAllOut(Schema):
    marked: int


def _out(row: Notification) -> dict[str, Any]:
    return {"id": row.pk, "kind": row.kind, "kind_label": str(row.get_kind_display()),
            "case": row.case.number if row.case is not None else None, "title": row.title, "body": row.body, "url": row.url,
            "created_at": row.created_at, "read_at": row.read_at}


@router.get("/notifications", response={200: NotificationPageOut, 404: ErrorOut}, summary="My notifications")
def notification_list(request: AuthedRequest, query: Query[NotificationQuery]) -> dict[str, Any]:
    """The caller's own notifications, newest first, one page at a time."""
    require_token_scope(request.auth, "cases:read")
    rows = selectors.notifications_for_user(user=request.auth, unread=query.unread, before=query.before,
                                            limit=query.limit)
    return {"items": [_out(r) for r in rows], "unread": selectors.unread_count(user=request.auth),
            "next_before": rows[-1].pk if len(rows) == query.limit else None}


@router.post("/notifications/read-all", response={200: ReadAllOut}, summary="Mark all my notifications read")
def notification_read_all(request: AuthedRequest) -> dict[str, int]:
    require_token_scope(request.auth, "cases:write")
    return {"marked": services.notifications_mark_all_read(actor=request.auth)}


@router.post("/notifications/{notification_id}/read", response={200: NotificationOut, 404: ErrorOut},
             summary="Mark one of my notifications read")
def notification_read(request: AuthedRequest, notification_id: int) -> dict[str, Any]:
    require_token_scope(request.auth, "cases:write")
    row = selectors.notification_get_for_user(user=request.auth, pk=notification_id)
    return _out(services.notification_mark_read(notification=row, actor=request.auth))
