"""How long a customer's data is kept: the register's rule per activity, applied to their rows.

`kept_until()` is the one rule; `for_subject()` applies it per trigger to the demo data; the
case page flags rows already past their rule before anything is released.
"""

from __future__ import annotations

from datetime import date

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connections
from hypothesis import given
from hypothesis import strategies as st

from dsar import connectors, datamap, jobs, retention, services
from dsar.demo import DEMO_NUMBERS
from dsar.models import Job, ProcessingActivity
from dsar.retention import EXPIRED, RUNNING, UNKNOWN, UNTIL, Rule, kept_until, local_date
from tests.conftest import committed, staff_login, text

TODAY = date(2026, 12, 1)
FIRST = DEMO_NUMBERS["first_contact"]


def _sql(query, params=()):
    with connections["customer_service"].cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall() if cursor.description else []


# --- the one rule ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("trigger", "months", "since", "until", "state"),
    [
        ("collection", 6, date(2026, 9, 22), date(2027, 3, 22), UNTIL),
        ("last_contact", 24, date(2026, 10, 31), date(2028, 10, 31), UNTIL),
        ("contract_end", 12, date(2025, 3, 1), date(2026, 3, 1), EXPIRED),
        ("payment", 84, date(2019, 11, 30), date(2026, 11, 30), EXPIRED),
        ("last_payment", 84, date(2026, 10, 27), date(2033, 10, 27), UNTIL),
        ("consent_withdrawn", 60, date(2021, 12, 1), date(2026, 12, 1), UNTIL),  # today: kept
        # Regulation 1182/71's months: 31 January + 1 month is the end of February.
        ("collection", 1, date(2026, 1, 31), date(2026, 2, 28), EXPIRED),
    ],
)
def test_kept_until_is_the_period_after_the_trigger_date(trigger, months, since, until, state):
    kept = kept_until(Rule("x", trigger, months), since, today=TODAY)
    assert (kept.until, kept.state, kept.since) == (until, state, since)


def test_a_period_that_has_not_started_or_has_no_date_has_no_until():
    rule = Rule("x", "contract_end", 60)
    assert kept_until(rule, None, today=TODAY, running=True).state == RUNNING
    assert kept_until(rule, None, today=TODAY).state == UNKNOWN
    assert kept_until(None, date(2026, 1, 1), today=TODAY).state == UNKNOWN


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)),
    st.sampled_from([0, 1, 6, 12, 24, 60, 84]),
)
def test_expired_before_is_exactly_the_boundary_of_kept_until(day, today, months):
    rule = Rule("x", "collection", months)
    cutoff = retention.expired_before(rule, today=today)
    assert (day < cutoff) == (kept_until(rule, day, today=today).state == EXPIRED)


# --- applied to one customer's rows ----------------------------------------------------------

pytestmark_db = pytest.mark.django_db(databases=["default", "customer_service"])


def _held(number=FIRST, today=TODAY):
    dm = datamap.load(datamap_path())
    found = connectors.discover(dm, number)
    held = retention.for_subject(dm, found, rules=retention.register_rules(), today=today)
    return {(h.table, h.activity): h for h in held}


def datamap_path():
    from django.conf import settings

    return settings.DSAR_DATAMAP_PATH


def _contact(number=FIRST) -> int:
    return _sql("SELECT contact_id FROM contact_numbers WHERE number = %s", [number])[0][0]


def _max(query, params) -> date:
    return max(local_date(v) for (v,) in _sql(query, params))


@pytestmark_db
def test_each_trigger_counts_from_its_own_date(demo_db):
    contact = _contact()
    held = _held()
    # after collection, per row: the call recording 6 months after the call
    call = held["call_recordings", "call-recording"]
    started = local_date(_sql("SELECT started_at FROM call_recordings WHERE id = 1")[0][0])
    assert (call.whose, call.last.until) == ("row", started + relativedelta(months=6))
    # after the last contact, per customer: the latest message, conversation or call
    last_contact = max(
        _max(
            "SELECT m.sent_at FROM messages m JOIN conversations c ON c.id = m.conversation_id "
            "WHERE c.contact_id = %s",
            [contact],
        ),
        _max("SELECT started_at FROM conversations WHERE contact_id = %s", [contact]),
        started,
    )
    for table in ("messages", "conversations", "contact_numbers"):
        kept = held[table, "customer-service"]
        assert (kept.whose, kept.last.since) == ("subject", last_contact), table
        assert kept.last.until == last_contact + relativedelta(months=24)
    # after the payment, per row; after the last payment, per customer
    paid = [
        local_date(v)
        for (v,) in _sql("SELECT paid_at FROM payments WHERE contact_id = %s", [contact])
    ]
    payments = held["payments", "payments"]
    assert payments.first.until == min(paid) + relativedelta(years=7)
    assert payments.last.until == max(paid) + relativedelta(years=7)
    bookkeeping = held["contacts", "bookkeeping"]
    assert bookkeeping.columns == ("customer_no", "created_at")
    assert bookkeeping.last.until == max(paid) + relativedelta(years=7)
    # after the contract ends: the first contact's contract still runs
    assert held["contacts", "legal-claims"].last.state == RUNNING
    assert held["contacts", "customer-administration"].last.state == RUNNING
    # after consent is withdrawn: per row in the consent table (both still stand) ...
    consents = held["channel_consents", "consent-records"]
    assert (consents.whose, consents.running, consents.rows) == ("row", 2, 2)
    # ... and per customer for the marketing lists, which name no withdrawal of their own
    assert held["marketing_list_members", "marketing"].last.state == RUNNING


@pytestmark_db
def test_an_ended_contract_and_withdrawn_consents_are_dated(demo_db):
    contact = _contact()
    _sql("UPDATE contacts SET contract_end = %s WHERE id = %s", ["2026-06-30", contact])
    _sql(
        "UPDATE channel_consents SET withdrawn_at = %s WHERE number = %s",
        ["2026-11-15 10:00:00+00:00", FIRST],
    )
    held = _held()
    assert held["contacts", "legal-claims"].last.until == date(2031, 6, 30)
    assert held["contacts", "customer-administration"].last.until == date(2027, 6, 30)
    consents = held["channel_consents", "consent-records"]
    assert (consents.running, consents.last.until) == (0, date(2031, 11, 15))
    # marketing: 0 months after the last withdrawal, so due at once
    marketing = held["marketing_list_members", "marketing"]
    assert (marketing.last.until, marketing.last.state) == (date(2026, 11, 15), EXPIRED)
    assert marketing.expired == marketing.rows


@pytestmark_db
def test_rows_past_their_rule_are_counted_per_row(demo_db):
    # A 2021 call kept under "6 months after the call".
    _sql("UPDATE call_recordings SET started_at = %s WHERE id = 1", ["2021-04-01 09:00:00+00:00"])
    call = _held()["call_recordings", "call-recording"]
    assert (call.expired, call.last.until, call.last.state) == (1, date(2021, 10, 1), EXPIRED)
    assert call in retention.past_rule(list(_held().values()))


@pytestmark_db
def test_a_row_past_its_rule_is_flagged_to_staff_before_release(demo_db, client, bob, carol):
    _sql("UPDATE call_recordings SET started_at = %s WHERE id = 1", ["2021-04-01 09:00:00+00:00"])
    from dsar import casework

    dr = services.open_request(number=FIRST, kind="access")
    casework.claim(data_request=dr, user=bob)
    with committed():
        jobs.start_job(data_request=dr, kind=Job.Kind.PACKAGE, by=bob)
    package_job = dr.jobs.get(kind="package")
    assert [(h["table"], h["expired"]) for h in package_job.summary["past_rule"]] == [
        ("call_recordings", 1)
    ]
    page = text(staff_login(client, bob).get(f"/staff/cases/{dr.reference}/"))
    assert "call_recordings: 1 record is past the retention rule of call-recording" in page
    casework.submit_for_approval(data_request=dr, by=bob)
    review = text(staff_login(client, carol).get(f"/staff/cases/{dr.reference}/review/"))
    assert "Some of these records are past their retention rule" in review
    assert "call_recordings (call-recording): 1 record past its rule" in review


@pytestmark_db
def test_an_activity_missing_from_the_register_is_unknown_not_guessed(demo_db):
    ProcessingActivity.objects.filter(code="call-recording").delete()
    call = _held()["call_recordings", "call-recording"]
    assert call.rule is None and call.last.state == UNKNOWN


@pytestmark_db
def test_the_receipts_purge_dates_are_the_rules_dates(demo_db):
    """The dates the erasure receipt states equal kept_until() for the rows it kept."""
    heavy = DEMO_NUMBERS["heavy"]
    contact = _contact(heavy)
    paid = [
        local_date(v)
        for (v,) in _sql("SELECT paid_at FROM payments WHERE contact_id = %s", [contact])
    ]
    withdrawn = [
        local_date(v)
        for (v,) in _sql(
            "SELECT withdrawn_at FROM channel_consents WHERE number = %s AND withdrawn_at IS NOT NULL",
            [heavy],
        )
    ]
    dr = services.open_request(number=heavy, kind="erasure")
    with committed():
        discovery = jobs.start_job(data_request=dr, kind=Job.Kind.DISCOVER)
    discovery.refresh_from_db()
    with committed():
        erase = jobs.start_job(
            data_request=dr, kind=Job.Kind.ERASE, approved_sha256=discovery.summary["fingerprint"]
        )
    erase.refresh_from_db()
    assert erase.state == "done", erase.error
    reports = {jt.table: jt.report for jt in erase.tables.all()}
    today = date.today()
    by_column = {r["column"]: r for r in reports["payments"]["retained"]}
    assert (
        by_column["amount_cents"]["kept"]["until"]
        == (max(paid) + relativedelta(years=7)).isoformat()
    )
    assert (
        by_column["amount_cents"]["kept_first"]["until"]
        == (min(paid) + relativedelta(years=7)).isoformat()
    )
    contacts = {r["column"]: r for r in reports["contacts"]["retained"]}
    assert (
        contacts["customer_no"]["kept"]["until"] == (max(paid) + relativedelta(years=7)).isoformat()
    )
    consents = {r["column"]: r for r in reports["channel_consents"]["retained"]}
    assert (
        consents["evidence"]["kept"]["until"]
        == (max(withdrawn) + relativedelta(years=5)).isoformat()
    )
    # None of these is a date in the past stated as one to come.
    for report in reports.values():
        for item in report.get("retained", []):
            kept = item["kept"]
            if kept["state"] == UNTIL:
                assert date.fromisoformat(kept["until"]) >= today


@pytestmark_db
def test_a_shared_number_never_states_a_period_from_the_rows_that_remain(demo_db):
    # The household's conversations and messages were left out (whose are they?), so the
    # last contact is not known: no date, and no false alarm of rows past their rule.
    held = _held(DEMO_NUMBERS["household"])
    # Until staff decide who asked, the household's own rows are withheld altogether...
    assert ("contact_numbers", "customer-service") not in held
    # ...and what remains (the consents of the number) states no period counted from them.
    for h in held.values():
        assert h.whose == "row" or h.last.state in (UNKNOWN, RUNNING), h
    # Rows dated by their own date (a call 6 months after it was made) are still judged.
    assert all(h.whose == "row" for h in retention.past_rule(list(held.values())))


@pytestmark_db
def test_the_receipt_says_which_kept_rows_wait_for_their_trigger(demo_db):
    from dsar import extracts

    heavy = DEMO_NUMBERS["heavy"]
    dr = services.open_request(number=heavy, kind="erasure")
    with committed():
        discovery = jobs.start_job(data_request=dr, kind=Job.Kind.DISCOVER)
    discovery.refresh_from_db()
    with committed():
        jobs.start_job(
            data_request=dr, kind=Job.Kind.ERASE, approved_sha256=discovery.summary["fingerprint"]
        )
    erase = dr.jobs.get(kind="erase")
    for language, standing in (
        ("en", "for 1 record not fixed yet: its period starts when consent is withdrawn"),
        ("nl", "voor 1 record nog niet bekend: de bewaartermijn begint wanneer de toestemming"),
    ):
        context = extracts.erasure_receipt_context(job=erase, language=language)
        assert any(standing in k["until"] for k in context["kept"]), [
            k["until"] for k in context["kept"]
        ]
    # The legal basis in the customer's language (the data map gives it per language).
    nl = extracts.erasure_receipt_context(job=erase, language="nl")
    bases = {str(k["legal_basis"]) for k in nl["kept"]}
    assert any(b.startswith("Art. 17 lid 3 sub b AVG") for b in bases), bases
    assert not any(b.startswith("GDPR Art.") for b in bases), bases


@pytestmark_db
def test_a_column_that_is_two_kinds_of_date_counts_for_both_in_any_order(demo_db):
    # PostgreSQL's jsonb stores a loaded map's `dates` with its keys reordered: messages'
    # sent_at is a "collected" and a "contact" date whichever comes first.
    dm = datamap.load(datamap_path())
    content = dm.to_dict()
    for table in content["tables"]:
        if table.get("dates"):
            table["dates"] = dict(reversed(list(table["dates"].items())))
    reordered = datamap.from_dict(content, origin="reordered", sha256=dm.sha256)
    found = connectors.discover(reordered, FIRST)
    rules = retention.register_rules()
    held = {
        (h.table, h.activity): h
        for h in retention.for_subject(reordered, found, rules=rules, today=TODAY)
    }
    assert held["messages", "customer-service"].last.state == UNTIL
    assert held["contacts", "bookkeeping"].last.state == UNTIL
