"""Writes shared by the intake channels: tracking codes, and callers linked to an open case."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.cases.models import Case, Source
from cityops.cases.workflow import record_event
from cityops.core.errors import InvalidInput, NotFound
from cityops.core.permissions import require_role
from cityops.org.models import Role

if TYPE_CHECKING:
    from cityops.core.typing import Actor

# The tracking code's alphabet: no 0/O, 1/I/L, so a code read out on the phone is not misheard.
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_LENGTH = 10  # 31^10 ≈ 8·10^14 codes: not guessable by trying


# --- tracking codes ------------------------------------------------------------------------------------------


def tracking_code_new() -> str:
    """A fresh unguessable tracking code (查询码): 10 characters from an alphabet without look-alikes."""
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))


def case_tracking_code_ensure(*, case: Case) -> str:
    """Give the case a tracking code if it has none; return its code (the conditional update wins once)."""
    if case.tracking_code:
        return case.tracking_code
    for _attempt in range(5):
        code = tracking_code_new()
        try:
            with transaction.atomic():
                # Conditional: two concurrent calls for one case must not give it two different codes.
                Case.objects.filter(pk=case.pk, tracking_code__isnull=True).update(tracking_code=code)
        except IntegrityError:  # the code is taken by another case (astronomically rare): draw again
            continue
        case.tracking_code = Case.objects.filter(pk=case.pk).values_list("tracking_code", flat=True).get()
        return case.tracking_code
    raise RuntimeError("could not draw a free tracking code")


# --- callers linked to an open case ----------------------------------------------------------------------------


def case_caller_add(*, case: Case, actor: Actor, caller_name: str = "", caller_contact: str = "", note: str = "",
                    channel: str = Source.HOTLINE, at: datetime | None = None) -> Case:
    """Record another caller (来电) about an open case instead of a new case: a `case.caller_added` event."""
    at = at or timezone.now()
    if not isinstance(actor, str) and actor is not None:
        require_role(actor, Role.ACCEPTOR, Role.ADMIN)
    _check_lengths(caller_name=caller_name, caller_contact=caller_contact, note=note)
    with transaction.atomic():
        try:
            # Locked so the event is ordered after any transition in flight on the same case.
            locked = Case.objects.select_for_update().get(pk=case.pk)
        except Case.DoesNotExist:
            raise NotFound(_("Case not found.")) from None
        record_event(locked, "case.caller_added", actor=actor, from_state=locked.state, to_state=locked.state,
                     note=note.strip(), data={"channel": channel, "caller_name": caller_name.strip(),
                                              "caller_contact": caller_contact.strip()}, at=at)
    return locked


def _check_lengths(**values: str) -> None:
    limits = {"caller_name": 60, "caller_contact": 120, "note": 2000}
    for name, value in values.items():
        if len(value or "") > limits[name]:
            raise InvalidInput(_("%(field)s is longer than %(n)d characters.") % {"field": name, "n": limits[name]},
                               field=name)
