"""The fixed first contacts of every demo database, and the numbers a README can name.

Whatever the size and seed, contacts 1–6 are these people (their names and histories come
from the seed) and the numbers below exist, or deliberately do not.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Persona:
    locale: str
    # (E.164, written style from numbers.STYLES, channel, is_primary)
    numbers: tuple[tuple[str, str, str, bool], ...]


PERSONAS = (
    Persona("nl_NL", (("+31610000001", "e164", "whatsapp", True),)),
    Persona("nl_NL", (("+31610000002", "dashed", "whatsapp", True),)),
    Persona("nl_NL", (("+31610000002", "international", "sms", True),)),
    Persona(
        "sv_SE",
        (("+46700000004", "e164", "whatsapp", True), ("+31610000004", "intl00", "sms", False)),
    ),
    Persona("nl_NL", (("+31610000005", "e164", "whatsapp", True),)),
    Persona("ru_RU", (("+31610000006", "compact", "whatsapp", True),)),
)
FIRST, HEAVY = 1, 5
CONSENT_ONLY = "+31610000007"
UNKNOWN = "+31610000009"

DEMO_NUMBERS = {
    "first_contact": "+31610000001",  # contact 1: WhatsApp, every table has rows for it
    "household": "+31610000002",  # contacts 2 and 3 share it, stored in two formats
    "two_numbers": "+46700000004",  # contact 4 (Swedish) also has +31610000004 for SMS
    "two_numbers_second": "+31610000004",
    "heavy": "+31610000005",  # contact 5: 5% of all messages, at most 50,000
    "national_format": "+31610000006",  # contact 6 (Russian), stored as 0610000006
    "consent_only": CONSENT_ONLY,  # a prospect: only a marketing consent, no contact
    "unknown": UNKNOWN,  # never stored anywhere
}
