"""How dates and times read, per language (Django's FORMAT_MODULE_PATH), and one helper.

`portal/formats/<language>/formats.py` holds the formats Django uses by name: a template
writes `{{ day|date:"DATE_FORMAT" }}`, Python code `human_date(day)`; no page, message or
PDF spells out a format of its own. Days and months are named in the customer's language
(Russian in the genitive after a day: "1 декабря 2026"), times have 24 hours everywhere, and
abbreviated names keep the language's case ("1 dec 2026" in Dutch, never "1 Dec").

Beside Django's names each module defines three of its own, which `get_format()` finds in
the module as it finds the others: WEEKDAY_MONTH_DAY_FORMAT (the deadline explanation on the
case page: "Tue 1 Dec"), SHORT_YEAR_MONTH_FORMAT (a month on a chart axis) and
TIME_SECONDS_FORMAT (a clock time to the second). Every language in LANGUAGES has a module
with all of them; `tests/portal/test_formats.py` checks it.

Machine formats are not here: `Y-m-d` in URLs and form values, ISO 8601 in CSV and JSON.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import formats, timezone


def human_date(value: date, format_name: str | None = None) -> str:
    """`value` as people read it in the active language, by a named format.

    A datetime defaults to DATETIME_FORMAT, a date to DATE_FORMAT; an aware datetime is
    shown in local time (TIME_ZONE), as the `date` template filter does. Raises ValueError
    for anything but the name of a format (a literal such as "j M Y" is what this avoids).
    """
    if format_name is None:
        format_name = "DATETIME_FORMAT" if isinstance(value, datetime) else "DATE_FORMAT"
    if not format_name.endswith("_FORMAT"):
        raise ValueError(f"{format_name!r} is not the name of a date format")
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.date_format(value, format_name)
