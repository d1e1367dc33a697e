"""Art. 19: after an erasure, every recipient of the register activities the customer's
erased data went through is told by e-mail (through the outbox), and the ledger says so on
the staff case page and the customer's request page."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connections

from dsar.demo import DEMO_NUMBERS
from dsar.models import AuditEvent, DataRequest, Recipient, RecipientNotice, StaffMail
from tests.conftest import Client, staff_login, text, verify

pytestmark = pytest.mark.django_db(databases=["default", "customer_service"])
FIRST = DEMO_NUMBERS["first_contact"]


def cs(sql: str, params=None) -> list[tuple]:
    with connections["customer_service"].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def erase_through_the_pages(client, bob, carol, settings) -> DataRequest:
    settings.DSAR_ERASURE_COOLING_OFF_HOURS = 0
    verify(client, FIRST)
    assert client.post("/my/requests/new/erasure/", {"confirm": "on"}).status_code == 302
    dr = DataRequest.objects.get(kind="erasure")
    staff = staff_login(Client(), bob)
    staff.post(f"/staff/cases/{dr.reference}/claim/")
    staff.post(f"/staff/cases/{dr.reference}/run/discover/")
    staff.post(f"/staff/cases/{dr.reference}/submit/")
    approver = staff_login(Client(), carol)
    approver.get(f"/staff/cases/{dr.reference}/review/")
    approver.post(f"/staff/cases/{dr.reference}/approve/")
    dr.refresh_from_db()
    assert dr.status == "completed", dr.jobs.first().error
    assert cs("SELECT COUNT(*) FROM contact_numbers WHERE number LIKE '%10000001'") == [(0,)]
    return dr


def test_an_erasure_tells_each_recipient_once_and_the_pages_show_it(
    client, bob, carol, demo_db, settings
):
    mail.outbox.clear()
    dr = erase_through_the_pages(client, bob, carol, settings)
    notices = {n.recipient_name: n for n in dr.recipient_notices.all()}
    # customer-service (Meta, MessageBird, Klantcontact Hosting), marketing (Brevo), calls
    # (CallVault)...: every recipient of an activity whose data was erased, once each.
    assert "Meta Platforms Ireland Ltd." in notices
    assert "CallVault Inc." in notices
    assert len(notices) == len(set(notices))
    meta = notices["Meta Platforms Ireland Ltd."]
    assert sorted(meta.activities) == sorted(set(meta.activities))
    assert "customer-service" in meta.activities
    # The bookkeeping column is retained, not erased: the tax office is not told.
    assert "Belastingdienst (Dutch Tax and Customs Administration)" not in notices
    # Told by e-mail through the outbox: sent, then its body (which names the number) emptied.
    sent = {m.to[0]: m for m in mail.outbox}
    assert meta.contact_email == "privacy-requests@meta.example"
    assert "+31610000001" in sent["privacy-requests@meta.example"].body
    assert dr.reference in sent["privacy-requests@meta.example"].subject
    assert "+316" not in sent["privacy-requests@meta.example"].subject
    for n in notices.values():
        assert n.mail.state == StaffMail.State.SENT and n.mail.body == ""
        assert n.told_at is not None
    # The trail holds ids and counts, never the number or an address.
    event = AuditEvent.objects.get(data_request=dr, action="dsar.recipients.notified")
    assert event.data["action"] == "erasure"
    assert event.data["by_email"] == len(notices)
    assert "1000000" not in str(event.data) and "@" not in str(event.data)
    # The staff case page shows the ledger; the customer's page which recipients were told.
    page = text(staff_login(Client(), bob).get(f"/staff/cases/{dr.reference}/"))
    assert "Recipients told (Art. 19)" in page
    assert "E-mail to privacy-requests@meta.example" in page
    mine = text(client.get(f"/my/requests/{dr.reference}/"))
    assert "Who we told" in mine and "Meta Platforms Ireland Ltd." in mine
    assert "told on" in mine


def test_staff_mark_a_recipients_confirmation(client, bob, carol, maria, demo_db, settings):
    dr = erase_through_the_pages(client, bob, carol, settings)
    notice = dr.recipient_notices.first()
    url = f"/staff/cases/{dr.reference}/recipients/{notice.pk}/acknowledge/"
    # A manager reads cases and changes nothing; GET is not allowed; no CSRF token, no entry.
    assert staff_login(Client(), maria).post(url).status_code == 403
    staff = staff_login(Client(), bob)
    assert staff.get(url).status_code == 405
    csrf = staff_login(Client(enforce_csrf_checks=True), bob)
    assert csrf.post(url).status_code == 403
    notice.refresh_from_db()
    assert notice.acknowledged_at is None
    r = staff.post(url)
    assert r.status_code == 302
    notice.refresh_from_db()
    assert notice.acknowledged_by == bob and notice.state == "acknowledged"
    assert AuditEvent.objects.filter(
        action="dsar.recipients.acknowledged", data__notice=notice.pk
    ).exists()
    # Twice is refused, and said so.
    r = staff.post(url, follow=True)
    assert "already recorded" in text(r)
    assert "they confirmed" in text(client.get(f"/my/requests/{dr.reference}/"))


def test_another_cases_entry_is_a_404(client, bob, carol, demo_db, settings):
    dr = erase_through_the_pages(client, bob, carol, settings)
    other = DataRequest.objects.create(
        subject=dr.subject, kind="access", received_on=dr.received_on, due_on=dr.due_on
    )
    notice = dr.recipient_notices.first()
    staff = staff_login(Client(), bob)
    r = staff.post(f"/staff/cases/{other.reference}/recipients/{notice.pk}/acknowledge/")
    assert r.status_code == 404
    r = staff.post(f"/staff/cases/{dr.reference}/recipients/999999/acknowledge/")
    assert r.status_code == 404
    r = staff.post(f"/staff/cases/{dr.reference}/recipients/abc/acknowledge/")
    assert r.status_code == 404
    notice.refresh_from_db()
    assert notice.acknowledged_at is None


def test_a_recipient_without_a_contact_is_listed_for_staff_to_tell(
    client, bob, carol, demo_db, settings
):
    Recipient.objects.filter(name_en="CallVault Inc.").update(contact_email="")
    dr = erase_through_the_pages(client, bob, carol, settings)
    callvault = dr.recipient_notices.get(recipient_name="CallVault Inc.")
    assert callvault.mail is None and callvault.state == "no_contact"
    page = text(staff_login(Client(), bob).get(f"/staff/cases/{dr.reference}/"))
    assert "No contact in the register" in page
    event = AuditEvent.objects.get(data_request=dr, action="dsar.recipients.notified")
    assert event.data["no_contact"] == 1


def test_a_mail_server_that_is_down_delays_the_notice_and_the_ledger_says_so(
    client, bob, carol, demo_db, settings
):
    settings.EMAIL_BACKEND = "tests.dsar.test_recipients_ledger.Refusing"
    dr = erase_through_the_pages(client, bob, carol, settings)
    notice = dr.recipient_notices.first()
    assert notice.mail.state == StaffMail.State.PENDING and notice.told_at is None
    # The body is kept for the retry while the mail waits.
    assert "+31610000001" in notice.mail.body
    assert "we are telling them" in text(client.get(f"/my/requests/{dr.reference}/"))
    assert RecipientNotice.objects.filter(data_request=dr).count() >= 1


class Refusing:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("down")
