"""Messages to people outside the inbox: the e-mail address or phone of a user, a contact as someone typed it.

Generic: the sending app gives the recipients, a message template's key and its context; this module reads which
channel reaches each person and queues the messages in the outbox. Which events send what to whom is the
sending app's business (the case events' messages: `cases.notices`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from cityops.notify.models import Channel
from cityops.notify.outbox import outbox_enqueue

PHONE = re.compile(r"^\+?\d{7,15}$")


def users_outbound(
    *,
    users: Iterable[Any],
    template: str,
    context: dict[str, Any],
    channels: Collection[str],
    case: Any = None,
) -> int:
    """Queue `template` to each user by e-mail (with an address) and SMS (with a phone), of `channels`; how many."""
    count = 0
    for user in users:
        if user.email and Channel.EMAIL in channels:
            outbox_enqueue(
                channel=Channel.EMAIL, to=user.email, template=template, context=context, case=case
            )
            count += 1
        phone = normalize_phone(getattr(user, "phone", ""))
        if phone and Channel.SMS in channels:
            outbox_enqueue(channel=Channel.SMS, to=phone, template=template, context=context, case=case)
            count += 1
    return count


def contact_outbound(*, contact: str, template: str, context: dict[str, Any], case: Any = None) -> bool:
    """Queue `template` to a contact as typed (an e-mail address or a phone number); whether it was one."""
    channel, address = contact_channel(contact)
    if channel is None:
        return False
    outbox_enqueue(channel=channel, to=address, template=template, context=context, case=case)
    return True


def contact_channel(contact: str) -> tuple[str | None, str]:
    """(channel, address) of a contact: an e-mail address, a phone number, or neither."""
    text = (contact or "").strip()
    if "@" in text:
        try:
            validate_email(text)
        except ValidationError:
            return None, ""
        return Channel.EMAIL, text
    phone = normalize_phone(text)
    return (Channel.SMS, phone) if phone else (None, "")


def normalize_phone(value: str) -> str:
    """The phone number without spaces, dashes and brackets, or "" when it is not one."""
    digits = re.sub(r"[\s\-()]", "", value or "")
    return digits if PHONE.match(digits) else ""


def absolute(path: str) -> str:
    """A site path as a full link for a message read outside the platform (CITYOPS_PUBLIC_BASE_URL in front)."""
    return f"{settings.CITYOPS_PUBLIC_BASE_URL.rstrip('/')}{path}" if path.startswith("/") else path
