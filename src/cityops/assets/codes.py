"""The 17-digit component identifier (管理部件标识码) of GB/T 47678.5.

Structure: 6-digit admin-division code of the district (GB/T 2260, county level) + 5-digit class code
(2 major + 3 minor) + 6-digit sequence within (district, class). Example: 510104 01001 000042.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from cityops.core.errors import InvalidInput

IDENT_LENGTH = 17
ADMIN_CODE_LENGTH = 6
CLASS_CODE_LENGTH = 5
SEQUENCE_DIGITS = 6
MAX_SEQUENCE = 10**SEQUENCE_DIGITS - 1


def make_component_ident(admin_code: str, class_code: str, sequence: int) -> str:
    """Compose the identifier from its parts, refusing parts of the wrong shape."""
    _require_digits(admin_code, ADMIN_CODE_LENGTH, _("admin code"), "admin_code")
    _require_digits(class_code, CLASS_CODE_LENGTH, _("class code"), "class_code")
    if isinstance(sequence, bool) or not isinstance(sequence, int) or not 1 <= sequence <= MAX_SEQUENCE:
        raise InvalidInput(
            _("The sequence must be a whole number from 1 to %(max)d, got %(value)r.")
            % {"max": MAX_SEQUENCE, "value": sequence},
            field="sequence",
        )
    return f"{admin_code}{class_code}{sequence:0{SEQUENCE_DIGITS}d}"


def validate_component_ident(ident: str) -> tuple[str, str, int]:
    """Split a 17-digit identifier into (admin code, class code, sequence), or raise InvalidInput."""
    if not isinstance(ident, str) or len(ident) != IDENT_LENGTH:
        length = len(ident) if isinstance(ident, str) else 0
        raise InvalidInput(
            _("A component identifier has 17 digits, got %(n)d characters: %(value)r.") % {"n": length, "value": ident},
            field="ident",
        )
    if not (ident.isascii() and ident.isdigit()):
        raise InvalidInput(
            _("A component identifier has only digits 0-9, got %(value)r.") % {"value": ident}, field="ident"
        )
    admin_code = ident[:ADMIN_CODE_LENGTH]
    class_code = ident[ADMIN_CODE_LENGTH : ADMIN_CODE_LENGTH + CLASS_CODE_LENGTH]
    sequence = int(ident[ADMIN_CODE_LENGTH + CLASS_CODE_LENGTH :])
    if sequence == 0:
        raise InvalidInput(
            _("The sequence part of %(value)r is 000000; sequences start at 000001.") % {"value": ident},
            field="ident",
        )
    return admin_code, class_code, sequence


def _require_digits(value: str, length: int, label: str, field: str) -> None:
    if not isinstance(value, str) or len(value) != length or not (value.isascii() and value.isdigit()):
        raise InvalidInput(
            _("The %(label)s must be %(n)d digits, got %(value)r.") % {"label": label, "n": length, "value": value},
            field=field,
        )
