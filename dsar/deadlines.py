"""The legal clock: pure date arithmetic, no ORM.

GDPR Art. 12(3) with months counted as Regulation 1182/71 does: 30 days after the local
date of receipt, never later than the same day number one calendar month on (clamped to
the month's end), rolled forward past weekends and public holidays of the country.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays


def received_on(received_at: datetime, *, tz: str | ZoneInfo) -> date:
    """The local date of receipt of an aware datetime in time zone `tz`."""
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
    return frozenset(holidays.country_holidays(country.upper(), years=year).keys())


def is_working_day(d: date, *, country: str) -> bool:
    return d.weekday() < 5 and d not in _holidays(country, d.year)


def next_working_day(d: date, *, country: str) -> date:
    """`d` itself when it is a working day, else the first working day after it."""
    while not is_working_day(d, country=country):
        d += timedelta(days=1)
    return d


def add_working_days(d: date, n: int, *, country: str) -> date:
    """The n-th working day after `d` (n ≥ 0; n = 0 gives `d`)."""
    while n > 0:
        d += timedelta(days=1)
        if is_working_day(d, country=country):
            n -= 1
    return d


def working_days_between(start: date, end: date, *, country: str) -> int:
    """Working days after `start` up to and including `end`; negative when end < start."""
    if end < start:
        return -working_days_between(end, start, country=country)
    count, d = 0, start
    while d < end:
        d += timedelta(days=1)
        count += is_working_day(d, country=country)
    return count


def due_date(received_on: date, *, country: str) -> date:
    """30 days after receipt, capped at one calendar month, rolled to a working day."""
    last = min(received_on + timedelta(days=30), add_months(received_on, 1))
    return next_working_day(last, country=country)


def extended_due_date(received_on: date, *, country: str) -> date:
    """Three calendar months after receipt (the month plus two), rolled to a working day."""
    return next_working_day(add_months(received_on, 3), country=country)
