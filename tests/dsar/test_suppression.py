"""Objection to direct marketing and consent withdrawal: carried out on filing (Art. 21(3),
7(3)), through the customer's own path, proven in the customer-service database."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import connections

from dsar import jobs, suppression
from dsar.demo import DEMO_NUMBERS
from dsar.models import AuditEvent, DataRequest, Job, Suppression
from tests.conftest import Client, committed, staff_login, text, verify

pytestmark = pytest.mark.django_db(databases=["default", "customer_service"])
FIRST = DEMO_NUMBERS["first_contact"]
PROSPECT = DEMO_NUMBERS["consent_only"]


def cs(sql: str, params=None) -> list[tuple]:
    with connections["customer_service"].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def consents(number: str) -> dict[tuple[str, str], bool]:
    """{(channel, scope): withdrawn?} of a number's consents (stored in E.164)."""
    rows = cs(
        "SELECT channel, scope, withdrawn_at FROM channel_consents WHERE number = %s", [number]
    )
    return {(ch, scope): withdrawn is not None for ch, scope, withdrawn in rows}


def lists_of(contact_id: int) -> list[str]:
    rows = cs("SELECT list_name FROM marketing_list_members WHERE contact_id = %s", [contact_id])
    return sorted(name for (name,) in rows)


def file(client, number: str, kind: str, channel: str):
    verify(client, number)
    r = client.post("/my/requests/new/", {"kind": kind, "channel": channel})
    assert r.status_code == 302, r.content[:300]
    return DataRequest.objects.get(subject__number=number, kind=kind), client.get(r.url)


def test_an_objection_takes_the_customer_off_every_list_and_withdraws_marketing_consent(
    client, demo_db, outbox
):
    before_lists = lists_of(1)
    assert before_lists and consents(FIRST)[("whatsapp", "marketing")] is False
    dr, page = file(client, FIRST, "objection", "whatsapp")

    # The customer-service database changed: marketing consent withdrawn, lists gone, and
    # the consent for service messages stands.
    assert lists_of(1) == []
    after = consents(FIRST)
    assert after[("whatsapp", "marketing")] is True
    assert after[("whatsapp", "service")] is False
    withdrawn_at = cs(
        "SELECT withdrawn_at FROM channel_consents WHERE number = %s AND scope = 'marketing'",
        [FIRST],
    )[0][0]
    assert withdrawn_at is not None

    # The case closed itself, through _move, audited.
    dr.refresh_from_db()
    assert dr.status == "completed" and dr.closed_at is not None
    actions = list(dr.events.values_list("action", flat=True))
    assert "dsar.suppression.applied" in actions and "dsar.suppression.listed" in actions
    moved = dr.events.get(action="dsar.request.status_changed")
    assert moved.data["from"] == "received" and moved.data["to"] == "completed"
    job = dr.jobs.get()
    assert job.kind == Job.Kind.SUPPRESS and job.state == Job.State.DONE

    # The confirmation says exactly what was done, and not a deadline.
    body = text(page)
    names = ", ".join(n[0].upper() + n[1:] for n in before_lists)
    count = len(before_lists)
    assert f"You are off {count} list{'s' if count > 1 else ''}: {names}." in body
    assert "WhatsApp marketing consent withdrawn." in body
    assert "at the latest" not in body
    # The same on the channel.
    notice = [m for m in outbox if m.kind == "marketing-stopped"]
    assert len(notice) == 1 and notice[0].to == FIRST
    assert "WhatsApp marketing consent withdrawn." in notice[0].text
    assert names in notice[0].text and dr.reference in notice[0].text
    assert not [m for m in outbox if m.kind == "request-received"]
    # Never the number in the trail.
    for event in AuditEvent.objects.all():
        assert FIRST not in str(event.data) and "610000001" not in str(event.data)


def test_the_objection_is_told_in_the_customers_language(client, demo_db, outbox):
    client.post("/i18n/setlang/", {"language": "nl", "next": "/"})
    dr, page = file(client, FIRST, "objection", "all")
    assert dr.language == "nl"
    body = text(page)
    assert "Marketingtoestemming voor WhatsApp ingetrokken." in body
    assert "U staat op geen" not in body and "lijst" in body
    notice = [m for m in outbox if m.kind == "marketing-stopped"][0]
    assert "Marketingtoestemming voor WhatsApp ingetrokken." in notice.text


def test_a_consent_withdrawal_for_one_channel_leaves_the_other_alone(client, demo_db):
    # Contact 4 has a WhatsApp number (+46…) and an SMS number (+31…4).
    number = DEMO_NUMBERS["two_numbers_second"]
    before = consents(number)
    dr, page = file(client, number, "withdraw_consent", "whatsapp")
    assert consents(number) == before  # nothing on WhatsApp for this (SMS) number
    dr.refresh_from_db()
    assert dr.status == "completed"
    assert "We hold no marketing consent or list membership for your number." in text(page)


def test_a_consent_withdrawal_withdraws_every_consent_on_the_channel(client, demo_db):
    dr, page = file(client, FIRST, "withdraw_consent", "whatsapp")
    assert set(consents(FIRST).values()) == {True}
    body = text(page)
    assert "WhatsApp consent for service messages withdrawn." in body
    assert "Your consent is withdrawn" in body


def test_a_prospect_who_only_gave_consent_is_told_so(client, demo_db):
    dr, page = file(client, PROSPECT, "objection", "all")
    assert set(consents(PROSPECT).values()) == {True}
    assert "You are off" not in text(page)


def test_filing_twice_changes_nothing_twice(client, demo_db):
    file(client, FIRST, "objection", "all")
    r = client.post("/my/requests/new/", {"kind": "objection", "channel": "all"})
    page = text(client.get(r.url))
    assert "WhatsApp marketing consent: already withdrawn before." in page
    assert "You are off" not in page
    assert Suppression.objects.count() == 1


def test_the_job_is_durable_and_a_rerun_tells_the_same(client, demo_db, outbox):
    # The first attempt dies after the first table: the job stays RUNNING with its lease.
    real_beat = jobs._beat
    calls = []

    def dying(job):
        calls.append(job.pk)
        real_beat(job)
        if len(calls) == 1:
            raise SystemExit("worker killed")

    with mock.patch.object(jobs, "_beat", dying), pytest.raises(SystemExit):
        file(client, FIRST, "objection", "all")
    dr = DataRequest.objects.get()
    job = dr.jobs.get()
    assert job.state == Job.State.RUNNING and dr.status == "received"
    # The sweeper takes it over once the lease ran out; it finishes the same plan.
    Job.objects.filter(pk=job.pk).update(heartbeat_at=job.heartbeat_at.replace(year=2000))
    with committed():
        jobs.requeue_stale()
    job.refresh_from_db()
    dr.refresh_from_db()
    assert job.state == Job.State.DONE and job.attempts == 2
    assert dr.status == "completed" and lists_of(1) == []
    lines = [m.text for m in outbox if m.kind == "marketing-stopped"]
    assert len(lines) == 1 and "You are off" in lines[0]


def test_without_a_data_map_the_case_waits_for_staff_who_run_it_again(client, bob, demo_db, outbox):
    from dsar.models import DataMapVersion

    DataMapVersion.objects.all().delete()
    dr, page = file(client, FIRST, "objection", "all")
    dr.refresh_from_db()
    assert dr.status == "received" and dr.jobs.get().state == Job.State.FAILED
    assert "at the latest" in text(page)  # the ordinary receipt, with the deadline
    assert [m.kind for m in outbox if m.to == FIRST][-1] == "request-received"
    from tests.dsar.conftest import load_demo_map

    load_demo_map()
    staff = staff_login(Client(), bob)
    r = staff.post(f"/staff/cases/{dr.reference}/run/suppress/")
    assert r.status_code == 302
    dr.refresh_from_db()
    assert dr.status == "completed" and lists_of(1) == []


def test_staff_cannot_run_a_suppression_on_another_kind(bob, demo_db):
    from dsar import casework, services
    from dsar.services import NotAllowed

    dr = services.open_request(number=FIRST, kind="access")
    with pytest.raises(NotAllowed):
        casework.start_job(data_request=dr, kind=Job.Kind.SUPPRESS, by=bob)


def test_staff_see_the_closed_case_and_its_history(client, bob, demo_db):
    dr, _page = file(client, FIRST, "objection", "all")
    staff = staff_login(Client(), bob)
    assert dr.reference in text(staff.get("/staff/?status=completed"))
    page = text(staff.get(f"/staff/cases/{dr.reference}/"))
    assert "The marketing was stopped in the source systems." in page and "Stop marketing" in page
    assert "The number was put on the do-not-market list." in page


def test_the_suppression_list_keeps_a_keyed_hash_never_the_number(client, demo_db):
    dr, _page = file(client, FIRST, "objection", "sms")
    entry = Suppression.objects.get()
    assert entry.channel == "sms" and entry.reason == "objection"
    assert entry.since == dr.received_on
    assert entry.digest == suppression.digest(FIRST) and FIRST not in entry.digest
    assert suppression.check(["06-10000001"], channel="sms")[0].suppressed is True
    assert suppression.check(["06-10000001"], channel="whatsapp")[0].suppressed is False
