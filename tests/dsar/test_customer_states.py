"""Customer pages tell the truth of each state: overdue, closed, waiting for an answer;
staff see in the queue that a customer answered."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from dsar.models import AuditEvent, DataRequest
from tests.conftest import ALICE, Client, staff_login, text, verify

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")


def at(y, m, d, h=10):
    return time_machine.travel(datetime(y, m, d, h, 0, tzinfo=AMS), tick=False)


def filed(client, kind="access") -> DataRequest:
    verify(client, ALICE)
    r = client.post("/my/requests/new/", {"kind": kind})
    assert r.status_code == 302
    return DataRequest.objects.get()


def test_an_overdue_request_says_so(client):
    with at(2025, 3, 5):
        dr = filed(client)
    assert dr.due_on == date(2025, 4, 4)
    with at(2025, 4, 8):
        verify(client, ALICE)
        page = text(client.get(f"/my/requests/{dr.reference}/"))
        listing = text(client.get("/my/requests/"))
    assert "Our answer was due by 4 April: we are late, and we are sorry." in page
    assert "at the latest" not in page
    # No promise about a first month that has already passed.
    assert "we would tell you before the first month ends" not in page
    assert "overdue" in listing


def test_a_completed_request_no_longer_promises_a_date(client, bob, carol):
    with at(2025, 3, 5):
        dr = filed(client, "objection")  # no data map: it waits for staff
        staff = staff_login(Client(), bob)
        staff.post(f"/staff/cases/{dr.reference}/claim/")
        staff.post(f"/staff/cases/{dr.reference}/submit/")
        approver = staff_login(Client(), carol)
        approver.get(f"/staff/cases/{dr.reference}/review/")
    with at(2025, 3, 7):
        # Staff sessions end after 30 idle minutes: sign in again.
        staff_login(Client(), carol).post(f"/staff/cases/{dr.reference}/approve/")
        verify(client, ALICE)
        page = text(client.get(f"/my/requests/{dr.reference}/"))
        listing = text(client.get("/my/requests/"))
    dr.refresh_from_db()
    assert dr.status == "completed"
    assert "Received 5 March, completed on 7 March." in page
    assert "at the latest" not in page and "Answer due by" not in page
    assert "Closed 7 March 2025" in page
    assert "Answer due by" not in listing and "Closed 7 March 2025" in listing
    assert "The law gives us one month" not in page


def test_a_refused_request_says_when_it_was_refused(client, bob, carol):
    with at(2025, 3, 5):
        dr = filed(client)
        staff = staff_login(Client(), bob)
        staff.post(f"/staff/cases/{dr.reference}/claim/")
        staff.post(f"/staff/cases/{dr.reference}/refuse/", {"refuse-ground": "unfounded"})
        approver = staff_login(Client(), carol)
        approver.get(f"/staff/cases/{dr.reference}/review/")
        approver.post(f"/staff/cases/{dr.reference}/approve/")
        verify(client, ALICE)
        page = text(client.get(f"/my/requests/{dr.reference}/"))
    assert DataRequest.objects.get().status == "refused"
    assert "Received 5 March, refused on 5 March." in page
    assert "at the latest" not in page


def test_a_question_is_flagged_and_the_clock_pauses_then_moves(client, bob):
    with at(2025, 3, 5):
        dr = filed(client)
        staff = staff_login(Client(), bob)
        staff.post(f"/staff/cases/{dr.reference}/claim/")
        staff.post(f"/staff/cases/{dr.reference}/clarify/", {"clarify-question": "period"})
    with at(2025, 3, 10):
        verify(client, ALICE)
        listing = text(client.get("/my/requests/"))
        page = text(client.get(f"/my/requests/{dr.reference}/"))
        queue = text(staff_login(Client(), bob).get("/staff/"))
    assert "waiting for your answer" in listing
    assert "the one-month clock is paused until you answer it" in listing
    assert "the one-month clock is paused until you answer it" in page
    assert "paused while we wait for your answer" in page
    assert "waiting for the customer" in queue
    c = dr.clarifications.get()
    with at(2025, 3, 12):
        verify(client, ALICE)
        r = client.post(
            f"/my/requests/{dr.reference}/answer/{c.pk}/", {"answer": "last_year"}, follow=True
        )
        queue = text(staff_login(Client(), bob).get("/staff/"))
    assert "Thank you" in text(r)
    dr.refresh_from_db()
    # Seven days waited (5 → 12 March): 4 April + 7 = Friday 11 April.
    assert dr.due_on == date(2025, 4, 11) and dr.initial_due_on == date(2025, 4, 4)
    event = AuditEvent.objects.get(action="dsar.request.clock_resumed")
    assert event.data["paused_days"] == 7 and event.data["to"] == "2025-04-11"
    assert "customer answered" in queue
    # Once staff act, the flag goes.
    with at(2025, 3, 13):
        staff = staff_login(Client(), bob)
        staff.post(f"/staff/cases/{dr.reference}/run/discover/")
        queue = text(staff.get("/staff/"))
    assert "customer answered" not in queue


def test_another_customer_cannot_see_the_state_of_a_request(client, mallory_client):
    dr = filed(client)
    assert mallory_client.get(f"/my/requests/{dr.reference}/").status_code == 404
    assert dr.reference not in text(mallory_client.get("/my/requests/"))
