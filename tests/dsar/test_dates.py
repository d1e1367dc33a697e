"""Dates as each language writes them: customer pages, messages, staff pages and PDFs; ISO 8601
in the cockpit CSV.

A request received on Sunday 1 November 2026 at 10:00 (Amsterdam) is due on Tuesday
1 December 2026; "now" is 1 December 2026, 13:39. Russian puts the month in the genitive after
a day ("1 декабря", never "1 Декабрь"); Dutch writes month and day names in lower case, also
abbreviated ("di 1 dec", never "di 1 Dec" or "Okt 26").
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pypdf
import pytest
import time_machine
from django.conf import settings

from dsar.demo.register import seed_register
from tests.conftest import ALICE, staff_login, text, verify
from tests.factories import DataRequestFactory

pytestmark = pytest.mark.django_db

AMS = ZoneInfo("Europe/Amsterdam")
RECEIVED = datetime(2026, 11, 1, 10, 0, tzinfo=AMS)
NOW = datetime(2026, 12, 1, 13, 39, tzinfo=AMS)

DATES = {
    "en": {
        "due": "1 December 2026",
        "received_day": "1 November",
        "received_at": "1 November 2026, 10:00",
        "now": "1 December 2026, 13:39",
        "short_due": "1 Dec 2026",
        "explained": "received Sun 1 Nov via the portal → due Tue 1 Dec",
        "month": "November 2026",
        "axis": "Nov 2026",
        "period": "1 November 2026 – 1 December 2026",
    },
    "nl": {
        "due": "1 december 2026",
        "received_day": "1 november",
        "received_at": "1 november 2026, 10:00",
        "now": "1 december 2026, 13:39",
        "short_due": "1 dec 2026",
        "explained": "zo 1 nov",
        "month": "november 2026",
        "axis": "nov 2026",
        "period": "1 november 2026 – 1 december 2026",
    },
    "sv": {
        "due": "1 december 2026",
        "received_day": "1 november",
        "received_at": "1 november 2026, 10:00",
        "now": "1 december 2026, 13:39",
        "short_due": "1 dec 2026",
        "explained": "sön 1 nov",
        "month": "november 2026",
        "axis": "nov 2026",
        "period": "1 november 2026 – 1 december 2026",
    },
    "ru": {
        "due": "1 декабря 2026",
        "received_day": "1 ноября",
        "received_at": "1 ноября 2026, 10:00",
        "now": "1 декабря 2026, 13:39",
        "short_due": "1 дек 2026",
        "explained": "Вс, 1 ноября",
        "month": "Ноябрь 2026",
        "axis": "ноя 2026",
        "period": "1 ноября 2026 – 1 декабря 2026",
    },
}
LANGUAGES = list(DATES)

# A day after a word, then its month in the nominative: how Russian must not read ("до
# 1 Декабрь"). After a number it is a table: a count, then a month label ("Декабрь 2026").
RU_NOMINATIVE = re.compile(r"[^\d\s] \d{1,2} (Январь|Февраль|Март|Апрель|Май|Июнь|Июль|Август|Сентябрь|Октябрь|Ноябрь|Декабрь)")  # fmt: skip
# Dutch month and day names, full or abbreviated, with a capital: never right in a date.
NL_CAPITALISED = re.compile(
    r"\b(Januari|Februari|Maart|Mei|Juni|Juli|Augustus|Oktober|Jan|Feb|Mrt|Apr|Jun|Jul|Aug|Sep"
    r"|Okt|Nov|Dec|Maandag|Dinsdag|Woensdag|Donderdag|Vrijdag|Zaterdag|Zondag|Ma|Di|Wo|Do|Vr"
    r"|Za|Zo)\b"
)


def _in_language(client, language: str):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _pdf_text(response) -> str:
    data = b"".join(response) if response.streaming else response.content
    pages = pypdf.PdfReader(io.BytesIO(data)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def _assert_written_as(language: str, content: str) -> None:
    if language == "ru":
        assert not RU_NOMINATIVE.search(content), RU_NOMINATIVE.search(content)
    if language == "nl":
        assert NL_CAPITALISED.findall(content) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_customer_reads_the_dates_in_their_language(client, outbox, language):
    with time_machine.travel(RECEIVED, tick=False):
        verify(_in_language(client, language), ALICE)
        r = client.post("/my/requests/new/", {"kind": "access"})
        detail = text(client.get(r.url))
        listing = text(client.get("/my/requests/"))
    dates = DATES[language]
    # "Received 1 November, answered by 1 December at the latest." and the facts below it.
    assert dates["received_day"] in detail and f"{dates['received_day']} 2026" in detail
    assert dates["due"] in detail and dates["due"] in listing
    (notice,) = [m for m in outbox if m.kind == "request-received"]
    assert notice.language == language
    # The day of receipt without its year (MONTH_DAY_FORMAT), the due date with it.
    assert re.search(rf"{dates['received_day']}(?! \d)", notice.text), notice.text
    assert dates["due"] in notice.text
    for content in (detail, listing, notice.text):
        _assert_written_as(language, content)


@pytest.mark.parametrize("language", LANGUAGES)
def test_staff_read_the_case_dates_in_their_language(client, bob, language):
    dr = DataRequestFactory(received_at=RECEIVED)
    assert dr.due_on == date(2026, 12, 1)
    staff_login(_in_language(client, language), bob)
    with time_machine.travel(NOW, tick=False):
        case = text(client.get(f"/staff/cases/{dr.reference}/"))
        queue = text(client.get("/staff/"))
    dates = DATES[language]
    assert dates["received_at"] in case and dates["due"] in case
    assert dates["explained"] in case
    assert dates["short_due"] in queue
    for content in (case, queue):
        _assert_written_as(language, content)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_cockpit_names_months_in_the_managers_language(client, maria, language):
    DataRequestFactory(received_at=RECEIVED)
    staff_login(_in_language(client, language), maria)
    with time_machine.travel(NOW, tick=False):
        r = client.get("/staff/dashboard/?start=2026-11-01&end=2026-12-01")
    page, dates = text(r), DATES[language]
    assert dates["period"] in page
    assert dates["month"] in page  # the table beside the chart
    assert dates["axis"] in r.context["charts"]["on_time"]  # the chart's axis
    _assert_written_as(language, page)


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("en", "Requests received in November 2026."),
        ("nl", "Verzoeken ontvangen in november 2026."),
        ("sv", "Begäranden mottagna i november 2026."),
        # The nominative stands after a colon, as a label: never "за Ноябрь" in a sentence.
        ("ru", "Запросы, полученные за месяц: Ноябрь 2026."),
    ],
)
def test_the_drill_down_names_its_month_and_dates_in_the_managers_language(
    client, maria, language, sentence
):
    DataRequestFactory(received_at=RECEIVED)
    staff_login(_in_language(client, language), maria)
    with time_machine.travel(NOW, tick=False):
        page = text(client.get("/staff/dashboard/cases/?figure=received&month=2026-11"))
    assert sentence in page
    assert DATES[language]["short_due"] in page
    _assert_written_as(language, page)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_register_pdf_is_dated_in_the_managers_language(client, maria, language):
    with time_machine.travel(NOW, tick=False):
        seed_register(by=maria)
        r = staff_login(_in_language(client, language), maria).get("/staff/register/register.pdf")
    assert r.status_code == 200
    pdf = _pdf_text(r)
    # The footer of every page and each activity's "Last changed".
    assert pdf.count(DATES[language]["now"]) >= 2
    assert "p.m." not in pdf and "Dec." not in pdf
    _assert_written_as(language, pdf)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_accountability_pdf_is_dated_in_the_managers_language(client, maria, language):
    DataRequestFactory(received_at=RECEIVED)
    staff_login(_in_language(client, language), maria)
    with time_machine.travel(NOW, tick=False):
        r = client.get("/staff/dashboard/report.pdf?start=2026-11-01&end=2026-12-01")
    assert r.status_code == 200
    pdf, dates = _pdf_text(r), DATES[language]
    assert dates["period"] in pdf and dates["now"] in pdf and dates["month"] in pdf
    _assert_written_as(language, pdf)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_cockpit_csv_writes_iso_dates_in_every_language(client, maria, language):
    dr = DataRequestFactory(
        received_at=RECEIVED,
        initial_due_on=date(2026, 12, 1),
        status="completed",
        closed_at=datetime(2026, 11, 20, 23, 30, tzinfo=AMS),
    )
    staff_login(_in_language(client, language), maria)
    with time_machine.travel(NOW, tick=False):
        r = client.get("/staff/dashboard/export.csv?start=2026-11-01&end=2026-12-01")
    header, row = csv.reader(io.StringIO(b"".join(r.streaming_content).decode()))
    values = dict(zip(header, row, strict=True))
    assert values["reference"] == dr.reference
    assert values["received_on"] == "2026-11-01"
    assert values["initial_due_on"] == values["due_on"] == "2026-12-01"
    assert values["closed_on"] == "2026-11-20"  # the local date of the answer
