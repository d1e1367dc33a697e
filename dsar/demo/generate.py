"""Rows for the demo tables, made fast and deterministically from one seed.

Faker is called only to fill small pools (names, e-mail addresses, streets…); every row
then samples those pools with one `random.Random(seed)`, so a million messages cost a few
seconds of Python and the same seed always gives the same database.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from . import texts
from .numbers import CALLER_WEIGHTS, STORED_WEIGHTS, STYLES, NumberMaker, written
from .personas import CONSENT_ONLY, FIRST, HEAVY, PERSONAS, UNKNOWN
from .pools import LOCALES, Pools

LOCALE_WEIGHTS = (60, 14, 13, 13)
# Where each locale's customers' mobile numbers come from: (country, share).
HOME_COUNTRY = {
    "nl_NL": ("NL", 1.0),
    "en_GB": ("GB", 0.5),
    "sv_SE": ("SE", 0.75),
    "ru_RU": ("RU", 0.35),
}
# The moment the demo data ends: fixed, so one seed always gives the same database.
DEMO_NOW = datetime(2026, 11, 1, tzinfo=UTC)
DAY = 86_400
# Where the demo's call recordings live in the "recordings" storage.
RECORDINGS_PREFIX = "demo"
YEAR = 365 * DAY


def ts(seconds: int) -> str:
    """A UTC timestamp with its offset: aware on read on SQLite and PostgreSQL alike."""
    return time.strftime("%Y-%m-%d %H:%M:%S+00:00", time.gmtime(seconds))


def day(seconds: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(seconds))


def _between(rng: random.Random, earliest: int, latest: int) -> int:
    return rng.randint(earliest, max(earliest, latest))


def _daytime(
    rng: random.Random, earliest: int, latest: int, first_hour: int, last_hour: int
) -> int:
    """A moment on a random day between two instants, during opening hours (UTC)."""
    midnight = _between(rng, earliest, latest) // DAY * DAY
    return midnight + rng.randint(first_hour * 3600, last_hour * 3600)


@dataclass
class Contact:
    id: int
    locale: str
    created: int
    contract_end: int | None
    # (E.164, written style from numbers.STYLES, channel, is_primary)
    numbers: list[tuple[str, str, str, bool]] = field(default_factory=list)

    @property
    def lang(self) -> str:
        return self.locale[:2]


class DemoData:
    """All rows of one demo database, generated lazily table by table."""

    def __init__(self, *, subjects: int, messages: int, seed: int, now: datetime) -> None:
        self.subjects = subjects
        self.messages = messages
        self.rng = random.Random(seed)
        self.now = int(now.timestamp())
        taken = {n for p in PERSONAS for n, *_ in p.numbers} | {CONSENT_ONLY, UNKNOWN}
        self.numbers = NumberMaker(self.rng, taken)
        size = min(2000, max(50, subjects // 2))
        self.pools = Pools(seed, size=size, rng=self.rng, today=now.date())
        self.contacts: list[Contact] = []
        self.shared: set[str] = set()

    def tables(self) -> Iterator[tuple[str, Iterator[tuple]]]:
        """(table, rows) in load order; each row lists the columns as `schema.columns()` does."""
        yield "contacts", self._contacts()
        yield "contact_numbers", self._contact_numbers()
        conversations = self._plan_conversations()
        yield "conversations", self._conversations(conversations)
        yield "messages", self._messages(conversations)
        yield "channel_consents", self._consents()
        yield "marketing_list_members", self._list_members()
        yield "call_recordings", self._recordings()
        yield "payments", self._payments()

    # contacts and their numbers

    def _contacts(self) -> Iterator[tuple]:
        rng, pools, now = self.rng, self.pools, self.now
        for i in range(1, self.subjects + 1):
            persona = PERSONAS[i - 1] if i <= len(PERSONAS) else None
            locale = persona.locale if persona else rng.choices(LOCALES, LOCALE_WEIGHTS)[0]
            created = now - rng.randint(30 * DAY, 10 * YEAR)
            ended = i > len(PERSONAS) and rng.random() < 0.25 and created < now - 200 * DAY
            end = rng.randint(created + 180 * DAY, now) if ended else None
            contact = Contact(i, locale, created, end)
            contact.numbers = list(persona.numbers) if persona else self._numbers_for(contact)
            self.contacts.append(contact)
            locale = contact.locale  # a household shares the first member's language
            email = rng.choice(pools.emails[locale]) if rng.random() < 0.8 or persona else None
            postal = rng.choice(pools.postcodes[locale]) if rng.random() < 0.95 else None
            born = date.fromordinal(rng.randint(_BORN_FROM, _BORN_TO)).isoformat()
            yield (
                i,
                f"CN{(i * 7919) % 10**8:08d}",
                rng.choice(pools.names[locale]),
                email,
                postal,
                born if rng.random() < 0.9 or persona else None,
                locale,
                day(created),
                day(end) if end else None,
                ts(created),
            )

    def _numbers_for(self, contact: Contact) -> list[tuple[str, str, str, bool]]:
        rng = self.rng
        channel = "whatsapp" if rng.random() < 0.8 else "sms"
        style = rng.choices(STYLES, STORED_WEIGHTS)[0]
        previous = self.contacts[-1] if len(self.contacts) > len(PERSONAS) else None
        if previous and rng.random() < 0.04 and previous.numbers[0][0] not in self.shared:
            # A household: this contact uses the previous contact's number.
            contact.locale = previous.locale
            self.shared.add(previous.numbers[0][0])
            return [(previous.numbers[0][0], style, channel, True)]
        country, share = HOME_COUNTRY[contact.locale]
        numbers = [
            (self.numbers.mobile(country if rng.random() < share else "NL"), style, channel, True)
        ]
        if rng.random() < 0.10:
            if rng.random() < 0.25:
                numbers.append(
                    (self.numbers.landline(), rng.choice(("dashed", "e164")), "voice", False)
                )
            else:
                second = self.numbers.mobile(rng.choice(("NL", country)))
                numbers.append((second, rng.choices(STYLES, STORED_WEIGHTS)[0], "sms", False))
        return numbers

    def _contact_numbers(self) -> Iterator[tuple]:
        row_id = 0
        for contact in self.contacts:
            for e164, style, channel, primary in contact.numbers:
                row_id += 1
                yield (row_id, contact.id, written(e164, style), channel, primary)

    # conversations and messages

    def _plan_conversations(self) -> list[tuple]:
        """(id, contact, topic, start, span, count) for every conversation, in id order."""
        rng, plan = self.rng, []
        budget = self.messages
        heavy = min(50_000, self.messages // 20)
        wanted = [(self.contacts[HEAVY - 1], heavy), (self.contacts[FIRST - 1], 20)]
        for contact, share in wanted:
            while share > 0 and budget > 0:
                count = min(rng.randint(2, 14), share, budget)
                plan.append(self._conversation(len(plan) + 1, contact, count))
                share, budget = share - count, budget - count
        while budget > 0:
            count = min(rng.randint(2, 14), budget)
            contact = self.contacts[rng.randrange(len(self.contacts))]
            plan.append(self._conversation(len(plan) + 1, contact, count))
            budget -= count
        return plan

    def _conversation(self, conv_id: int, contact: Contact, count: int) -> tuple:
        rng = self.rng
        span = count * rng.randint(40, 600)
        latest = max(contact.created, (contact.contract_end or self.now) - span - DAY)
        start = _daytime(rng, contact.created, latest, 6, 21)
        return (conv_id, contact, rng.choice(texts.TOPICS), start, span, count)

    def _conversations(self, plan: list[tuple]) -> Iterator[tuple]:
        rng, agents, now = self.rng, self.pools.agents, self.now
        for conv_id, contact, topic, start, span, _count in plan:
            closed = start + span + rng.randint(60, 3600)
            agent = rng.choice(agents) if rng.random() < 0.95 else None
            channel = contact.numbers[0][2]
            yield (
                conv_id,
                contact.id,
                channel,
                ts(start),
                ts(closed) if closed < now else None,
                topic,
                agent,
            )

    def _messages(self, plan: list[tuple]) -> Iterator[tuple]:
        rand, bodies, generic = self.rng.random, self.pools.bodies, self.pools.generic
        message_id = 0
        for conv_id, contact, topic, start, span, count in plan:
            topical, chatter = bodies[contact.lang, topic], generic[contact.lang]
            step = span / count
            for j in range(count):
                message_id += 1
                sent = ts(int(start + step * (j + rand())))
                pool = topical if j == 0 or rand() < 0.7 else chatter
                if j % 2 == 0:
                    body = pool[0][int(rand() * len(pool[0]))]
                    yield (message_id, conv_id, sent, "in", body, "read")
                else:
                    body = pool[1][int(rand() * len(pool[1]))]
                    status = _OUT_STATUSES[int(rand() * len(_OUT_STATUSES))]
                    yield (message_id, conv_id, sent, "out", body, status)

    # consents, marketing, calls, payments

    def _consents(self) -> Iterator[tuple]:
        rng, now, seen = self.rng, self.now, set()
        row_id = 0
        for contact in self.contacts:
            for e164, _style, channel, primary in contact.numbers:
                if e164 in seen or channel == "voice":
                    continue
                seen.add(e164)
                row_id += 1
                given = contact.created + rng.randint(0, 30 * DAY)
                evidence = rng.choice(texts.SERVICE_EVIDENCE[channel])
                yield (row_id, e164, channel, "service", ts(given), None, evidence)
                if contact.id in (FIRST, HEAVY) or (primary and rng.random() < 0.35):
                    row_id += 1
                    given = _between(rng, given, now - DAY)
                    withdrawn = contact.id == HEAVY or (contact.id != FIRST and rng.random() < 0.25)
                    gone = ts(_between(rng, given, now)) if withdrawn else None
                    evidence = rng.choice(texts.MARKETING_EVIDENCE)
                    yield (row_id, e164, channel, "marketing", ts(given), gone, evidence)
        prospects = [CONSENT_ONLY] + [self.numbers.mobile("NL") for _ in range(self.subjects // 20)]
        for e164 in prospects:
            row_id += 1
            given = now - rng.randint(DAY, 2 * YEAR)
            channel = rng.choice(("whatsapp", "sms"))
            yield (
                row_id,
                e164,
                channel,
                "marketing",
                ts(given),
                None,
                rng.choice(texts.PROSPECT_EVIDENCE),
            )

    def _list_members(self) -> Iterator[tuple]:
        rng, row_id = self.rng, 0
        for contact in self.contacts:
            if contact.id != FIRST and rng.random() >= 0.3:
                continue
            lists = texts.MARKETING_LISTS[contact.lang]
            for list_name in rng.sample(lists, rng.randint(1, min(2, len(lists)))):
                row_id += 1
                joined = rng.randint(contact.created, self.now)
                yield (row_id, contact.id, list_name, ts(joined), rng.choice(texts.LIST_SOURCES))

    def _recordings(self) -> Iterator[tuple]:
        rng, agents, contacts = self.rng, self.pools.agents, self.contacts
        for row_id in range(1, int(self.subjects * 0.8) + 2):
            if row_id == 1:
                # The first contact called once; the platform wrote the number nationally.
                e164, style = contacts[FIRST - 1].numbers[0][0], "dashed"
                started = self.now - 40 * DAY
            elif rng.random() < 0.8:
                contact = contacts[rng.randrange(len(contacts))]
                e164 = rng.choice(contact.numbers)[0]
                style = rng.choices(STYLES, CALLER_WEIGHTS)[0]
                started = _daytime(rng, contact.created, self.now - DAY, 7, 17)
            else:
                e164 = self.numbers.mobile("NL") if rng.random() < 0.7 else self.numbers.landline()
                style = rng.choices(STYLES, CALLER_WEIGHTS)[0]
                started = _daytime(rng, self.now - 3 * YEAR, self.now - DAY, 7, 17)
            folder = time.strftime("%Y/%m/%d", time.gmtime(started))
            # A key in the "recordings" storage; seed() writes a short audio file for it.
            uri = f"{RECORDINGS_PREFIX}/{folder}/{rng.getrandbits(64):016x}.wav"
            agent = rng.choice(agents) if rng.random() < 0.97 else None
            yield (row_id, written(e164, style), ts(started), rng.randint(20, 1800), uri, agent)

    def _payments(self) -> Iterator[tuple]:
        rng, row_id = self.rng, 0
        for contact in self.contacts:
            monthly = rng.randint(999, 8999)
            currency = "SEK" if contact.locale == "sv_SE" and rng.random() < 0.5 else "EUR"
            country = {"sv_SE": "SE", "en_GB": "GB"}.get(contact.locale, "NL")
            iban = (
                f"{country}** **** **** **** {rng.randrange(10**4):04d}"
                if rng.random() < 0.9
                else None
            )
            end = contact.contract_end or self.now
            # Quarterly, the newest 40 (ten years): the oldest are past the 7-year term.
            due = list(range(contact.created + 10 * DAY, end, 91 * DAY))[-40:]
            for paid in due:
                row_id += 1
                paid += rng.randint(0, 5 * DAY)
                amount = monthly * 3 + rng.choice((0, 0, 0, 250, -250))
                ref = f"INV-{time.gmtime(paid).tm_year}-{row_id:07d}"
                yield (row_id, contact.id, ts(paid), amount, currency, iban, ref)


# What agents' messages did: mostly read, a few never arrived.
_OUT_STATUSES = ("read",) * 35 + ("delivered",) * 10 + ("sent",) * 4 + ("failed",)
_BORN_FROM, _BORN_TO = date(1940, 1, 1).toordinal(), date(2006, 12, 31).toordinal()
