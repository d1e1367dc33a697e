"""The legal clock: pure date arithmetic, no ORM.

GDPR Art. 12(3) with months counted as Regulation 1182/71 does: 30 days after the local
date of receipt, never later than the same day number one calendar month on (clamped to
the month's end), rolled forward past weekends and public holidays of the country. The
same machinery serves the other policies (CCPA, LGPD) the portal can be switched to.

Public holidays come from the `holidays` package's default ("public") category for the
country, so de facto days off such as Swedish Midsummer Eve count as working days.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.formats import human_date


@dataclass(frozen=True)
class Policy:
    """How long a jurisdiction gives us to answer, all counted from the local date of receipt.

    `days` calendar days, capped at one calendar month when `month_cap` is set. An extended
    deadline is `extension_months` calendar months or `extension_days` calendar days after
    receipt (a total, not an addition to the first deadline); neither means no extension.
    Every deadline is rolled forward to a working day. `acknowledge_business_days`, when set,
    is how many working days after receipt the receipt must be acknowledged.
    """

    code: str
    label: str | Promise
    days: int
    month_cap: bool = False
    extension_days: int | None = None
    extension_months: int | None = None
    acknowledge_business_days: int | None = None


POLICIES: dict[str, Policy] = {
    # GDPR Art. 12(3): one month, extendable by two more (three months after receipt).
    "gdpr": Policy("gdpr", _("GDPR (EU)"), days=30, month_cap=True, extension_months=3),
    # CCPA regulations: 45 calendar days plus one extension of 45; acknowledge in 10 business days.
    "ccpa": Policy(
        "ccpa",
        _("CCPA/CPRA (California)"),
        days=45,
        extension_days=90,
        acknowledge_business_days=10,
    ),
    # LGPD Art. 19(II): a complete answer within 15 days, no extension.
    "lgpd": Policy("lgpd", _("LGPD (Brazil)"), days=15),
}


def received_on(received_at: datetime, *, tz: str | ZoneInfo) -> date:
    """The local date of receipt of an aware datetime in time zone `tz`.

    Raises ValueError for a naive datetime: its date would depend on the server's zone.
    """
    if received_at.tzinfo is None or received_at.utcoffset() is None:
        raise ValueError("received_at must be timezone-aware")
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    return received_at.astimezone(zone).date()


def add_months(d: date, months: int) -> date:
    """The same day number `months` later, or that month's last day (31 Jan + 1 → 28/29 Feb)."""
    index = d.month - 1 + months
    year, month = d.year + index // 12, index % 12 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


@lru_cache(maxsize=256)
def _holidays(country: str, year: int) -> frozenset[date]:
    # Building a calendar is slow compared with the lookups; every deadline asks again.
    days = set(holidays.country_holidays(country, years=year).keys())
    if country == "NL":
        # The Algemene termijnenwet (art. 3), which governs Dutch time limits, lists
        # 5 May every year and not Good Friday; the package follows common practice
        # instead (5 May every fifth year, Good Friday always). A day too many would let
        # a deadline slip past the legal one.
        days.add(date(year, 5, 5))
        days.discard(_easter(year) - timedelta(days=2))
    return frozenset(days)


def _easter(year: int) -> date:
    from dateutil.easter import easter

    return easter(year)


def is_working_day(d: date, *, country: str) -> bool:
    """Monday to Friday and not a public holiday of `country` (an ISO code such as "NL").

    Raises NotImplementedError (from `holidays`) for a country it does not know.
    """
    return d.weekday() < 5 and d not in _holidays(country.upper(), d.year)


def next_working_day(d: date, *, country: str) -> date:
    """`d` itself when it is a working day, else the first working day after it."""
    while not is_working_day(d, country=country):
        d += timedelta(days=1)
    return d


def add_working_days(d: date, n: int, *, country: str) -> date:
    """The n-th working day after `d`; n = 0 gives `d` unchanged. Raises ValueError if n < 0."""
    if n < 0:
        raise ValueError("n must not be negative")
    while n > 0:
        d += timedelta(days=1)
        if is_working_day(d, country=country):
            n -= 1
    return d


def working_days_between(start: date, end: date, *, country: str) -> int:
    """Working days after `start` up to and including `end`.

    0 when `end` is `start`. When `end` is before `start` the count runs the other way and
    is negative: minus the working days after `end` up to and including `start`.
    """
    if end < start:
        return -working_days_between(end, start, country=country)
    count, d = 0, start
    while d < end:
        d += timedelta(days=1)
        count += is_working_day(d, country=country)
    return count


def _policy(policy: str | Policy) -> Policy:
    if isinstance(policy, Policy):
        return policy
    try:
        return POLICIES[policy]
    except KeyError:
        raise ValueError(f"unknown deadline policy {policy!r}") from None


def policy_due_date(received_on: date, *, country: str, policy: str | Policy = "gdpr") -> date:
    """The first deadline under `policy`, rolled forward to a working day of `country`.

    Raises ValueError for an unknown policy code.
    """
    p = _policy(policy)
    last = received_on + timedelta(days=p.days)
    if p.month_cap:
        last = min(last, add_months(received_on, 1))
    return next_working_day(last, country=country)


def policy_extended_due_date(
    received_on: date, *, country: str, policy: str | Policy = "gdpr"
) -> date:
    """The deadline after the one extension `policy` allows, rolled to a working day.

    Raises ValueError for an unknown policy or one without an extension (LGPD).
    """
    p = _policy(policy)
    if p.extension_months is not None:
        last = add_months(received_on, p.extension_months)
    elif p.extension_days is not None:
        last = received_on + timedelta(days=p.extension_days)
    else:
        raise ValueError(f"the {p.code} policy allows no extension")
    return next_working_day(last, country=country)


def acknowledge_by(
    received_on: date, *, country: str, policy: str | Policy = "gdpr"
) -> date | None:
    """The last day to acknowledge receipt, or None when `policy` asks for no acknowledgement."""
    p = _policy(policy)
    if p.acknowledge_business_days is None:
        return None
    return add_working_days(received_on, p.acknowledge_business_days, country=country)


def due_date(received_on: date, *, country: str) -> date:
    """GDPR: 30 days after receipt, capped at one calendar month, rolled to a working day."""
    return policy_due_date(received_on, country=country, policy="gdpr")


def extended_due_date(received_on: date, *, country: str) -> date:
    """GDPR: three calendar months after receipt (the month plus two), rolled to a working day."""
    return policy_extended_due_date(received_on, country=country, policy="gdpr")


def explain(
    received_at_local_date: date, due: date, *, channel_label: str, extended: bool = False
) -> str:
    """One translatable line: "received Fri 31 Jan via the portal → due Fri 28 Feb".

    Dates read as the active language writes them (WEEKDAY_MONTH_DAY_FORMAT: "vr 31 jan").
    """
    values = {
        "received": human_date(received_at_local_date, "WEEKDAY_MONTH_DAY_FORMAT"),
        "channel": channel_label,
        "due": human_date(due, "WEEKDAY_MONTH_DAY_FORMAT"),
    }
    if extended:
        return gettext("received %(received)s via %(channel)s → due %(due)s (extended)") % values
    return gettext("received %(received)s via %(channel)s → due %(due)s") % values
