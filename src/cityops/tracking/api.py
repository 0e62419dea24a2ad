"""HTTP API of tracking: the one map's inspectors layer (指挥一张图), mounted under `/command` beside the map's other
layers; its paths, URL names and operation ids are the map's own.

For the command centre's staff (leader, shift leader, dispatcher, acceptor, admin; 403 for others) with the token
scope `cases:read`; every read is scoped to the caller (`tracking.selectors`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ninja import Router
from ninja.params import functions as param  # the typed function behind `ninja.Query(...)` defaults

from cityops.core.api_schemas import ErrorOut
from cityops.core.permissions import require_centre_staff, require_token_scope
from cityops.tracking import selectors

if TYPE_CHECKING:
    from cityops.core.typing import AuthedRequest

router = Router()

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _caller(request: AuthedRequest) -> Any:
    require_token_scope(request.auth, "cases:read")
    require_centre_staff(request.auth)
    return request.auth


# operation_id: the id the endpoint was published with while the map's own router served it.
@router.get(
    "/inspectors",
    response={200: dict, **ERRORS},
    url_name="command_inspectors",
    operation_id="cityops_command_api_inspectors",
    summary="Inspectors' last positions",
)
def inspectors(
    request: AuthedRequest,
    hours: int = param.Query(selectors.POSITION_HOURS, ge=1, le=selectors.MAX_POSITION_HOURS),
) -> dict[str, Any]:
    """Each inspector in the caller's scope with a position in the last `hours` (1–72): their last one."""
    user = _caller(request)
    return selectors.inspector_positions(user=user, hours=hours)


@router.get(
    "/inspectors/{username}/track",
    response={200: dict, **ERRORS},
    url_name="command_track",
    operation_id="cityops_command_api_track",
    summary="One inspector's track for a day",
)
def track(request: AuthedRequest, username: str, day: str | None = None) -> dict[str, Any]:
    """The inspector's positions on `day` (ISO date, Asia/Shanghai; today when omitted) as a LineString."""
    user = _caller(request)
    return selectors.inspector_track(user=user, username=username, day=day)
