"""The access answer a customer receives, end to end through the pages, in each language.

The customer verifies and files; bob claims, runs discovery, builds the package and submits;
carol opens the review and the extract and approves; the customer downloads. Every request
commits as in production (tests.conftest.Client): the tasks it enqueues on commit run after
it, not inside its transaction. Then the ZIP is opened: its register extract is read with pypdf and checked for
every item of Art. 15(1)(a)-(h) and 15(2) in the customer's language, and its data files are
compared with what plain SQL finds for the customer.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from datetime import date

import pypdf
import pytest
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.files.storage import storages
from django.db import connections
from django.utils import formats, translation

from dsar.demo import DEMO_NUMBERS
from dsar.models import AuditEvent, DataRequest, ProcessingActivity
from dsar.retention import local_date
from tests.conftest import Client, last_code, staff_login

pytestmark = pytest.mark.django_db(databases=["default", "customer_service"])

FIRST = DEMO_NUMBERS["first_contact"]
HOUSEHOLD = DEMO_NUMBERS["household"]
LANGUAGES = ["en", "nl", "sv", "ru"]


def _sql(query, params=()):
    with connections["customer_service"].cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _customer_files(client, number, language) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    r = client.post("/verify/", {"number": number})
    assert r.status_code == 302, r.content[:300]
    r = client.post("/verify/code/", {"code": last_code(number)})
    assert r.status_code == 302
    r = client.post("/my/requests/new/", {"kind": "access"})
    assert r.status_code == 302
    return r.url.split("/")[3]


def _staff_prepare(bob, reference, *, requester=None) -> None:
    client = staff_login(Client(), bob)
    for action in ("claim", "run/discover"):
        r = client.post(f"/staff/cases/{reference}/{action}/")
        assert r.status_code == 302, (action, r.content[:300])
    if requester is not None:
        # A shared number: bob opens the evidence and decides who the customer is.
        assert client.get(f"/staff/cases/{reference}/shared-number/").status_code == 200
        r = client.post(
            f"/staff/cases/{reference}/shared-number/decide/",
            {"link": "customer-service|contact_numbers|contacts", "requester": requester},
        )
        assert r.status_code == 302 and r.url == f"/staff/cases/{reference}/"
    for action in ("run/package", "submit"):
        r = client.post(f"/staff/cases/{reference}/{action}/")
        assert r.status_code == 302, (action, r.content[:300])
    assert DataRequest.objects.get(reference=reference).status == "awaiting_approval"


def _approver_reviews_and_approves(carol, reference) -> bytes:
    client = staff_login(Client(), carol)
    review = client.get(f"/staff/cases/{reference}/review/")
    assert review.status_code == 200
    extract = client.get(f"/staff/cases/{reference}/review/register-extract.pdf")
    assert extract.status_code == 200 and extract["Content-Type"] == "application/pdf"
    r = client.post(f"/staff/cases/{reference}/approve/")
    assert r.status_code == 302
    dr = DataRequest.objects.get(reference=reference)
    assert dr.status == "completed", dr.status
    # The approver saw the hash of the very ZIP the customer gets.
    package = dr.packages.get()
    assert package.sha256 in review.content.decode()
    return extract.content


def _download(client, reference) -> bytes:
    r = client.get(f"/my/requests/{reference}/download/")
    assert r.status_code == 200, r.status_code
    return b"".join(r.streaming_content)


def _answer(client, bob, carol, *, number=FIRST, language="en", requester=None):
    reference = _customer_files(client, number, language)
    _staff_prepare(bob, reference, requester=requester)
    reviewed_pdf = _approver_reviews_and_approves(carol, reference)
    data = _download(client, reference)
    zf = zipfile.ZipFile(io.BytesIO(data))
    assert (
        hashlib.sha256(data).hexdigest()
        == DataRequest.objects.get(reference=reference).packages.get().sha256
    )
    return reference, zf, reviewed_pdf


def _text(pdf_bytes: bytes) -> str:
    return " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf_bytes)).pages)


def _contact() -> int:
    return _sql("SELECT contact_id FROM contact_numbers WHERE number = %s", [FIRST])[0][0]


def _expected_rows(contact: int) -> dict[str, list[int]]:
    """The customer's rows per table, found by hand-written SQL (not by the portal)."""
    ids = lambda q, p: sorted(r[0] for r in _sql(q, p))  # noqa: E731
    recordings = [
        rid
        for rid, stored in _sql("SELECT id, caller_number FROM call_recordings")
        if re.sub(r"\D", "", stored).endswith("610000001")
    ]
    return {
        "contact_numbers": ids("SELECT id FROM contact_numbers WHERE contact_id = %s", [contact]),
        "contacts": [contact],
        "conversations": ids("SELECT id FROM conversations WHERE contact_id = %s", [contact]),
        "messages": ids(
            "SELECT m.id FROM messages m JOIN conversations c ON c.id = m.conversation_id "
            "WHERE c.contact_id = %s",
            [contact],
        ),
        "channel_consents": ids("SELECT id FROM channel_consents WHERE number = %s", [FIRST]),
        "marketing_list_members": ids(
            "SELECT id FROM marketing_list_members WHERE contact_id = %s", [contact]
        ),
        "call_recordings": sorted(recordings),
        "payments": ids("SELECT id FROM payments WHERE contact_id = %s", [contact]),
    }


def _day(value: date, language: str) -> str:
    with translation.override(language):
        return formats.date_format(value, "DATE_FORMAT")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_customer_receives_a_complete_true_answer_in_their_language(
    language, demo_db, client, bob, carol
):
    contact = _contact()
    reference, zf, reviewed_pdf = _answer(client, bob, carol, language=language)
    names = zf.namelist()
    assert {"data.json", "README.txt", "register-extract.pdf"} <= set(names)
    extract = zf.read("register-extract.pdf")
    # The approver opened the very extract the customer gets.
    assert extract == reviewed_pdf
    reader = pypdf.PdfReader(io.BytesIO(extract))
    assert reader.trailer["/Root"]["/Lang"] == language
    text = _text(extract)
    flat = _flat(text)
    # Rights the portal does not take are sent to the privacy team, never to the portal.
    assert "privacy@voorbeeldbank.example" in flat.replace(" ", "")
    readme = " ".join(zf.read("README.txt").decode().split())
    assert "privacy@voorbeeldbank.example" in readme and reference in readme

    activities = {
        a.code: a
        for a in ProcessingActivity.objects.filter(
            code__in=[
                "customer-service",
                "customer-administration",
                "bookkeeping",
                "legal-claims",
                "consent-records",
                "marketing",
                "call-recording",
                "payments",
            ]
        ).prefetch_related("recipients")
    }
    assert len(activities) == 8
    field = lambda a, name: getattr(a, f"{name}_{language}")  # noqa: E731
    for a in activities.values():
        # (a) the purposes and the legal basis, (g) the source: in the customer's language.
        assert _flat(field(a, "name")) in flat, a.code
        assert _flat(field(a, "purposes")) in flat, a.code
        assert _flat(field(a, "legal_basis_detail")) in flat, a.code
        assert _flat(field(a, "source")) in flat, a.code
        # (d) the rule itself
        assert _flat(field(a, "retention_text")) in flat, a.code
        # (c) the recipients, named
        for r in a.recipients.all():
            assert _flat(field(r, "name")) in flat, (a.code, r.name_en)
        if language != "en":
            # Dutch throughout: no English register text in the extract.
            for name in ("purposes", "legal_basis_detail", "source", "retention_text"):
                assert _flat(field(a, f"{name}")) != _flat(getattr(a, f"{name}_en"))
                assert _flat(getattr(a, f"{name}_en")) not in flat, (a.code, name)
    with translation.override(language):
        from django.utils.translation import gettext

        # (b) the categories of data
        for category in ("Identity", "Contact details", "Communication", "Financial data"):
            assert _flat(gettext(category)) in flat, category
        # (e) the rights, (f) the complaint to the supervisory authority, and court
        for right in (
            "Rectification (Art. 16)",
            "Erasure (Art. 17)",
            "Restriction (Art. 18)",
            "Objection (Art. 21)",
            "Complaint to the supervisory authority (Art. 77)",
        ):
            assert _flat(gettext(right)) in flat, right
        # 15(2): the transfer outside the EEA and its safeguard
        assert _flat(gettext("Standard contractual clauses (Art. 46(2)(c))")) in flat
        if language != "en":
            assert "in English" not in text and gettext("in English") not in text
    assert _flat(settings.DSAR_SUPERVISORY_AUTHORITY) in flat
    callvault = activities["call-recording"].recipients.get()
    assert _flat(field(callvault, "safeguard_detail")) in flat
    # (h) automated decision-making, with its logic
    assert _flat(field(activities["marketing"], "automated_logic")) in flat
    # (d) for this customer: the last contact plus 24 months, the last payment plus 7 years.
    last_message = max(
        local_date(v)
        for (v,) in _sql(
            "SELECT m.sent_at FROM messages m JOIN conversations c ON c.id = m.conversation_id "
            "WHERE c.contact_id = %s",
            [contact],
        )
    )
    last_call = max(
        local_date(v) for (v,) in _sql("SELECT started_at FROM call_recordings WHERE id = %s", [1])
    )
    last_contact = max(last_message, last_call)
    assert _flat(_day(last_contact + relativedelta(months=24), language)) in flat
    last_paid = max(
        local_date(v)
        for (v,) in _sql("SELECT paid_at FROM payments WHERE contact_id = %s", [contact])
    )
    assert _flat(_day(last_paid + relativedelta(years=7), language)) in flat

    # The copy of the data (15(3)) equals what SQL finds, table by table.
    document = json.loads(zf.read("data.json"))
    assert document["reference"] == reference and document["language"] == language
    assert document["register_version"] >= 1 and document["datamap_sha256"]
    assert (
        document["datamap_version"] == document["datamap_version"]
        and document["withheld_records"] == 0
    )
    records = {t["table"]: t["records"] for s in document["sources"] for t in s["tables"]}
    for table, ids in _expected_rows(contact).items():
        assert sorted(r["id"] for r in records[table]) == ids, table
        rows = list(
            csv.reader(
                io.StringIO(zf.read(f"csv/customer-service__{table}.csv").decode("utf-8-sig"))
            )
        )
        assert sorted(int(r[0]) for r in rows[1:]) == ids, table
    bodies = dict(
        _sql(
            "SELECT m.id, m.body FROM messages m JOIN conversations c ON c.id = m.conversation_id "
            "WHERE c.contact_id = %s",
            [contact],
        )
    )
    assert {r["id"]: r["body"] for r in records["messages"]} == bodies
    # 15(3) for a call is its audio: the file itself, with its fingerprint.
    (recording,) = records["call_recordings"]
    entry = recording["recording_uri"]
    stored = storages["recordings"].open(entry["stored_as"], "rb").read()
    assert zf.read(entry["file"]) == stored and stored[:4] == b"RIFF"
    assert entry["sha256"] == hashlib.sha256(stored).hexdigest() and entry["size"] == len(stored)
    assert AuditEvent.objects.filter(action="dsar.package.file_viewed", actor=carol).exists()


def test_a_shared_number_tells_what_was_withheld_and_how_to_ask(demo_db, client, bob, carol):
    # Staff cannot tell which member of the household asked: everything of theirs stays out.
    reference, zf, _pdf = _answer(client, bob, carol, number=HOUSEHOLD, requester="unknown")
    document = json.loads(zf.read("data.json"))
    withheld = document["withheld_records"]
    assert withheld > 0
    records = {t["table"]: t["records"] for s in document["sources"] for t in s["tables"]}
    # Neither member's number row, nor a call that may hold the other's voice.
    assert not records.get("contact_numbers") and not records.get("call_recordings")
    assert not records.get("contacts") and not records.get("messages")
    assert records["channel_consents"]  # about the number itself: the customer's
    readme = " ".join(zf.read("README.txt").decode().split())
    assert (
        f"{withheld} records are linked to a phone number that you share with someone else"
        in readme
    )
    assert f"mention reference {reference}" in readme
    text = " ".join(_text(zf.read("register-extract.pdf")).split())
    assert (
        f"{withheld} records are linked to a phone number that you share with someone else" in text
    )
    assert "you can ask for them" in text and reference in text
