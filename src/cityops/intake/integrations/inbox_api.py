"""HTTP API of the store-first door, mounted at /api/v1/intake/batches (API token or session).

`POST` a batch of up to 1,000 reports, each with its own `idempotency_key`: 202 once the good ones are stored, with
each item's status (`accepted`, `duplicate` of an item stored before, `refused` with its errors). The worker makes
the cases; `GET /{id}` shows each item's state (`pending`, `processing`, `done` with its case number, `failed` with
the reason). Writing needs the token scope `cases:write`, reading `cases:read`.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from ninja import Field, Router, Schema, Status

from cityops.cases.schemas import ErrorOut
from cityops.core.permissions import require_token_scope
from cityops.intake.integrations import inbox

if TYPE_CHECKING:
    from cityops.core.typing import AuthedRequest

router = Router()
# Each operation id is pinned to the name it had before intake's channels became sub-packages: clients
# generated from the published schema keep working.


class BatchIn(Schema):
    reports: list[dict[str, Any]] = Field(
        ..., min_length=1, max_length=inbox.MAX_BATCH,
        description="Reports as for POST /api/v1/cases (class, description, lon, lat, crs, urgency, address, "
                    "reporter_name, reporter_contact, source), each with its own idempotency_key.",
    )


class ItemAckOut(Schema):
    index: int
    idempotency_key: str
    status: str = Field(..., description="accepted | duplicate | refused")
    id: int | None = None
    state: str | None = Field(None, description="pending | processing | done | failed (for a stored item)")
    case: str | None = None
    errors: list[dict[str, Any]] | None = None


class BatchAckOut(Schema):
    batch: int
    received_at: datetime
    accepted: int
    duplicates: int
    refused: int
    items: list[ItemAckOut]


class ItemOut(Schema):
    id: int
    index: int
    idempotency_key: str
    state: str
    case: str | None
    error: dict[str, Any] | None


class BatchOut(Schema):
    batch: int
    received_at: datetime
    size: int
    states: dict[str, int]
    items: list[ItemOut]


@router.post("", response={202: BatchAckOut, 403: ErrorOut, 422: ErrorOut},
             summary="Report a batch, store first (202 once stored; the worker makes the cases)",
             operation_id="cityops_intake_inbox_api_batch_post")
def batch_post(request: AuthedRequest, payload: BatchIn) -> Status:
    """Up to 1,000 reports in one request, acknowledged once durably stored; resending an item with the same
    `idempotency_key` (in this batch or a later one) answers `duplicate` with the first item: one case either way."""
    require_token_scope(request.auth, "cases:write")
    ack = inbox.batch_receive(actor=request.auth, items=payload.reports)
    return Status(202, {
        "batch": ack.batch.pk, "received_at": ack.batch.received_at,
        "accepted": ack.count(inbox.ItemStatus.ACCEPTED), "duplicates": ack.count(inbox.ItemStatus.DUPLICATE),
        "refused": ack.count(inbox.ItemStatus.REFUSED),
        "items": [_ack_row(item) for item in ack.items],
    })


def _ack_row(ack: inbox.ItemAck) -> dict[str, Any]:
    row: dict[str, Any] = {"index": ack.index, "idempotency_key": ack.idempotency_key, "status": ack.status,
                           "errors": ack.errors}
    if ack.item is not None:
        row.update(id=ack.item.pk, state=ack.item.state,
                   case=ack.item.case.number if ack.item.case_id and ack.item.case else None)
    return row


@router.get("/{batch_id}", response={200: BatchOut, 404: ErrorOut}, summary="A batch and the state of its items",
            operation_id="cityops_intake_inbox_api_batch_get")
def batch_get(request: AuthedRequest, batch_id: int) -> dict[str, Any]:
    """Each stored item: pending, processing, done (with its case number) or failed (with the reason)."""
    require_token_scope(request.auth, "cases:read")
    batch = inbox.batch_get_for_user(user=request.auth, batch_id=batch_id)
    items = inbox.batch_items(batch)
    states: dict[str, int] = {}
    for item in items:
        states[item.state] = states.get(item.state, 0) + 1
    return {"batch": batch.pk, "received_at": batch.received_at, "size": batch.size, "states": states,
            "items": [inbox.item_row(item) for item in items]}
