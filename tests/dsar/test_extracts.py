"""The register extract (Art. 15), the erasure receipt and the register PDF (Art. 30),
read back from the PDFs with pypdf, on the demo data and the demo register."""

from __future__ import annotations

import io
import re
import socket
from datetime import date
from unittest import mock

import pypdf
import pytest
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import connections
from django.utils import formats, translation

from dsar import connectors, datamap, extracts, jobs, pdf, register, services
from dsar import retention as dsar_retention
from dsar.demo import DEMO_NUMBERS
from dsar.demo.register import ACTIVITIES, demo_activity_codes, seed_register
from dsar.models import Job, ProcessingActivity, RegisterVersion
from tests.conftest import committed

pytestmark = pytest.mark.django_db(databases=["default", "customer_service"])
FIRST = DEMO_NUMBERS["first_contact"]
ALIAS = "customer_service"
HOSTILE = (
    '<img src="http://evil.example/x">',
    '<link rel=stylesheet href="file:///etc/passwd">',
    "url(file:///etc/passwd)",
)


@pytest.fixture
def demo(demo_db):
    seed_register()
    return demo_db


def _sql(query, params=()):
    with connections[ALIAS].cursor() as cursor:
        cursor.execute(query, params)
        # psycopg refuses fetchall() after a statement that returns no rows (an UPDATE).
        return cursor.fetchall() if cursor.description else []


def _map():
    return datamap.load(settings.DSAR_DATAMAP_PATH)


def _extract(number=FIRST, *, language="en", **kwargs):
    dr = services.open_request(number=number, kind="access", language=language)
    dm = _map()
    found = connectors.discover(dm, number)
    data = extracts.register_extract_pdf(
        data_request=dr, datamap=dm, discovery=found, language=language, **kwargs
    )
    return dr, data


def _pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def _flat(text: str) -> str:
    """Text without white space: a PDF breaks long values over lines anywhere."""
    return re.sub(r"\s+", "", text)


def _contact_id(number=FIRST) -> int:
    return _sql("SELECT contact_id FROM contact_numbers WHERE number = %s", [number])[0][0]


# --- the demo register ------------------------------------------------------------------


def test_it_seeds_one_activity_per_map_code_plus_complaints(db):
    codes = demo_activity_codes()
    assert set(codes) == {
        "customer-service",
        "customer-administration",
        "bookkeeping",
        "legal-claims",
        "consent-records",
        "marketing",
        "call-recording",
        "payments",
        "complaints",
    }
    assert seed_register() == len(codes)
    assert set(ProcessingActivity.objects.values_list("code", flat=True)) == set(codes)
    assert register.current_version() == len(codes)
    calls = ProcessingActivity.objects.get(code="call-recording")
    us = calls.recipients.get(country="US")
    assert us.outside_eea and us.safeguard == "scc"
    meta = ProcessingActivity.objects.get(code="customer-service").recipients.get(country="IE")
    assert meta.name == "Meta Platforms Ireland Ltd." and not meta.outside_eea
    dm = _map()
    for code in codes:
        assert set(ACTIVITIES[code]["data_categories"]) <= set(datamap.CATEGORIES)
    for code in codes:
        used = {c.category for t in dm.tables for c in t.columns if t.activity_of(c) == code}
        assert used <= set(ProcessingActivity.objects.get(code=code).data_categories), code


def test_seeding_again_changes_nothing_and_a_change_is_versioned(db):
    seed_register()
    before = RegisterVersion.objects.count()
    assert seed_register() == 0
    assert RegisterVersion.objects.count() == before
    ProcessingActivity.objects.filter(code="marketing").update(purposes_en="Something else")
    assert seed_register() == 1
    version = RegisterVersion.objects.first()
    assert version.activity_code == "marketing" and version.action == "changed"
    assert ProcessingActivity.objects.get(code="marketing").version == 2


# --- the register extract -----------------------------------------------------------------


def test_the_extract_answers_every_item_of_article_15(demo):
    dr, data = _extract()
    pages = _pages(data)
    text = " ".join(pages)
    flat = _flat(text)
    service = ACTIVITIES["customer-service"]
    # (a) purposes, with the legal basis
    assert _flat(service["purposes"]["en"]) in flat
    assert "Performance of a contract (Art. 6(1)(b))" in text
    # (b) categories, with counts
    assert "Communication" in text and "Contact details" in text and "Identity" in text
    messages = _sql(
        "SELECT COUNT(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id "
        "WHERE c.contact_id = %s",
        [_contact_id()],
    )[0][0]
    assert f"Messages: {messages} records" in text
    # (c) recipients named, and 15(2) the transfer outside the EEA with its safeguard
    assert "Meta Platforms Ireland Ltd." in text and "Ireland (IE)" in text
    assert "CallVault Inc." in text and "United States (US)" in text
    assert "Standard contractual clauses (Art. 46(2)(c))" in text
    # (d) retention, computed for this customer, for what is kept longest too
    assert "Your most recent contact with us was on" in text
    assert _flat("Customer number") in flat and "Your most recent payment was on" in text
    assert _flat("Each payment 7 years after it was made (AWR art. 52)") in flat
    assert "Your contract is still running: the period starts when it ends." in text
    # (e) rights, (f) complaint, and court
    for right in ("Rectification", "Erasure", "Restriction", "Objection", "Portability"):
        assert f"{right} (Art." in text
    assert settings.DSAR_SUPERVISORY_AUTHORITY in text
    assert _flat(settings.DSAR_SUPERVISORY_AUTHORITY_URL) in flat
    assert "Going to court (Art. 79)" in text
    # (g) source, (h) automated decisions with their logic
    assert _flat(service["source"]["en"]) in flat
    assert "We take no decisions about you by automated means alone" in text
    assert _flat("age band (under 30, 30-55, over 55)") in flat
    # which register and data map it used
    assert f"version {register.current_version()} of our processing register" in text
    assert _map().sha256[:12] in text
    assert f"register version {register.current_version()}" in pages[0]


def test_the_extract_shows_the_customers_own_values(demo):
    (name,) = _sql("SELECT full_name FROM contacts WHERE id = %s", [_contact_id()])[0]
    (body,) = _sql(
        "SELECT m.body FROM messages m JOIN conversations c ON c.id = m.conversation_id "
        "WHERE c.contact_id = %s ORDER BY m.id LIMIT 1",
        [_contact_id()],
    )[0]
    (uri,) = _sql("SELECT recording_uri FROM call_recordings ORDER BY id LIMIT 1")[0]
    _dr, data = _extract()
    flat = _flat(" ".join(_pages(data)))
    assert _flat(name) in flat and _flat(body) in flat and _flat(uri) in flat


def test_the_first_page_is_a_summary_with_the_page_furniture(demo):
    dr, data = _extract()
    pages = _pages(data)
    first, last = pages[0], pages[-1]
    assert "Your personal data: what we hold and why" in first
    assert f"Reference {dr.reference}" in first and "Page 1 /" in first
    assert "What we hold about you" in first and "Customer service over WhatsApp" in first
    assert "Voorbeeld Bank N.V." in first and "fg@voorbeeldbank.example" in first
    assert "data.json" in first
    assert f"Reference {dr.reference}" in last and f"Page {len(pages)} / {len(pages)}" in last
    assert all("Generated" in page for page in pages)
    # The summary is one page: the first activity starts on the second.
    assert "Why we use your data" not in first and "Why we use your data" in pages[1]


def test_the_pdf_is_tagged_has_language_title_and_embedded_cyrillic_fonts(demo):
    _dr, data = _extract()
    reader = pypdf.PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en" and "/StructTreeRoot" in root
    assert reader.metadata.title == "Your personal data: what we hold and why"
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            fonts[font["/BaseFont"]] = "/FontFile2" in descriptor
    assert fonts and all(fonts.values())
    assert all("Portal-Sans" in name for name in fonts)


def test_the_extract_prints_russian_values(demo):
    number = DEMO_NUMBERS["national_format"]  # a Russian-speaking customer
    (name,) = _sql("SELECT full_name FROM contacts WHERE id = %s", [_contact_id("0610000006")])[0]
    assert re.search("[а-яА-Я]", name)
    _dr, data = _extract(number)
    assert _flat(name) in _flat(" ".join(_pages(data)))


def test_it_renders_in_dutch(demo):
    with translation.override("nl"):
        dr, data = _extract(language="nl")
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert reader.trailer["/Root"]["/Lang"] == "nl"
    text = " ".join(_pages(data))
    # Django's own Dutch: month names and the date format ("1 november 2026").
    month = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
             "september", "oktober", "november", "december"][dr.received_on.month - 1]  # fmt: skip
    assert f"{dr.received_on.day} {month} {dr.received_on.year}" in text
    assert _flat("Ierland (IE)") in _flat(text) and _flat("Verenigde Staten (US)") in _flat(text)


def test_values_from_the_data_are_text_and_fetch_nothing(demo, monkeypatch):
    contact = _contact_id()
    name = " ".join(HOSTILE[:2])
    _sql("UPDATE contacts SET full_name = %s WHERE id = %s", [name, contact])
    (conversation,) = _sql(
        "SELECT id FROM conversations WHERE contact_id = %s ORDER BY id LIMIT 1", [contact]
    )[0]
    body = "Styled? " + " ".join(HOSTILE) + ' <style>@import "http://evil.example/a.css";</style>'
    _sql(
        "UPDATE messages SET body = %s WHERE id = "
        "(SELECT MIN(id) FROM messages WHERE conversation_id = %s)",
        [body, conversation],
    )
    asked: list[str] = []
    real = pdf._static_fetcher_class()

    class Recording(real):
        def fetch(self, url, headers=None):
            asked.append(url)
            return super().fetch(url, headers)

    monkeypatch.setattr(pdf, "_static_fetcher_class", lambda: Recording)

    def no_network(*args, **kwargs):
        raise AssertionError(f"outbound connection attempted: {args!r}")

    with mock.patch.object(socket.socket, "connect", no_network):
        _dr, data = _extract()
    assert asked and all(url.startswith(pdf.STATIC_PREFIX + "fonts/") for url in asked)
    flat = _flat(" ".join(_pages(data)))
    for hostile in HOSTILE:
        assert _flat(hostile) in flat
    assert _flat('<style>@import "http://evil.example/a.css";</style>') in flat


def test_a_long_history_is_an_annex_of_bounded_length(demo):
    contact = _contact_id()
    (conversation,) = _sql(
        "SELECT id FROM conversations WHERE contact_id = %s ORDER BY id LIMIT 1", [contact]
    )[0]
    (top,) = _sql("SELECT MAX(id) FROM messages")[0]
    (before,) = _sql(
        "SELECT COUNT(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id "
        "WHERE c.contact_id = %s",
        [contact],
    )[0]
    rows = [
        (top + i, conversation, f"2026-10-{1 + i % 28:02d} 10:00:00+00:00", "in",
         f"Bulk message #{i:05d}", "read")
        for i in range(1, 451)
    ]  # fmt: skip
    with connections[ALIAS].cursor() as cursor:
        cursor.executemany(
            "INSERT INTO messages (id, conversation_id, sent_at, direction, body, status) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            rows,
        )
    read: dict[str, int] = {}
    real = connectors.iter_rows

    def counting(dm, table, keys, **kwargs):
        for row in real(dm, table, keys, **kwargs):
            read[table.name] = read.get(table.name, 0) + 1
            yield row

    with mock.patch.object(connectors, "iter_rows", counting):
        _dr, data = _extract(annex_rows=100)
    text = " ".join(_pages(data))
    total = _sql(
        "SELECT COUNT(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id "
        "WHERE c.contact_id = %s",
        [contact],
    )[0][0]
    assert total > 450
    assert f"Messages: {total} records" in text
    assert "Records 1 to 100 of" in text
    assert "csv/customer-service__messages.csv" in text
    # The first 100 messages by id are printed: the demo's, then the first bulk ones.
    bulk = 100 - before
    assert len(re.findall(r"Bulk message #\d{5}", text)) == bulk
    assert f"#{bulk:05d}" in text and f"#{bulk + 1:05d}" not in text
    # Values: 100 rows at most; the retention date: 100 more of the date columns only.
    assert read["messages"] <= 2 * 100


def _day(value: date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def test_the_retention_after_the_end_of_a_contract_is_dated(demo):
    # The customer administration keeps the record one year after the contract ends.
    _sql("UPDATE contacts SET contract_end = %s WHERE id = %s", ["2026-03-01", _contact_id()])
    flat = _flat(" ".join(_pages(_extract()[1])))
    assert _day(date(2026, 3, 1)) == "1 March 2026"
    assert (
        _flat(
            f"Your contract ended on {_day(date(2026, 3, 1))}: we keep this data until "
            f"{_day(date(2027, 3, 1))}."
        )
        in flat
    )
    _sql("UPDATE contacts SET contract_end = NULL WHERE id = %s", [_contact_id()])
    text = " ".join(_pages(_extract()[1]))
    assert "Your contract is still running" in text


def test_a_period_that_has_ended_is_never_stated_as_a_date_to_come(demo):
    # A contract that ended in 2020: one year later the record was due to go, and the
    # extract says so instead of "we keep this data until" a day in the past.
    _sql("UPDATE contacts SET contract_end = %s WHERE id = %s", ["2020-02-01", _contact_id()])
    dr, data = _extract()
    flat = _flat(" ".join(_pages(data)))
    assert (
        _flat(
            f"The period for this data ended on {_day(date(2021, 2, 1))}: we delete it without you "
            "having to ask."
        )
        in flat
    )
    assert _flat(f"we keep this data until {_day(date(2021, 2, 1))}") not in flat


def test_an_unknown_number_gets_an_extract_that_says_so(demo):
    _dr, data = _extract(DEMO_NUMBERS["unknown"])
    text = " ".join(_pages(data))
    assert "We found no personal data about you in our systems." in text
    assert "Complaint to the supervisory authority (Art. 77)" in text


def test_the_context_counts_from_discovery_and_groups_by_activity(demo):
    dr = services.open_request(number=FIRST, kind="access")
    dm = _map()
    found = connectors.discover(dm, FIRST)
    context = extracts.register_extract_context(
        data_request=dr, datamap=dm, discovery=found, language="en"
    )
    codes = [s["code"] for s in context["sections"]]
    # By the activity each column serves: the customer record is split three ways.
    assert codes == [
        "customer-service",
        "customer-administration",
        "bookkeeping",
        "legal-claims",
        "consent-records",
        "marketing",
        "call-recording",
        "payments",
    ]
    bookkeeping = context["sections"][2]
    assert [c["label"] for c in bookkeeping["tables"][0]["columns"]] == [
        "Customer number",
        "Record created",
    ]
    assert context["total_records"] == found.total_rows
    assert context["register_version"] == register.current_version()


# --- the erasure receipt ------------------------------------------------------------------


def _erased(number=FIRST):
    dr = services.open_request(number=number, kind="erasure")
    with committed():
        discovered = jobs.start_job(data_request=dr, kind=Job.Kind.DISCOVER)
    discovered.refresh_from_db()
    with committed():
        job = jobs.start_job(
            data_request=dr, kind=Job.Kind.ERASE, approved_sha256=discovered.summary["fingerprint"]
        )
    job.refresh_from_db()
    assert job.state == Job.State.DONE, job.error
    return job


def test_the_erasure_receipt_lists_what_was_kept_and_until_when(demo):
    contact = _contact_id()
    job = _erased()
    data = extracts.erasure_receipt_pdf(job=job, language="en")
    pages = _pages(data)
    text = " ".join(pages)
    flat = _flat(text)
    assert "Receipt of the erasure of your data" in pages[0]
    assert f"Reference {job.data_request.reference}" in pages[0] and "Page 1 /" in pages[0]
    assert f"Reference {job.data_request.reference}" in pages[-1]
    context = extracts.erasure_receipt_context(job=job, language="en")
    assert context["deleted"] > 0 and context["anonymised"] > 0
    assert _flat(f"{context['deleted']} records deleted") in flat
    kept = {(k["table"], k["fields"][0]): k for k in context["kept"]}
    payment = kept["Payments", "Paid"]
    assert "Amount (cents)" in payment["fields"] and "Payment reference" in payment["fields"]
    assert payment["until"] and not payment["until"].startswith("Not fixed yet")
    assert _flat("Dutch tax law (AWR art. 52) bookkeeping") in flat
    assert _flat(payment["until"]) in flat
    assert "Payments and bookkeeping" in text and "Customer service over WhatsApp" in text
    # Each payment goes 7 years after it was made: the first and the last date are stated.
    paid = [p for (p,) in _sql("SELECT paid_at FROM payments WHERE contact_id = %s", [contact])]
    dates = sorted(dsar_retention.local_date(p) for p in paid)
    assert payment["until"] == (
        f"From {_day(dates[0] + relativedelta(years=7))} to {_day(dates[-1] + relativedelta(years=7))}"
    )
    # The customer number: 7 years after the last payment, not after the erasure.
    customer = kept["Your customer record", "Customer number"]
    assert customer["until"] == _day(dates[-1] + relativedelta(years=7))
    assert customer["retention"] == "7 years after the last payment"
    # The contract still runs: its period has not started, and the receipt says so.
    contract = kept["Your customer record", "Customer since"]
    assert contract["until"] == "Not fixed yet: the period starts when the contract ends"


def test_only_a_finished_erasure_has_a_receipt(demo):
    dr = services.open_request(number=FIRST, kind="access")
    with committed():
        job = jobs.start_job(data_request=dr, kind=Job.Kind.DISCOVER)
    job.refresh_from_db()
    with pytest.raises(ValueError):
        extracts.erasure_receipt_context(job=job, language="en")


# --- the register --------------------------------------------------------------------------


def test_the_register_pdf_has_every_article_30_field(db):
    seed_register()
    activities = ProcessingActivity.objects.prefetch_related("recipients").order_by("name")
    data = extracts.register_pdf(activities=activities, language="en")
    text = " ".join(_pages(data))
    flat = _flat(text)
    for heading in (
        "(a) Controller and contacts",
        "(b) Purposes and legal basis",
        "(c) Categories of data subjects and of personal data",
        "(d) Recipients",
        "(e) Transfers outside the EEA",
        "(f) Time limits for erasure",
        "(g) Security measures",
        "Source, systems and automated decisions",
    ):
        assert text.count(heading) == len(activities), heading
    for a in activities:
        for value in (a.name, a.purposes, a.subject_categories, a.retention_text, a.source):
            assert _flat(value) in flat, value
        for r in a.recipients.all():
            assert _flat(r.name) in flat
    assert "7 years after the last payment" in text
    assert "Voorbeeld Bank N.V." in text and "fg@voorbeeldbank.example" in text
    assert "Standard contractual clauses (Art. 46(2)(c))" in text
    assert "7 years after the payment" in text
    assert "Encryption in transit" in text or _flat("encryption in transit (TLS 1.2+)") in flat
    assert f"Register version {register.current_version()}" in text
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert reader.metadata.title == "Register of processing activities"


def test_the_pdf_of_one_activity_has_only_that_activity(db):
    seed_register()
    activity = ProcessingActivity.objects.get(code="payments")
    data = extracts.register_pdf(activities=[activity], language="en")
    text = " ".join(_pages(data))
    assert "Belastingdienst" in text and "CallVault" not in text
    assert pypdf.PdfReader(io.BytesIO(data)).metadata.title == (
        "Processing activity: Payments and bookkeeping"
    )


def test_a_column_is_never_narrower_than_its_longest_word():
    columns = [
        {"label": c}
        for c in ("Phone number", "Channel", "What for", "Given", "Withdrawn", "Evidence")
    ]
    values = [
        ["+31610000001", "whatsapp", "marketing", "2 August 2022, 06:12", "—",
         "opt-in via WhatsApp keyword OFFERS in the app settings of the customer"],
    ]  # fmt: skip
    widths = extracts._widths(columns, values)
    assert sum(widths) <= 100
    # 100 characters fit across: a 12-character number needs at least 12 % plus padding.
    assert widths[0] >= 13 and widths[1] >= 9 and widths[2] >= 10
