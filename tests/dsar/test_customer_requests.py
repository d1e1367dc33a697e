"""Customer request pages: list, new, erasure confirmation, detail; IDOR and bad input."""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from dsar.models import AuditEvent, DataRequest, Notification
from tests.conftest import ALICE, MALLORY, Client, last_code, text, verify

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")


def test_it_needs_a_verified_session(client):
    for url in ["/my/requests/", "/my/requests/new/", "/my/requests/new/erasure/"]:
        r = client.get(url)
        assert r.status_code == 302 and r.url.startswith("/verify/?next=")


def test_it_files_an_access_request_and_confirms_it(client, outbox):
    with time_machine.travel(datetime(2025, 3, 5, 10, 0, tzinfo=AMS)):
        verify(client, ALICE)
        r = client.post("/my/requests/new/", {"kind": "access"})
        assert r.status_code == 302
        page = client.get(r.url)
    dr = DataRequest.objects.get()
    assert dr.subject.number == ALICE and dr.kind == "access" and dr.status == "received"
    assert dr.received_on == date(2025, 3, 5) and dr.due_on == date(2025, 4, 4)
    body = text(page)
    assert "Received 5 March, answered by 4 April at the latest." in body
    assert dr.reference in body
    notice = [m for m in outbox if m.kind == "request-received"]
    assert len(notice) == 1 and notice[0].to == ALICE
    assert dr.reference in notice[0].text and "4 April 2025" in notice[0].text
    assert Notification.objects.get().state == "sent"
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions == ["dsar.request.received", "dsar.notification.sent"]


def test_it_states_the_period_from_the_local_date_of_receipt(client):
    # 23:30 UTC on 31 January is 1 February in Amsterdam.
    with time_machine.travel(datetime(2027, 1, 31, 23, 30, tzinfo=ZoneInfo("UTC"))):
        verify(client, ALICE)
        client.post("/my/requests/new/", {"kind": "access"})
    dr = DataRequest.objects.get()
    assert dr.received_on == date(2027, 2, 1)


def test_it_keeps_personal_values_out_of_the_audit_trail(alice_client):
    alice_client.post("/my/requests/new/", {"kind": "objection", "channel": "whatsapp"})
    for event in AuditEvent.objects.all():
        assert ALICE not in str(event.data) and "612345678" not in str(event.data)


def test_it_records_the_channel_of_a_consent_withdrawal(alice_client):
    alice_client.post("/my/requests/new/", {"kind": "withdraw_consent", "channel": "sms"})
    assert DataRequest.objects.get().channel == "sms"


@pytest.mark.parametrize(
    "data",
    [{}, {"kind": "hack"}, {"kind": "access", "channel": "fax"}, {"kind": "access\r\nX: y"}],
)
def test_it_refuses_bad_choices(alice_client, data):
    r = alice_client.post("/my/requests/new/", data)
    assert r.status_code == 400
    assert DataRequest.objects.count() == 0
    assert 'role="alert"' in r.content.decode()


def test_it_offers_no_free_text_box(alice_client):
    body = alice_client.get("/my/requests/new/").content.decode()
    assert "<textarea" not in body and 'type="text"' not in body


def test_it_asks_for_confirmation_before_an_erasure(alice_client):
    r = alice_client.post("/my/requests/new/", {"kind": "erasure"})
    assert r.status_code == 302 and r.url == "/my/requests/new/erasure/"
    assert DataRequest.objects.count() == 0
    r = alice_client.post("/my/requests/new/erasure/", {})
    assert r.status_code == 400 and DataRequest.objects.count() == 0
    r = alice_client.post("/my/requests/new/erasure/", {"confirm": "on"})
    assert r.status_code == 302
    assert DataRequest.objects.get().kind == "erasure"


def test_the_erasure_page_says_there_is_time_to_cancel(alice_client, settings):
    page = text(alice_client.get("/my/requests/new/erasure/"))
    assert "at least 24 hours later; until then you can cancel it" in page
    settings.DSAR_ERASURE_COOLING_OFF_HOURS = 0
    assert "you can cancel" not in text(alice_client.get("/my/requests/new/erasure/"))


def test_it_asks_for_a_fresh_code_before_confirming_an_erasure(alice_client, outbox):
    later = timezone.now() + timedelta(minutes=11)
    with time_machine.travel(later):
        alice_client.get("/my/requests/")  # keep the session alive (idle < 15 min)
    with time_machine.travel(later + timedelta(minutes=1)):
        r = alice_client.post("/my/requests/new/erasure/", {"confirm": "on"})
        assert r.status_code == 302 and r.url.startswith("/verify/again/")
        assert DataRequest.objects.count() == 0
        r = alice_client.post("/verify/again/", {"next": "/my/requests/new/erasure/"})
        assert r.status_code == 302 and r.url == "/verify/code/"
        r = alice_client.post("/verify/code/", {"code": last_code(ALICE)})
        assert r.url == "/my/requests/new/erasure/"
        r = alice_client.post("/my/requests/new/erasure/", {"confirm": "on"})
    assert r.status_code == 302 and DataRequest.objects.get().kind == "erasure"


def test_it_lists_only_the_subjects_own_requests(alice_client, mallory_client):
    alice_client.post("/my/requests/new/", {"kind": "access"})
    mallory_client.post("/my/requests/new/", {"kind": "export"})
    alice_ref = DataRequest.objects.get(subject__number=ALICE).reference
    mallory_ref = DataRequest.objects.get(subject__number=MALLORY).reference
    page = text(alice_client.get("/my/requests/"))
    assert alice_ref in page and mallory_ref not in page


def test_it_hides_another_customers_request(alice_client, mallory_client):
    alice_client.post("/my/requests/new/", {"kind": "access"})
    ref = DataRequest.objects.get().reference
    assert mallory_client.get(f"/my/requests/{ref}/").status_code == 404
    assert mallory_client.get("/my/requests/R-0000-0000-00/").status_code == 404
    assert alice_client.get(f"/my/requests/{ref}/").status_code == 200


@pytest.mark.parametrize(
    ("path", "method"),
    [("/", "get"), ("/download/", "get"), ("/erasure-receipt.pdf", "get"), ("/answer/1/", "post")],
)
def test_it_audits_a_refused_look_at_another_customers_request(
    alice_client, mallory_client, path, method
):
    from dsar import audit

    alice_client.post("/my/requests/new/", {"kind": "access"})
    dr = DataRequest.objects.get()
    before = AuditEvent.objects.count()

    r = getattr(mallory_client, method)(f"/my/requests/{dr.reference}{path}")

    assert r.status_code == 404
    event = AuditEvent.objects.get(action="dsar.request.access_refused")
    assert event.data_request == dr and event.actor is None
    assert event.actor_kind == AuditEvent.ActorKind.SUBJECT
    assert AuditEvent.objects.count() == before + 1
    # Ids and codes only: neither customer's number is written down.
    flat = str(event.data)
    for number in (ALICE, MALLORY):
        assert number not in flat and number[3:] not in flat
    assert audit.verify_chain().ok


def test_it_does_not_audit_an_unknown_reference_or_the_owner(alice_client, mallory_client):
    alice_client.post("/my/requests/new/", {"kind": "access"})
    dr = DataRequest.objects.get()
    assert mallory_client.get("/my/requests/R-0000-0000-00/").status_code == 404
    assert alice_client.get(f"/my/requests/{dr.reference}/").status_code == 200
    assert not AuditEvent.objects.filter(action="dsar.request.access_refused").exists()


def test_it_enforces_csrf_on_new_requests(db):
    c = Client(enforce_csrf_checks=True)
    # Verify through the services, with a CSRF token from the form pages.
    r = c.get("/verify/")
    token = c.cookies["csrftoken"].value
    c.post("/verify/", {"number": ALICE, "csrfmiddlewaretoken": token})
    c.post("/verify/code/", {"code": last_code(ALICE), "csrfmiddlewaretoken": token})
    assert c.get("/my/requests/").status_code == 200
    r = c.post("/my/requests/new/", {"kind": "access"})
    assert r.status_code == 403
    assert DataRequest.objects.count() == 0


def test_it_shows_pages_in_dutch(alice_client):
    alice_client.post("/i18n/setlang/", {"language": "nl", "next": "/my/requests/"})
    r = alice_client.get("/my/requests/new/")
    assert "Wat wilt u dat wij doen?" in text(r)
    alice_client.post("/my/requests/new/", {"kind": "access"})
    assert DataRequest.objects.get().language == "nl"


def test_the_list_needs_the_same_queries_for_many_requests(
    alice_client, django_assert_max_num_queries
):
    from dsar.models import Subject
    from tests.factories import DataRequestFactory

    subject = Subject.objects.get_or_create(number=ALICE)[0]
    DataRequestFactory.create_batch(2, subject=subject)
    with django_assert_max_num_queries(8) as few:
        alice_client.get("/my/requests/")
    DataRequestFactory.create_batch(40, subject=subject)
    with django_assert_max_num_queries(len(few.captured_queries)):
        r = alice_client.get("/my/requests/")
    assert r.status_code == 200 and r.content.decode().count('class="card"') == 42


@pytest.mark.django_db(databases=["default", "customer_service"])
def test_the_customer_sees_a_scheduled_erasure_and_cancels_it_from_their_page(
    demo_db, client, bob, carol, outbox
):
    from dsar import casework, services
    from dsar.demo import DEMO_NUMBERS
    from dsar.models import Job
    from tests.conftest import committed

    number = DEMO_NUMBERS["first_contact"]
    verify(client, number)
    dr = services.open_request(number=number, kind="erasure")
    casework.claim(data_request=dr, user=bob)
    with committed():
        casework.start_job(data_request=dr, kind=Job.Kind.DISCOVER, by=bob)
    casework.submit_for_approval(data_request=dr, by=bob)
    casework.record_review(data_request=dr, by=carol)
    with committed():
        casework.approve(data_request=dr, approver=carol)
    page = text(client.get(f"/my/requests/{dr.reference}/"))
    assert "Your erasure is scheduled" in page and "Cancel the erasure" in page
    # The status does not say it is being erased (too late to cancel) while it can be.
    assert "Erasure scheduled: you can still cancel it" in page and "Being erased" not in page
    assert [m for m in outbox if m.kind == "erasure-scheduled" and m.to == number]
    # Another customer cannot cancel it.
    other = Client()
    verify(other, MALLORY)
    assert other.post(f"/my/requests/{dr.reference}/cancel-erasure/").status_code == 404
    r = client.post(f"/my/requests/{dr.reference}/cancel-erasure/", follow=True)
    assert "You cancelled the erasure. We erase nothing." in text(r)
    dr.refresh_from_db()
    assert dr.status == "withdrawn" and dr.jobs.get(kind="erase").state == "cancelled"
    assert "You cancelled this erasure: we erased nothing." in text(r)
    assert client.get(f"/my/requests/{dr.reference}/cancel-erasure/").status_code == 405


def test_sending_the_same_form_twice_files_one_request(alice_client):
    page = alice_client.get("/my/requests/new/")
    token = re.search(rb'name="token" value="([0-9a-f]{32})"', page.content).group(1).decode()
    first = alice_client.post("/my/requests/new/", {"kind": "access", "token": token})
    again = alice_client.post("/my/requests/new/", {"kind": "access", "token": token})
    assert first.status_code == again.status_code == 302 and first.url == again.url
    assert DataRequest.objects.filter(subject__number=ALICE).count() == 1
    # A new page gives a new token: a second request is the customer's choice.
    page = alice_client.get("/my/requests/new/")
    other = re.search(rb'name="token" value="([0-9a-f]{32})"', page.content).group(1).decode()
    assert other != token
    alice_client.post("/my/requests/new/", {"kind": "access", "token": other})
    assert DataRequest.objects.filter(subject__number=ALICE).count() == 2


def test_a_forged_token_is_refused_without_filing(alice_client):
    r = alice_client.post("/my/requests/new/", {"kind": "access", "token": "x' OR 1=1"})
    assert r.status_code == 400
    assert not DataRequest.objects.filter(subject__number=ALICE).exists()


def test_filing_does_not_depend_on_the_broker(alice_client, outbox):
    from unittest import mock

    from kombu.exceptions import OperationalError

    from dsar import services
    from dsar.tasks import send_notification_task
    from tests.conftest import committed

    outbox.clear()
    with mock.patch.object(
        send_notification_task, "apply_async", side_effect=OperationalError("Connection refused")
    ):
        r = alice_client.post("/my/requests/new/", {"kind": "access"})
    assert r.status_code == 302  # filed, not a 500
    dr = DataRequest.objects.get(subject__number=ALICE)
    notice = dr.notifications.get()
    assert notice.state == "queued" and not outbox
    # The broker is back: the sweeper sends the notice, once.
    with time_machine.travel(timezone.now() + timedelta(minutes=5)), committed():
        assert services.resend_queued_notifications() == 1
    notice.refresh_from_db()
    assert notice.state == "sent" and len(outbox) == 1
    with time_machine.travel(timezone.now() + timedelta(minutes=10)), committed():
        assert services.resend_queued_notifications() == 0
    assert len(outbox) == 1
