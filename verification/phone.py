"""Phone numbers: what people type → E.164, or one clear refusal.

Pure functions; no ORM. `normalise()` accepts the ways people write a number (spaces,
dashes, dots, `00` and `(0)` prefixes, a leading `+`, full-width or Arabic-Indic digits)
and refuses everything that is not a valid mobile number in an allowed region.
"""

from __future__ import annotations

import unicodedata

import phonenumbers
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from phonenumbers import PhoneNumberType

# Longer than any real number written with generous spacing; longer input is refused
# before parsing (phonenumbers itself caps at 250 characters).
MAX_INPUT_LENGTH = 40

# Types that can receive our code on WhatsApp or by SMS. FIXED_LINE_OR_MOBILE is what
# the metadata says for countries (US, CA…) where the two cannot be told apart.
MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}

INVALID_NUMBER = _(
    "Enter a valid mobile phone number, for example %(national)s or %(international)s."
)
REGION_NOT_SERVED = _(
    "We can only send codes to mobile numbers in the EU, the EEA, the UK and Switzerland."
)


def _invalid(region: str) -> InvalidNumber:
    example = phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE)
    if example is None:
        example = phonenumbers.example_number_for_type("NL", PhoneNumberType.MOBILE)
    fmt = phonenumbers.format_number
    return InvalidNumber(
        INVALID_NUMBER
        % {
            "national": fmt(example, phonenumbers.PhoneNumberFormat.NATIONAL),
            "international": fmt(example, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
        }
    )


class InvalidNumber(ValueError):
    """The input is not a mobile number we can send a code to. `message` is for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(str(message))
        self.message = message


def normalise(raw: str, *, region: str | None = None) -> str:
    """Return the E.164 form of a mobile number typed by a person.

    `region` is the default country for numbers written without a country code
    (`DSAR_COUNTRY`). Raises `InvalidNumber` for anything else, including premium-rate,
    shared-cost, toll-free, VoIP and landline numbers, control characters and over-long
    input.
    """
    region = (region or settings.DSAR_COUNTRY).upper()
    if not isinstance(raw, str) or len(raw) > MAX_INPUT_LENGTH:
        raise _invalid(region)
    # SECURITY: refuse control and format characters (CR, LF, NUL, bidi overrides…)
    # instead of stripping them: they never belong in a number and may target logs.
    if any(unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Cn"} for ch in raw):
        raise _invalid(region)
    text = raw.strip()
    if not text:
        raise _invalid(region)
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise _invalid(region) from None
    if number.extension or not phonenumbers.is_valid_number(number):
        raise _invalid(region)
    if phonenumbers.number_type(number) not in MOBILE_TYPES:
        raise _invalid(region)
    if phonenumbers.region_code_for_number(number) not in allowed_regions():
        raise InvalidNumber(REGION_NOT_SERVED)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def allowed_regions() -> set[str]:
    return {r.upper() for r in settings.VERIFICATION_ALLOWED_REGIONS} | {
        settings.DSAR_COUNTRY.upper()
    }


def normalise_stored(raw: str | None, *, region: str | None = None) -> str | None:
    """Best-effort E.164 for a number stored elsewhere (any type, any region), else None.

    Used when reading other systems' data, where landlines and odd formats occur: it never
    raises and never decides whether we would send a code there.
    """
    if not raw:
        return None
    try:
        number = phonenumbers.parse(str(raw), (region or settings.DSAR_COUNTRY).upper())
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def pretty(e164: str) -> str:
    """An E.164 number in international format for display (+31 6 12345678)."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
