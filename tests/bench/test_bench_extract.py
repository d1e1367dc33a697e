"""`make bench`: the register extract (Art. 15 PDF) for subjects with 10, 1,000 and 100,000
messages, next to plain WeasyPrint rendering a plain HTML table of the same number of pages.

One JSON line per figure (tests/bench/report.py). Per size:
- `extract_discovery`: connectors.discover() for the subject (input to the extract; it grows
  with the history, as it does for the package job);
- `register_extract`: extracts.register_extract_pdf() given that discovery, median of
  REPEAT runs (and the fastest), with its pages (pypdf) and `py_peak_mb`, the peak of Python allocations
  (tracemalloc, one further untimed run; memory that Pango, HarfBuzz and cairo allocate in C
  is not in it), compared with `plain_weasyprint_table`: HTML(string=<table>).write_pdf()
  of a plain table with the same number of pages (default fonts, no tagging, WeasyPrint's
  automatic table layout), and `..._fixed_layout`, the same with `table-layout: fixed` as
  the extract's tables use (reference2, ratio2).
Then `register_extract_flatness`: the fastest time for 100,000 messages over the fastest for
1,000 (the fastest run is the least disturbed by other work on the machine).
The annex prints at most ANNEX_ROWS messages, so beyond it the extract does the same work.
"""

from __future__ import annotations

import io
import tracemalloc

import pypdf
import pytest
from django.conf import settings
from django.db import connections

from dsar import connectors, datamap, extracts, services
from dsar.demo import seed
from dsar.demo.register import seed_register
from tests.bench.report import emit, median, timed

pytestmark = pytest.mark.django_db(databases=["default", "customer_service"])
ALIAS = "customer_service"
SIZES = {10: "+31619990010", 1_000: "+31619991000", 100_000: "+31619900000"}
REPEAT = 5


def _insert_subject(number: str, messages: int) -> None:
    """One contact with one WhatsApp number, one conversation and `messages` messages."""
    with connections[ALIAS].cursor() as cursor:
        ids = {}
        for table in ("contacts", "contact_numbers", "conversations", "messages"):
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
            ids[table] = cursor.fetchone()[0] + 1
        contact, conversation = ids["contacts"], ids["conversations"]
        cursor.execute(
            "INSERT INTO contacts (id, customer_no, full_name, email, postal_code, date_of_birth,"
            " locale, contract_start, contract_end, created_at) VALUES"
            " (%s, %s, 'Bench Subject', NULL, NULL, NULL, 'nl_NL', '2016-01-01', NULL,"
            " '2016-01-01 09:00:00+00:00')",
            [contact, f"BENCH{contact:05d}"],
        )
        cursor.execute(
            "INSERT INTO contact_numbers (id, contact_id, number, channel, is_primary)"
            " VALUES (%s, %s, %s, 'whatsapp', TRUE)",
            [ids["contact_numbers"], contact, number],
        )
        cursor.execute(
            "INSERT INTO conversations (id, contact_id, channel, started_at, closed_at, topic,"
            " agent_name) VALUES (%s, %s, 'whatsapp', '2016-01-02 09:00:00+00:00', NULL,"
            " 'order', 'Bench A.')",
            [conversation, contact],
        )
        first = ids["messages"]
        rows = (
            (
                first + i,
                conversation,
                f"20{16 + i * 10 // max(messages, 1):02d}-03-01 10:{i % 60:02d}:00+00:00",
                "in" if i % 2 == 0 else "out",
                f"Message {i} of the bench subject: a question about an order and an answer.",
                "read",
            )
            for i in range(messages)
        )
        cursor.executemany(
            "INSERT INTO messages (id, conversation_id, sent_at, direction, body, status)"
            " VALUES (%s, %s, %s, %s, %s, %s)",
            list(rows),
        )


def _pages(data: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(data)).pages)


def _plain_table(rows: int, *, fixed: bool = False) -> bytes:
    from weasyprint import HTML

    body = "".join(
        f"<tr><td>{i}</td><td>2026-03-01 10:00</td><td>in</td>"
        f"<td>Message {i}: a question about an order and an answer.</td></tr>"
        for i in range(rows)
    )
    style = "<style>table { table-layout: fixed; width: 100% }</style>" if fixed else ""
    head = "<tr><th>#</th><th>Sent</th><th>Dir</th><th>Body</th></tr>"
    html = f"<html><head>{style}</head><body><table>{head}{body}</table></body></html>"
    return HTML(string=html).write_pdf()


def _plain_rows_for(pages: int, *, fixed: bool = False) -> int:
    """The number of plain table rows that fill exactly `pages` pages."""
    per_page = 400 / _pages(_plain_table(400, fixed=fixed))
    rows = max(1, int((pages - 0.5) * per_page))
    for _ in range(6):
        got = _pages(_plain_table(rows, fixed=fixed))
        if got == pages:
            return rows
        rows = max(1, rows + int((pages - got) * per_page * 0.9) or (1 if got < pages else -1))
    return rows


def test_bench_register_extract(django_db_blocker):
    from tests.dsar.conftest import load_demo_map

    with django_db_blocker.unblock():
        seed(ALIAS, subjects=30, messages=600, seed=7)
        for messages, number in SIZES.items():
            _insert_subject(number, messages)
    load_demo_map()
    seed_register()
    dm = datamap.load(settings.DSAR_DATAMAP_PATH)
    db_name = connections[ALIAS].vendor
    seconds = {}
    for messages, number in SIZES.items():
        dr = services.open_request(number=number, kind="access")
        times, found = timed(lambda n=number: connectors.discover(dm, n), repeat=REPEAT)
        assert found.hit("customer-service", "messages").count == messages
        emit(
            "extract_discovery",
            db=db_name,
            value=median(times),
            unit="s",
            reference=None,
            reference_value=None,
            messages=messages,
            rows=found.total_rows,
        )

        def extract(dr=dr, found=found):
            return extracts.register_extract_pdf(
                data_request=dr, datamap=dm, discovery=found, language="en"
            )

        times, data = timed(extract, repeat=REPEAT)
        pages = _pages(data)
        tracemalloc.start()
        extract()
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        plain_rows = _plain_rows_for(pages)
        plain_times, plain = timed(lambda r=plain_rows: _plain_table(r), repeat=REPEAT)
        fixed_rows = _plain_rows_for(pages, fixed=True)
        fixed_times, fixed = timed(lambda r=fixed_rows: _plain_table(r, fixed=True), repeat=REPEAT)
        seconds[messages] = min(times)
        emit(
            "register_extract",
            db=db_name,
            value=median(times),
            unit="s",
            reference="plain_weasyprint_table",
            reference_value=median(plain_times),
            reference2="plain_weasyprint_table_fixed_layout",
            reference2_value=median(fixed_times),
            ratio2=round(median(times) / median(fixed_times), 2),
            messages=messages,
            rows=found.total_rows,
            min_s=min(times),
            runs=REPEAT,
            pages=pages,
            plain_pages=_pages(plain),
            plain_rows=plain_rows,
            fixed_pages=_pages(fixed),
            fixed_rows=fixed_rows,
            annex_rows=extracts.ANNEX_ROWS,
            py_peak_mb=peak / 2**20,
            memory="tracemalloc peak of Python allocations, one run",
        )
    emit(
        "register_extract_flatness",
        db=db_name,
        value=seconds[100_000],
        unit="s",
        reference="register_extract_1000_messages",
        reference_value=seconds[1_000],
        note="fastest of the runs, 100,000 messages over 1,000: flat beyond the annex",
    )
