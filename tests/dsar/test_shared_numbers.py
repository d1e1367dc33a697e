"""A shared household number: nothing of the other member's goes out or is erased, staff
decide who the customer is on an audited evidence page, the customer hears what was left.

The demo's +31 6 10000002 is shared by contacts 2 and 3 (dsar.demo.personas), one row each
in contact_numbers. Each test adds a call from that number, so that there is one whatever
the seed.
"""

from __future__ import annotations

import json
import zipfile

import pytest
from django.conf import settings
from django.db import connections

from dsar import casework, extracts, jobs, services, shared_numbers
from dsar.demo import DEMO_NUMBERS
from dsar.models import AuditEvent, DataRequest, Job, RequesterDecision
from dsar.retention import local_date
from tests.conftest import Client, staff_login, text, verify
from verification.phone import normalise_stored

pytestmark = pytest.mark.django_db(databases=["default", "customer_service"])

HOUSEHOLD = DEMO_NUMBERS["household"]
LINK = ("customer-service", "contact_numbers", "contacts")
CALL = 990_001


def _sql(query, params=()):
    with connections["customer_service"].cursor() as cursor:
        cursor.execute(query, params)
        # psycopg refuses fetchall() after a statement that returns no rows (an INSERT).
        return cursor.fetchall() if cursor.description else []


@pytest.fixture
def household(demo_db):
    """The household number with one call on it (its audio file is not in the storage)."""
    _sql(
        "INSERT INTO call_recordings (id, caller_number, started_at, duration_s, recording_uri, "
        "agent_name) VALUES (%s, %s, %s, %s, %s, %s)",
        [CALL, "06-10000002", "2026-01-05 10:00:00+00:00", 60, "calls/household.wav", "Agent"],
    )
    return demo_db


def _calls() -> list[int]:
    """The calls from the household number, normalised in Python (the oracle)."""
    rows = _sql("SELECT id, caller_number FROM call_recordings")
    return sorted(i for i, n in rows if normalise_stored(n, region="NL") == HOUSEHOLD)


def _member(contact_id: int) -> dict:
    """Everything of one household member, read with plain SQL."""
    conversations = [
        r[0] for r in _sql("SELECT id FROM conversations WHERE contact_id = %s", [contact_id])
    ]
    marks = ", ".join(["%s"] * len(conversations)) or "NULL"
    return {
        "numbers": _sql(
            "SELECT id, number, channel FROM contact_numbers WHERE contact_id = %s", [contact_id]
        ),
        "contact": _sql(
            "SELECT full_name, email, postal_code, date_of_birth FROM contacts WHERE id = %s",
            [contact_id],
        ),
        "conversations": conversations,
        "messages": _sql(
            f"SELECT id, body FROM messages WHERE conversation_id IN ({marks}) ORDER BY id",  # noqa: S608
            conversations,
        ),
        "payments": _sql("SELECT id FROM payments WHERE contact_id = %s", [contact_id]),
    }


def _case(bob, kind):
    dr = services.open_request(number=HOUSEHOLD, kind=kind)
    casework.claim(data_request=dr, user=bob)
    return dr


def _run(dr, bob, kind):
    from tests.conftest import committed

    with committed():
        casework.start_job(data_request=dr, kind=kind, by=bob)
    return dr.jobs.filter(kind=kind).order_by("-pk").first()


def _erase(dr, bob, carol, settings, contact):
    from tests.conftest import committed

    settings.DSAR_ERASURE_COOLING_OFF_HOURS = 0
    _run(dr, bob, Job.Kind.DISCOVER)
    casework.decide_requester(data_request=dr, link=LINK, contact=contact, by=bob)
    _run(dr, bob, Job.Kind.DISCOVER)
    casework.submit_for_approval(data_request=dr, by=bob)
    casework.record_review(data_request=dr, by=carol)
    with committed():
        casework.approve(data_request=dr, approver=carol)
    dr.refresh_from_db()
    erase = dr.jobs.get(kind=Job.Kind.ERASE)
    assert erase.state == Job.State.DONE, erase.error
    return erase


# --- erasure ---------------------------------------------------------------------------------


def test_an_erasure_that_cannot_tell_the_customer_erases_neither_member(
    household, bob, carol, settings
):
    before = {2: _member(2), 3: _member(3)}
    calls = _calls()
    dr = _case(bob, "erasure")

    erase = _erase(dr, bob, carol, settings, contact=None)

    # Both links to the number, both members' records and the call are untouched.
    assert {2: _member(2), 3: _member(3)} == before
    assert len(before[2]["numbers"]) == len(before[3]["numbers"]) == 1
    assert CALL in calls and _calls() == calls
    planned = {jt.table: jt.keys for jt in erase.tables.all()}
    assert planned["contact_numbers"] == [] and planned["call_recordings"] == []
    assert planned["contacts"] == [] and planned["messages"] == []
    # The consents are about the number the customer controls: hashed as for anyone.
    assert planned["channel_consents"]
    dr.refresh_from_db()
    assert dr.status == DataRequest.Status.COMPLETED
    assert erase.summary["plan"]["withheld"] > 0


def test_an_erasure_for_the_chosen_member_leaves_the_other_alone(household, bob, carol, settings):
    other = _member(3)
    mine = _member(2)
    dr = _case(bob, "erasure")

    erase = _erase(dr, bob, carol, settings, contact="2")

    # Contact 2's link, conversations and messages are gone, its personal fields masked ...
    assert _member(2)["numbers"] == [] and _member(2)["messages"] == []
    assert _member(2)["contact"] != mine["contact"]
    # ... the calls on the number went with the chosen member ...
    assert _calls() == []
    # ... and contact 3 keeps everything, its link to the number first of all.
    assert _member(3) == other and len(other["numbers"]) == 1
    planned = {jt.table: jt.keys for jt in erase.tables.all()}
    assert planned["contact_numbers"] == [r[0] for r in mine["numbers"]]
    assert planned["contacts"] == [2]
    assert erase.summary["plan"]["withheld"] == 0


# --- access package ---------------------------------------------------------------------------


def _records(job):
    with zipfile.ZipFile(settings.PRIVATE_MEDIA_ROOT / job.package.path) as zf:
        document = json.loads(zf.read("data.json"))
    return document, {t["table"]: t["records"] for s in document["sources"] for t in s["tables"]}


def test_a_package_for_the_chosen_member_holds_only_its_own_link_and_rows(household, bob):
    dr = _case(bob, "access")
    _run(dr, bob, Job.Kind.DISCOVER)
    casework.decide_requester(data_request=dr, link=LINK, contact="2", by=bob)

    document, records = _records(_run(dr, bob, Job.Kind.PACKAGE))

    (number,) = records["contact_numbers"]
    assert number["id"] == _member(2)["numbers"][0][0]
    assert [c["id"] for c in records["contacts"]] == [2]
    theirs = {m[0] for m in _member(3)["messages"]}
    assert theirs and not theirs & {m["id"] for m in records["messages"]}
    assert {c["id"] for c in records["call_recordings"]} == set(_calls())
    assert document["withheld_records"] == 0


def test_an_undecided_package_holds_neither_members_link_nor_the_calls(household, bob):
    dr = _case(bob, "access")

    document, records = _records(_run(dr, bob, Job.Kind.PACKAGE))

    assert "contact_numbers" not in records and "call_recordings" not in records
    assert "contacts" not in records and "messages" not in records
    assert records["channel_consents"]
    assert document["withheld_records"] > 0


# --- the evidence page ------------------------------------------------------------------------


def _names() -> dict[int, str]:
    return dict(_sql("SELECT id, full_name FROM contacts WHERE id IN (2, 3)"))


def test_the_evidence_page_shows_the_contacts_without_their_messages(household, bob):
    dr = _case(bob, "access")
    client = staff_login(Client(), bob)

    r = client.get(f"/staff/cases/{dr.reference}/shared-number/")

    assert r.status_code == 200
    page = text(r)
    customer_numbers = dict(_sql("SELECT id, customer_no FROM contacts WHERE id IN (2, 3)"))
    for contact_id, name in _names().items():
        assert customer_numbers[contact_id] in page
        assert shared_numbers.initials(name) in page
        assert name not in page  # initials only
    for contact_id in (2, 3):
        for _id, body in _member(contact_id)["messages"]:
            assert body not in page
        email = _sql("SELECT email FROM contacts WHERE id = %s", [contact_id])[0][0]
        assert not email or email not in page
    assert f"call_recordings: {len(_calls())}" in page
    assert r["Cache-Control"].startswith("max-age=0") or "no-store" in r["Cache-Control"]
    (event,) = AuditEvent.objects.filter(action="dsar.shared_number.evidence_viewed")
    assert event.actor == bob and event.data_request == dr
    assert event.data == {
        "links": [
            {
                **dict(zip(("source", "number_table", "linked_table"), LINK, strict=True)),
                "contacts": [2, 3],
            }
        ]
    }


def test_the_evidence_lists_each_members_rows_and_contact_dates(household, bob):
    dr = _case(bob, "access")

    (evidence,) = shared_numbers.evidence(data_request=dr)

    assert [c.value for c in evidence.contacts] == ["2", "3"]
    for contact in evidence.contacts:
        member = _member(int(contact.value))
        tables = {t.table: t.rows for t in contact.tables}
        assert tables["contact_numbers"] == 1 and tables["contacts"] == 1
        assert tables.get("messages", 0) == len(member["messages"])
        started = _sql(
            "SELECT MIN(started_at), MAX(started_at) FROM conversations WHERE contact_id = %s",
            [int(contact.value)],
        )[0]
        if member["conversations"]:
            assert contact.first_contact and contact.first_contact <= local_date(started[0])
            assert contact.last_contact
    assert [(t.table, t.rows) for t in evidence.number_only] == [("call_recordings", len(_calls()))]


def test_a_decision_through_the_page_is_recorded_and_shown(household, bob):
    dr = _case(bob, "erasure")
    client = staff_login(Client(), bob)

    r = client.post(
        f"/staff/cases/{dr.reference}/shared-number/decide/",
        {"link": "|".join(LINK), "requester": "contact:3"},
    )

    assert r.status_code == 302
    decision = RequesterDecision.objects.get(data_request=dr)
    assert decision.value == "3" and decision.decided_by == bob
    r = client.post(
        f"/staff/cases/{dr.reference}/shared-number/decide/",
        {"link": "|".join(LINK), "requester": "contact:99"},
        follow=True,
    )
    assert "Choose one of the contacts listed" in text(r)
    assert RequesterDecision.objects.get(data_request=dr).value == "3"


def test_managers_and_customers_cannot_reach_the_evidence(household, bob, maria, dave):
    dr = _case(bob, "access")
    for user in (maria, dave):
        client = staff_login(Client(), user)
        assert client.get(f"/staff/cases/{dr.reference}/shared-number/").status_code == 403
        r = client.post(
            f"/staff/cases/{dr.reference}/shared-number/decide/",
            {"link": "|".join(LINK), "requester": "contact:2"},
        )
        assert r.status_code == 403
    customer = Client()
    verify(customer, HOUSEHOLD)
    r = customer.get(f"/staff/cases/{dr.reference}/shared-number/")
    assert r.status_code == 302 and r.url.startswith("/staff/login/")
    assert customer.get(f"/my/requests/{dr.reference}/shared-number/").status_code == 404
    assert not AuditEvent.objects.filter(action="dsar.shared_number.evidence_viewed").exists()
    assert not RequesterDecision.objects.exists()


def test_the_decision_enforces_csrf(household, bob):
    dr = _case(bob, "access")
    client = Client(enforce_csrf_checks=True)
    staff_login(client, bob)

    r = client.post(
        f"/staff/cases/{dr.reference}/shared-number/decide/",
        {"link": "|".join(LINK), "requester": "contact:2"},
    )

    assert r.status_code == 403
    assert not RequesterDecision.objects.exists()


# --- what the customer is told ------------------------------------------------------------------


def test_the_erasure_receipt_says_what_was_not_erased_and_how_to_ask(
    household, bob, carol, settings
):
    from dsar.models import ProcessingActivity

    dr = _case(bob, "erasure")
    erase = _erase(dr, bob, carol, settings, contact=None)
    withheld = erase.summary["plan"]["withheld"]

    context = extracts.erasure_receipt_context(job=erase, language="en")
    pdf = extracts.erasure_receipt_pdf(job=erase, language="en")

    assert context["withheld"] == withheld > 0
    import io

    import pypdf

    flat = " ".join(
        " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages).split()
    )
    assert (
        f"{withheld} records linked to your phone number were not erased, because you share "
        "the number with someone else and they may belong to them" in flat
    )
    assert f"mentionreference{dr.reference}" in flat.replace(" ", "")
    contact = ProcessingActivity.objects.get(code="customer-administration").controller_contact_en
    assert " ".join(contact.split()) in flat


def test_the_customer_page_says_the_erasure_was_partial(household, bob, carol, settings):
    dr = _case(bob, "erasure")
    erase = _erase(dr, bob, carol, settings, contact=None)
    customer = Client()
    verify(customer, HOUSEHOLD)

    page = text(customer.get(f"/my/requests/{dr.reference}/"))

    withheld = erase.summary["plan"]["withheld"]
    assert f"{withheld} records linked to your phone number were not erased" in page


def test_no_evidence_for_a_number_nobody_shares(demo_db, bob):
    dr = services.open_request(number=DEMO_NUMBERS["first_contact"], kind="access")
    with pytest.raises(services.NotAllowed, match="nothing to decide"):
        casework.view_requester_evidence(data_request=dr, by=bob)
    assert not AuditEvent.objects.filter(action="dsar.shared_number.evidence_viewed").exists()
    assert jobs.requester_of(dr) == {}


def test_the_approver_sees_the_decision_in_the_review(household, bob, carol):
    dr = _case(bob, "erasure")
    _run(dr, bob, Job.Kind.DISCOVER)
    casework.decide_requester(data_request=dr, link=LINK, contact="2", by=bob)
    _run(dr, bob, Job.Kind.DISCOVER)
    casework.submit_for_approval(data_request=dr, by=bob)

    page = text(staff_login(Client(), carol).get(f"/staff/cases/{dr.reference}/review/"))

    assert "made for contact 2 in contacts, whom the preparer decided is the customer" in page


def test_the_case_page_links_to_the_decision_and_shows_it(household, bob, maria):
    dr = _case(bob, "access")
    _run(dr, bob, Job.Kind.DISCOVER)
    client = staff_login(Client(), bob)

    page = text(client.get(f"/staff/cases/{dr.reference}/"))
    assert "This number is shared by 2 records in contacts" in page
    assert "See who is behind the number and decide" in page
    manager = text(staff_login(Client(), maria).get(f"/staff/cases/{dr.reference}/"))
    assert "See who is behind the number and decide" not in manager

    casework.decide_requester(data_request=dr, link=LINK, contact="2", by=bob)
    _run(dr, bob, Job.Kind.DISCOVER)
    page = text(client.get(f"/staff/cases/{dr.reference}/"))
    assert "bob decided that contact 2 in contacts is the customer" in page
    assert "This number is shared by 2 records in contacts" not in page
