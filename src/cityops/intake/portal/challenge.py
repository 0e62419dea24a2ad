"""A simple human check for the public report form: an arithmetic question, its answer signed with a timestamp.

No external service: the answer travels to the browser inside a token signed with the site's secret
(`django.core.signing`), so the server keeps no state and a token older than `MAX_AGE` is refused.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from django.core import signing
from django.utils.translation import gettext as _

from cityops.core.errors import InvalidInput

# The module's former path, kept: a question handed out before the portal became a package still verifies.
SALT = "cityops.intake.challenge"
MAX_AGE = 60 * 30  # seconds: long enough to write a report, short enough that tokens do not circulate
MIN_AGE = 2  # seconds: a form filled faster than this was filled by a script


@dataclass(frozen=True)
class Challenge:
    question: str
    token: str


def challenge_new() -> Challenge:
    """A fresh question (``3 + 4 = ?``) and its signed token."""
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    token = signing.dumps({"a": a + b, "t": int(time.time()), "n": secrets.token_hex(4)}, salt=SALT, compress=True)
    return Challenge(question=f"{a} + {b} = ?", token=token)


def challenge_check(*, token: str, answer: str | int | None, min_age: int = MIN_AGE) -> None:
    """Refuse (422, field ``challenge``) a wrong, expired, forged or too-quick answer."""
    try:
        data = signing.loads(token or "", salt=SALT, max_age=MAX_AGE)
    except signing.SignatureExpired:
        raise InvalidInput(_("The question expired; answer the new one."), field="challenge") from None
    except signing.BadSignature:
        raise InvalidInput(_("Answer the question below the form."), field="challenge") from None
    if min_age and time.time() - float(data.get("t", 0)) < min_age:
        raise InvalidInput(_("Please take a moment to check your report."), field="challenge")
    if str(answer or "").strip() != str(data["a"]):
        raise InvalidInput(_("That answer is not right; try again."), field="challenge")

