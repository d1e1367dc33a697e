"""The date formats (portal/formats/): one per language for every name, and only names in use.

Templates and Python code name a format ("DATE_FORMAT"); a literal such as "j M Y" would read
the same in every language and capitalise Dutch months. Machine formats stay where machines
read them: `Y-m-d` and `Y-m` as query-string values.
"""

from __future__ import annotations

import importlib
import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import translation

from portal.formats import human_date

ROOT = Path(__file__).resolve().parents[2]
NAMES = {
    "DATE_FORMAT",
    "DATETIME_FORMAT",
    "TIME_FORMAT",
    "YEAR_MONTH_FORMAT",
    "MONTH_DAY_FORMAT",
    "SHORT_DATE_FORMAT",
    "SHORT_DATETIME_FORMAT",
    "WEEKDAY_MONTH_DAY_FORMAT",
    "SHORT_YEAR_MONTH_FORMAT",
    "TIME_SECONDS_FORMAT",
}
MACHINE = {"Y-m-d", "Y-m"}
# A |date or |time filter and its argument, if any, in a template.
_FILTER = re.compile(r"""\|(?:date|time)(?::\s*(?P<q>["'])(?P<fmt>.*?)(?P=q))?""")
# Django's humanize filters and strftime in templates name no locale format either.
_OTHER = re.compile(r"\|(?:naturalday|naturaltime)\b|strftime")


def literal_formats(source: str) -> list[str]:
    """The date formats a template spells out itself, as "line: format"."""
    found = []
    for number, line in enumerate(source.splitlines(), 1):
        for match in _FILTER.finditer(line):
            fmt = match.group("fmt")
            if fmt is None or fmt in NAMES:
                continue
            # A machine format only as a query-string value: "month={{ m|date:'Y-m' }}".
            before = line[: match.start()]
            if fmt in MACHINE and re.search(r"=\{\{\s*[\w.]+$", before):
                continue
            found.append(f"{number}: {fmt}")
        found += [f"{number}: {m.group(0)}" for m in _OTHER.finditer(line)]
    return found


def test_every_language_has_every_format():
    for code, _name in settings.LANGUAGES:
        module = importlib.import_module(f"portal.formats.{code}.formats")
        missing = {name for name in NAMES if not getattr(module, name, None)}
        assert not missing, f"portal/formats/{code}/formats.py lacks {sorted(missing)}"


def test_templates_name_their_date_formats():
    problems = {}
    for path in sorted((ROOT / "templates").rglob("*")):
        if path.is_file() and path.suffix in {".html", ".txt"}:
            if found := literal_formats(path.read_text()):
                problems[str(path.relative_to(ROOT))] = found
    assert problems == {}


def test_the_template_check_finds_a_literal_format():
    assert literal_formats('{{ d|date:"j M Y" }}') == ["1: j M Y"]
    assert literal_formats("{% blocktranslate with x=d|date:'D j M' %}") == ["1: D j M"]
    assert literal_formats('{{ t|time:"H:i:s" }}') == ["1: H:i:s"]
    assert literal_formats("<td>{{ d|date:'Y-m-d' }}</td>") == ["1: Y-m-d"]
    assert literal_formats("{{ d|naturalday }}") == ["1: |naturalday"]
    assert literal_formats('{{ d|date:"DATE_FORMAT" }} {{ t|time:"TIME_SECONDS_FORMAT" }}') == []
    assert literal_formats("?month={{ m.month|date:'Y-m' }}&amp;start={{ s|date:'Y-m-d' }}") == []


def test_python_code_formats_dates_through_the_helper():
    # dateformat.format() with a literal is how "j M Y" crept into the PDFs.
    offenders = [
        str(path.relative_to(ROOT))
        for app in ("portal", "dsar", "verification")
        for path in (ROOT / app).rglob("*.py")
        if "dateformat.format(" in path.read_text()
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["1 December 2026", "1 December 2026, 13:39", "1 Dec 2026", "1 December", "Tue 1 Dec", "Dec 2026"]),
        ("nl", ["1 december 2026", "1 december 2026, 13:39", "1 dec 2026", "1 december", "di 1 dec", "dec 2026"]),
        ("sv", ["1 december 2026", "1 december 2026, 13:39", "1 dec 2026", "1 december", "tis 1 dec", "dec 2026"]),
        ("ru", ["1 декабря 2026", "1 декабря 2026, 13:39", "1 дек 2026", "1 декабря", "Вт, 1 декабря", "дек 2026"]),
    ],
)  # fmt: skip
def test_human_date_reads_as_the_language_writes(language, expected):
    # 12:39 UTC is 13:39 in Amsterdam (TIME_ZONE).
    moment = datetime(2026, 12, 1, 12, 39, 5, tzinfo=ZoneInfo("UTC"))
    day = date(2026, 12, 1)
    with translation.override(language):
        assert [
            human_date(day),
            human_date(moment),
            human_date(day, "SHORT_DATE_FORMAT"),
            human_date(day, "MONTH_DAY_FORMAT"),
            human_date(day, "WEEKDAY_MONTH_DAY_FORMAT"),
            human_date(day, "SHORT_YEAR_MONTH_FORMAT"),
        ] == expected
        assert human_date(moment, "TIME_SECONDS_FORMAT") == "13:39:05"


def test_human_date_takes_only_the_name_of_a_format():
    with pytest.raises(ValueError, match="not the name"):
        human_date(date(2026, 12, 1), "j M Y")
