"""The legal clock. Every expected date was counted by hand and checked against a calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from dsar import deadlines
from dsar.deadlines import POLICIES, Policy

AMS = ZoneInfo("Europe/Amsterdam")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("received_at", "tz", "expected"),
    [
        # Midnight boundary in winter (UTC+1): 23:30 UTC on 31 Jan is 00:30 on 1 Feb.
        (utc(2025, 1, 31, 23, 30), "Europe/Amsterdam", date(2025, 2, 1)),
        (utc(2025, 1, 31, 22, 59), "Europe/Amsterdam", date(2025, 1, 31)),
        # In summer (UTC+2) 22:59 UTC is already 00:59 the next day.
        (utc(2025, 6, 30, 22, 59), "Europe/Amsterdam", date(2025, 7, 1)),
        (utc(2025, 6, 30, 21, 59), "Europe/Amsterdam", date(2025, 6, 30)),
        # Spring forward, Sunday 30 March 2025 at 01:00 UTC.
        (utc(2025, 3, 29, 23, 30), "Europe/Amsterdam", date(2025, 3, 30)),
        (utc(2025, 3, 30, 21, 59), "Europe/Amsterdam", date(2025, 3, 30)),
        (utc(2025, 3, 30, 22, 0), "Europe/Amsterdam", date(2025, 3, 31)),
        # Fall back, Sunday 26 October 2025 at 01:00 UTC.
        (utc(2025, 10, 25, 21, 59), "Europe/Amsterdam", date(2025, 10, 25)),
        (utc(2025, 10, 25, 22, 0), "Europe/Amsterdam", date(2025, 10, 26)),
        (utc(2025, 10, 26, 22, 59), "Europe/Amsterdam", date(2025, 10, 26)),
        (utc(2025, 10, 26, 23, 0), "Europe/Amsterdam", date(2025, 10, 27)),
        # A ZoneInfo works as well as its name; an aware non-UTC input is converted.
        (utc(2025, 1, 31, 23, 30), AMS, date(2025, 2, 1)),
        (utc(2025, 1, 31, 23, 30), "UTC", date(2025, 1, 31)),
        (
            datetime(2025, 2, 1, 3, 30, tzinfo=timezone(timedelta(hours=5))),  # 23:30 in NL
            "Europe/Amsterdam",
            date(2025, 1, 31),
        ),
    ],
)
def test_it_finds_the_local_date_of_receipt(received_at, tz, expected):
    assert deadlines.received_on(received_at, tz=tz) == expected


def test_it_rejects_a_naive_datetime():
    with pytest.raises(ValueError, match="timezone-aware"):
        deadlines.received_on(datetime(2025, 1, 31, 23, 30), tz="Europe/Amsterdam")


@pytest.mark.parametrize(
    ("received", "country", "expected"),
    [
        # Month ends: one calendar month is shorter than 30 days.
        (date(2025, 1, 31), "NL", date(2025, 2, 28)),  # Fri
        (date(2025, 1, 30), "NL", date(2025, 2, 28)),  # Fri
        (date(2025, 1, 29), "NL", date(2025, 2, 28)),  # 30 days and the month agree
        (date(2025, 3, 31), "NL", date(2025, 4, 30)),  # Wed
        (date(2025, 8, 31), "NL", date(2025, 9, 30)),  # Tue
        (date(2023, 8, 31), "NL", date(2023, 10, 2)),  # 30 Sep is a Saturday → Mon
        (date(2024, 12, 31), "NL", date(2025, 1, 30)),  # Thu, across the year end
        # 30 days is earlier than the month.
        (date(2025, 3, 5), "NL", date(2025, 4, 4)),  # Fri
        (date(2025, 2, 28), "NL", date(2025, 3, 28)),  # Fri, the month caps at 28 Mar
        # Leap years: 2024 and 2000 have 29 February, 2100 does not.
        (date(2024, 1, 31), "NL", date(2024, 2, 29)),  # Thu
        (date(2000, 1, 31), "NL", date(2000, 2, 29)),  # Tue
        (date(2100, 1, 31), "NL", date(2100, 3, 1)),  # 28 Feb is a Sunday → Mon
        (date(2024, 2, 1), "NL", date(2024, 3, 1)),  # Fri
        (date(2025, 2, 1), "NL", date(2025, 3, 3)),  # 1 Mar is a Saturday → Mon
        # Weekends.
        (date(2025, 1, 2), "NL", date(2025, 2, 3)),  # Sat 1 Feb → Mon
        (date(2025, 1, 3), "NL", date(2025, 2, 3)),  # Sun 2 Feb → Mon
        # Dutch holidays.
        (date(2025, 11, 25), "NL", date(2025, 12, 29)),  # Thu 25 + Fri 26 Dec, weekend → Mon
        (date(2026, 3, 28), "NL", date(2026, 4, 28)),  # King's Day, Mon 27 Apr 2026 → Tue
        (date(2025, 3, 22), "NL", date(2025, 4, 22)),  # Easter Monday 21 Apr 2025 → Tue
        (date(2025, 4, 29), "NL", date(2025, 5, 30)),  # Ascension, Thu 29 May 2025 → Fri
        (date(2025, 5, 10), "NL", date(2025, 6, 10)),  # Whit Monday 9 Jun 2025 → Tue
        # Swedish holidays; the same dates are working days in the Netherlands.
        (date(2025, 5, 7), "SE", date(2025, 6, 9)),  # National Day Fri 6 Jun, weekend → Mon
        (date(2025, 5, 7), "NL", date(2025, 6, 6)),
        (date(2024, 12, 7), "SE", date(2025, 1, 7)),  # Epiphany Mon 6 Jan 2025 → Tue
        (date(2024, 12, 7), "NL", date(2025, 1, 6)),
        (date(2025, 5, 21), "SE", date(2025, 6, 20)),  # Midsummer Eve is not a public holiday
        (date(2024, 2, 29), "SE", date(2024, 4, 2)),  # Good Friday 29 Mar, Easter → Tue
        (date(2025, 1, 31), "nl", date(2025, 2, 28)),  # the country code is case-insensitive
    ],
)
def test_it_computes_the_gdpr_due_date(received, country, expected):
    assert deadlines.due_date(received, country=country) == expected
    assert deadlines.policy_due_date(received, country=country) == expected


@pytest.mark.parametrize(
    ("received", "country", "expected"),
    [
        (date(2025, 1, 31), "NL", date(2025, 4, 30)),  # Wed
        (date(2024, 11, 30), "NL", date(2025, 2, 28)),  # clamped to February's end, Fri
        (date(2023, 11, 30), "NL", date(2024, 2, 29)),  # leap year, Thu
        (date(2025, 3, 5), "NL", date(2025, 6, 5)),  # Thu
        (date(2025, 10, 31), "NL", date(2026, 2, 2)),  # Sat 31 Jan 2026 → Mon
        (date(2025, 11, 15), "NL", date(2026, 2, 16)),  # Sun 15 Feb 2026 → Mon
        (date(2025, 1, 26), "NL", date(2025, 4, 28)),  # King's Day on Sat 26 Apr 2025 → Mon
        (date(2025, 9, 25), "NL", date(2025, 12, 29)),  # Christmas 2025 → Mon
        (date(2025, 3, 6), "SE", date(2025, 6, 9)),  # National Day Fri 6 Jun → Mon
    ],
)
def test_it_computes_the_extended_due_date(received, country, expected):
    assert deadlines.extended_due_date(received, country=country) == expected


@pytest.mark.parametrize(
    ("day", "country", "expected"),
    [
        (date(2025, 2, 28), "NL", True),  # Fri
        (date(2025, 3, 1), "NL", False),  # Sat
        (date(2025, 3, 2), "NL", False),  # Sun
        (date(2026, 4, 27), "NL", False),  # King's Day
        (date(2025, 6, 6), "SE", False),  # National Day
        (date(2025, 6, 6), "NL", True),
        (date(2025, 6, 20), "SE", True),  # Midsummer Eve: de facto, not public
        (date(2025, 1, 20), "US", False),  # Martin Luther King Jr. Day
    ],
)
def test_it_tells_working_days(day, country, expected):
    assert deadlines.is_working_day(day, country=country) is expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 2, 28), date(2025, 2, 28)),  # a working day is its own answer
        (date(2025, 3, 1), date(2025, 3, 3)),
        (date(2025, 12, 25), date(2025, 12, 29)),
        (date(2025, 12, 31), date(2025, 12, 31)),
        (date(2026, 1, 1), date(2026, 1, 2)),  # New Year's Day, across the year end
    ],
)
def test_it_finds_the_next_working_day(day, expected):
    assert deadlines.next_working_day(day, country="NL") == expected


@pytest.mark.parametrize(
    ("day", "n", "country", "expected"),
    [
        (date(2025, 2, 28), 0, "NL", date(2025, 2, 28)),
        (date(2025, 3, 1), 0, "NL", date(2025, 3, 1)),  # n = 0 does not roll
        (date(2025, 2, 28), 1, "NL", date(2025, 3, 3)),
        (date(2025, 2, 24), 5, "NL", date(2025, 3, 3)),  # Mon + 5 → next Mon
        (date(2025, 12, 22), 5, "NL", date(2025, 12, 31)),  # skips 25, 26 Dec and a weekend
        (date(2025, 1, 6), 10, "US", date(2025, 1, 21)),  # skips MLK Day, Mon 20 Jan
    ],
)
def test_it_adds_working_days(day, n, country, expected):
    assert deadlines.add_working_days(day, n, country=country) == expected


def test_it_rejects_a_negative_number_of_working_days():
    with pytest.raises(ValueError, match="negative"):
        deadlines.add_working_days(date(2025, 2, 28), -1, country="NL")


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2025, 2, 28), date(2025, 2, 28), 0),
        (date(2025, 2, 28), date(2025, 3, 2), 0),  # only the weekend
        (date(2025, 2, 28), date(2025, 3, 3), 1),
        (date(2025, 2, 24), date(2025, 3, 3), 5),
        (date(2025, 12, 22), date(2025, 12, 31), 5),  # 23, 24, 29, 30, 31 Dec
        (date(2025, 3, 3), date(2025, 2, 24), -5),  # end before start counts negative
        (date(2025, 3, 3), date(2025, 2, 28), -1),  # 3 Mar is the only one in (28 Feb, 3 Mar]
    ],
)
def test_it_counts_working_days_between(start, end, expected):
    assert deadlines.working_days_between(start, end, country="NL") == expected


@pytest.mark.parametrize(
    ("received", "country", "policy", "due", "extended", "acknowledge"),
    [
        (date(2025, 1, 31), "NL", "gdpr", date(2025, 2, 28), date(2025, 4, 30), None),
        # CCPA: 45 calendar days, no month cap. Sat 15 Feb, Sun, then Presidents' Day → Tue.
        (date(2025, 1, 1), "US", "ccpa", date(2025, 2, 18), date(2025, 4, 1), date(2025, 1, 15)),
        (date(2025, 1, 6), "US", "ccpa", date(2025, 2, 20), date(2025, 4, 7), date(2025, 1, 21)),
        (date(2025, 1, 31), "US", "ccpa", date(2025, 3, 17), date(2025, 5, 1), date(2025, 2, 14)),
        # LGPD: 15 days; Tiradentes, Mon 21 Apr 2025, rolls to Tue.
        (date(2025, 4, 1), "BR", "lgpd", date(2025, 4, 16), None, None),
        (date(2025, 4, 6), "BR", "lgpd", date(2025, 4, 22), None, None),
    ],
)
def test_it_applies_each_policy(received, country, policy, due, extended, acknowledge):
    assert deadlines.policy_due_date(received, country=country, policy=policy) == due
    if extended is None:
        with pytest.raises(ValueError, match="no extension"):
            deadlines.policy_extended_due_date(received, country=country, policy=policy)
    else:
        assert (
            deadlines.policy_extended_due_date(received, country=country, policy=policy) == extended
        )
    assert deadlines.acknowledge_by(received, country=country, policy=policy) == acknowledge


@pytest.mark.parametrize(
    ("code", "days", "month_cap", "extension_days", "extension_months", "acknowledge"),
    [
        ("gdpr", 30, True, None, 3, None),
        ("ccpa", 45, False, 90, None, 10),
        ("lgpd", 15, False, None, None, None),
    ],
)
def test_it_defines_the_three_policies(
    code, days, month_cap, extension_days, extension_months, acknowledge
):
    p = POLICIES[code]
    assert (p.code, p.days, p.month_cap) == (code, days, month_cap)
    assert (p.extension_days, p.extension_months) == (extension_days, extension_months)
    assert p.acknowledge_business_days == acknowledge
    assert str(p.label)


def test_it_accepts_a_policy_object():
    custom = Policy("test", "Test", days=10, extension_days=20)
    assert deadlines.policy_due_date(date(2025, 1, 1), country="NL", policy=custom) == date(
        2025, 1, 13
    )  # Sat 11 Jan → Mon
    assert deadlines.policy_extended_due_date(
        date(2025, 1, 1), country="NL", policy=custom
    ) == date(2025, 1, 21)


def test_it_rejects_an_unknown_policy():
    with pytest.raises(ValueError, match="unknown deadline policy"):
        deadlines.policy_due_date(date(2025, 1, 1), country="NL", policy="hipaa")


@pytest.mark.parametrize(
    ("received", "due", "extended", "expected"),
    [
        (
            date(2025, 1, 31),
            date(2025, 2, 28),
            False,
            "received Fri 31 Jan via the portal → due Fri 28 Feb",
        ),
        (
            date(2025, 1, 31),
            date(2025, 4, 30),
            True,
            "received Fri 31 Jan via the portal → due Wed 30 Apr (extended)",
        ),
    ],
)
def test_it_explains_a_deadline_in_one_line(received, due, extended, expected):
    with translation.override("en"):
        line = deadlines.explain(received, due, channel_label="the portal", extended=extended)
    assert line == expected


@pytest.mark.parametrize(
    ("d", "working"),
    [
        (date(2026, 4, 3), True),  # Good Friday: not in the Algemene termijnenwet
        (date(2026, 5, 5), False),  # Liberation Day counts every year, not only 2025, 2030…
        (date(2025, 5, 5), False),
        (date(2026, 4, 6), False),  # Easter Monday
    ],
)
def test_it_follows_the_dutch_general_time_limits_act(d, working):
    assert deadlines.is_working_day(d, country="NL") is working
