"""Which columns a customer may correct (Art. 16), and how each type's value is checked.

A column of the data map marked `rectifiable = "<type>"` is shown to the verified customer
with its current value; what they type instead is checked for that type here. Free text
(messages, notes) is never rectifiable: there is no such type. Pure: values in, values or
errors out, no ORM.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

# type → (the live column types it fits, what it is)
TYPES = {
    "name": ({"CharField", "TextField"}, "a person's name: letters, spaces, - ' ."),
    "email": ({"CharField", "TextField"}, "an e-mail address"),
    "address": (
        {"CharField", "TextField"},
        "a postal address or postcode: letters, digits, , . - / '",
    ),
    "date": ({"DateField"}, "a calendar date (not in the future)"),
}
# Categories whose columns may be corrected: who the person is and how to reach them.
CATEGORIES = {"identity", "contact"}

_NAME = re.compile(r"[^\W\d_]+(?:[ '\-.][^\W\d_]*)*\.?")
_ADDRESS = re.compile(r"[\w][\w ,.'/\-]*")
EARLIEST = date(1900, 1, 1)


def errors(*, kind: str | None, category: str | None, erasure: str | None, file) -> list[str]:
    """What is wrong with a column's `rectifiable` mark (shape only), as sentences."""
    if kind is None:
        return []
    problems = []
    if kind not in TYPES:
        problems.append(
            f"rectifiable {kind!r} is not a type (use one of {', '.join(TYPES)}; free text "
            "cannot be corrected through the portal)."
        )
    if category not in CATEGORIES:
        problems.append(f"rectifiable columns hold identity or contact data, not {category!r}.")
    if file:
        problems.append("a file reference cannot be rectified.")
    if erasure == "retain":
        problems.append("a retained column (kept for a legal obligation) cannot be rectified.")
    return problems


def live_errors(kind: str | None, field_type: str | None) -> list[str]:
    """The column's live type must fit the rectifiable type."""
    if kind not in TYPES or field_type is None:
        return []
    if field_type not in TYPES[kind][0]:
        return [
            f"rectifiable {kind!r} needs a {' or '.join(sorted(TYPES[kind][0]))} column, not a {field_type}."
        ]
    return []


def clean(kind: str, raw, *, max_length: int | None = None, today: date | None = None):
    """The value a customer typed, checked and normalised for `kind`; a date for "date",
    text otherwise. Raises ValidationError with a message for the customer."""
    if kind == "date":
        if not isinstance(raw, date):
            raise ValidationError(_("Enter a date."))
        if raw > (today or date.today()) or raw < EARLIEST:
            raise ValidationError(_("Enter a date between 1900 and today."))
        return raw
    value = " ".join(unicodedata.normalize("NFC", str(raw or "")).split())
    if not value:
        raise ValidationError(_("Type the corrected value."))
    if any(unicodedata.category(ch).startswith("C") for ch in value):
        raise ValidationError(_("Remove the special characters."))
    if max_length and len(value) > max_length:
        raise ValidationError(_("At most %(n)d characters fit here.") % {"n": max_length})
    if kind == "name":
        if not _NAME.fullmatch(value):
            raise ValidationError(
                _("A name holds letters, spaces, hyphens, apostrophes and full stops only.")
            )
    elif kind == "email":
        value = value.strip()
        validate_email(value)
        local, _at, domain = value.rpartition("@")
        value = f"{local}@{domain.lower()}"
    elif kind == "address":
        if not _ADDRESS.fullmatch(value):
            raise ValidationError(_("An address holds letters, digits, spaces and , . - / ' only."))
    else:
        raise ValidationError(_("This value cannot be corrected here."))
    return value
