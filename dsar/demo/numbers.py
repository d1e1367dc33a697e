"""Phone numbers for the demo: random valid numbers and the ways systems store them.

Numbers are made as E.164 and then written the way real contact-centre data has them:
mostly E.164, sometimes Dutch national formats ("06-12345678", "070-1234567"), spaced
international ("+31 6 1234 5678") or with a 00 prefix ("0031612345678"). Only Dutch
numbers are written nationally, so a reader normalising with region NL gets them right.
"""

from __future__ import annotations

import random

import phonenumbers

# Dutch mobiles come from 063–065 only: the test personas and factories use 061/062/068.
_NL_MOBILE = ("+316", 30_000_000, 59_999_999)
_NL_AREA = ("10", "20", "30", "40", "50", "70", "71", "73", "76", "79")
_RU_CODES = ("903", "905", "915", "916", "925", "926", "985", "999")


class NumberMaker:
    """Makes unique, valid E.164 numbers per country from one random generator."""

    def __init__(self, rng: random.Random, taken: set[str]) -> None:
        self.rng = rng
        self.taken = taken

    def mobile(self, country: str) -> str:
        return self._unique(lambda: self._mobile(country))

    def landline(self) -> str:
        rng = self.rng
        return self._unique(lambda: f"+31{rng.choice(_NL_AREA)}{rng.randint(2_000_000, 9_999_999)}")

    def _mobile(self, country: str) -> str:
        rng = self.rng
        if country == "SE":
            return f"+467{rng.choice('0236')}{rng.randrange(10**7):07d}"
        if country == "RU":
            return f"+7{rng.choice(_RU_CODES)}{rng.randrange(10**7):07d}"
        if country == "GB":
            return f"+447{rng.choice('4578')}{rng.randrange(10**8):08d}"
        prefix, low, high = _NL_MOBILE
        return f"{prefix}{rng.randint(low, high)}"

    def _unique(self, make) -> str:
        while True:
            number = make()
            if number not in self.taken and _valid(number):
                self.taken.add(number)
                return number


def _valid(e164: str) -> bool:
    return phonenumbers.is_valid_number(phonenumbers.parse(e164, None))


def written(e164: str, style: str) -> str:
    """`e164` as a person or a system might have stored it (`style` from STYLES)."""
    if style == "e164":
        return e164
    if style == "intl00":
        return "00" + e164[1:]
    if not e164.startswith("+31"):
        # Foreign numbers are never written nationally (their region would be unknown).
        parsed = phonenumbers.parse(e164, None)
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    rest = e164[3:]
    mobile = rest.startswith("6")
    area, subscriber = (rest[:1], rest[1:]) if mobile else (rest[:2], rest[2:])
    if style == "dashed":
        return f"0{area}-{subscriber}"
    if style == "compact":
        return f"0{rest}"
    if style == "spaced" and mobile:
        return f"06 {' '.join(subscriber[i : i + 2] for i in range(0, 8, 2))}"
    if style == "spaced":
        return f"0{area} {subscriber[:3]} {subscriber[3:]}"
    # "international": +31 6 1234 5678 / +31 70 123 4567
    if mobile:
        return f"+31 6 {subscriber[:4]} {subscriber[4:]}"
    return f"+31 {area} {subscriber[:3]} {subscriber[3:]}"


STYLES = ("e164", "dashed", "international", "intl00", "spaced", "compact")
# Contact-centre records: mostly E.164, the rest typed by hand or imported.
STORED_WEIGHTS = (70, 10, 8, 5, 4, 3)
# Calling-line identity from the telephony platform: usually national, no separators.
CALLER_WEIGHTS = (30, 5, 0, 15, 0, 50)
