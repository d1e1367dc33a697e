"""Rules of case work found on a walk through it: four eyes that did not work on the case,
grounds that fit the kind of request, a legal clock that cannot be chosen once it has run
out, and what the customer is told of a partial refusal or a cancelled erasure."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from dsar import casework, services
from dsar.demo import DEMO_NUMBERS
from dsar.models import DataRequest, Job
from dsar.services import NotAllowed
from portal import roles
from tests.conftest import _staff, committed, staff_login, text

pytestmark = pytest.mark.django_db(databases=["default", "customer_service"])
FIRST = DEMO_NUMBERS["first_contact"]
AMS = ZoneInfo("Europe/Amsterdam")


def _case(kind="access"):
    return services.open_request(number=FIRST, kind=kind)


def _submitted_erasure(bob):
    """An erasure bob claimed, discovered and submitted: its plan waits for approval."""
    dr = _case("erasure")
    casework.claim(data_request=dr, user=bob)
    with committed():
        casework.start_job(data_request=dr, kind=Job.Kind.DISCOVER, by=bob)
    casework.submit_for_approval(data_request=dr, by=bob)
    return dr


def test_whoever_built_the_response_cannot_approve_it_when_another_submits_it(
    bob, carol, django_user_model, demo_db
):
    # Carol claims the case and builds the package; Bob only presses "submit".
    dr = _case()
    casework.claim(data_request=dr, user=carol)
    with committed():
        casework.start_job(data_request=dr, kind=Job.Kind.PACKAGE, by=carol)
    casework.assign(data_request=dr, assignee=bob, by=carol)
    casework.submit_for_approval(data_request=dr, by=bob)
    casework.record_review(data_request=dr, by=carol)
    with pytest.raises(NotAllowed, match="You worked on this case"):
        casework.approve(data_request=dr, approver=carol)
    dr.refresh_from_db()
    assert dr.status == "awaiting_approval" and dr.approvals.get().state == "pending"
    # An approver who did not touch it can.
    anna = _staff(django_user_model, "anna", roles.APPROVERS)
    casework.record_review(data_request=dr, by=anna)
    with committed():
        casework.approve(data_request=dr, approver=anna)
    dr.refresh_from_db()
    assert dr.status == "completed"


def test_whoever_asked_the_customer_a_question_cannot_approve_the_answer(bob, carol):
    dr = _case()
    casework.claim(data_request=dr, user=bob)
    casework.ask_clarification(data_request=dr, question="period", by=carol)
    dr.refresh_from_db()
    casework.answer_clarification(clarification=dr.clarifications.get(), answer="last_year")
    casework.propose_refusal(data_request=dr, ground="excessive", by=bob)
    casework.record_review(data_request=dr, by=carol)
    with pytest.raises(NotAllowed, match="You worked on this case"):
        casework.approve(data_request=dr, approver=carol)


@pytest.mark.parametrize(
    ("kind", "ground"),
    [
        ("access", "17_3_b"),
        ("access", "17_3_e"),
        ("objection", "rights_of_others"),
        ("objection", "17_3_e"),
        ("withdraw_consent", "17_3_d"),
        ("erasure", "rights_of_others"),
    ],
)
def test_a_refusal_needs_a_ground_that_fits_the_kind_of_request(bob, kind, ground):
    dr = _case(kind)
    casework.claim(data_request=dr, user=bob)
    with pytest.raises(NotAllowed, match="applies to this kind"):
        casework.propose_refusal(data_request=dr, ground=ground, by=bob)
    dr.refresh_from_db()
    assert dr.status == "in_progress" and not dr.approvals.exists()


def test_the_case_page_offers_only_the_grounds_that_fit(client, bob):
    access, erasure = _case("access"), _case("erasure")
    for dr in (access, erasure):
        casework.claim(data_request=dr, user=bob)
    staff_login(client, bob)
    page = client.get(f"/staff/cases/{access.reference}/").content.decode()
    assert 'value="rights_of_others"' in page and 'value="17_3_b"' not in page
    page = client.get(f"/staff/cases/{erasure.reference}/").content.decode()
    assert 'value="17_3_b"' in page and 'value="rights_of_others"' not in page
    # A ground from another kind posted straight to the endpoint is refused by the service.
    client.post(
        f"/staff/cases/{access.reference}/refuse/", {"refuse-ground": "17_3_b"}, follow=True
    )
    access.refresh_from_db()
    assert access.status == "in_progress" and not access.approvals.exists()


def test_a_clock_whose_deadline_has_passed_cannot_be_chosen(bob):
    # Received 5 March; on 25 March the GDPR's month still runs (4 April), but Brazil's
    # 15 days ended on 20 March: choosing it now would make the case overdue at once.
    with time_machine.travel(datetime(2025, 3, 5, 10, tzinfo=AMS)):
        dr = _case()
        casework.claim(data_request=dr, user=bob)
    with time_machine.travel(datetime(2025, 3, 25, 10, tzinfo=AMS)):
        dr.refresh_from_db()
        with pytest.raises(NotAllowed, match="already passed"):
            casework.propose_policy(data_request=dr, policy="lgpd", reason="residence", by=bob)
    dr.refresh_from_db()
    assert dr.policy == "gdpr" and not dr.approvals.exists()


def test_an_approved_partial_refusal_tells_the_customer_now(bob, carol, outbox):
    dr = _case()
    casework.claim(data_request=dr, user=bob)
    casework.propose_refusal(data_request=dr, ground="rights_of_others", partial=True, by=bob)
    casework.record_review(data_request=dr, by=carol)
    with committed():
        casework.approve(data_request=dr, approver=carol)
    notice = [m for m in outbox if m.kind == "request-partly-refused"][-1]
    label = str(DataRequest.RefusalGround("rights_of_others").label)
    assert dr.reference in notice.text and label in notice.text
    assert "Autoriteit Persoonsgegevens" in notice.text


def test_a_cancelled_erasure_is_confirmed_to_the_customer(bob, carol, demo_db, outbox):
    dr = _submitted_erasure(bob)
    casework.record_review(data_request=dr, by=carol)
    with committed():
        casework.approve(data_request=dr, approver=carol)
    with committed():
        casework.cancel_erasure(data_request=dr)
    notice = [m for m in outbox if m.kind == "erasure-cancelled"][-1]
    assert dr.reference in notice.text


def test_an_access_request_after_two_erasures_is_not_a_repeat():
    _case("erasure")
    _case("erasure")
    assert not _case("access").flagged_repeat
    assert _case("erasure").flagged_repeat


def test_the_approver_reads_the_message_the_customer_will_receive(client, bob, carol):
    dr = _case()
    casework.claim(data_request=dr, user=bob)
    casework.propose_extension(data_request=dr, reason="complexity", by=bob)
    staff_login(client, carol)
    page = text(client.get(f"/staff/cases/{dr.reference}/review/"))
    assert "What the customer receives on their channel" in page
    dr.refresh_from_db()
    approval = dr.approvals.get()
    assert dr.reference in page
    assert approval.payload["to"][:4] in page  # the new date, as the customer reads it


def test_the_erasure_pages_say_when_it_runs_and_that_the_customer_can_cancel(
    client, bob, carol, demo_db
):
    dr = _submitted_erasure(bob)
    staff_login(client, carol)
    review = text(client.get(f"/staff/cases/{dr.reference}/review/"))
    assert "the erasure waits 24 hours" in review and "can cancel" in review
    casework.record_review(data_request=dr, by=carol)
    with committed():
        casework.approve(data_request=dr, approver=carol)
    page = client.get(f"/staff/cases/{dr.reference}/")
    assert b'http-equiv="refresh"' not in page.content  # nothing runs for a day
    assert "The customer was told and can cancel it until then." in text(page)


def test_make_runs_sweeper_carries_out_an_erasure_once_its_cooling_off_is_over(
    bob, carol, demo_db, outbox
):
    from datetime import timedelta

    from django.core.management import call_command

    dr = _submitted_erasure(bob)
    casework.record_review(data_request=dr, by=carol)
    with committed():
        casework.approve(data_request=dr, approver=carol)
    erase = dr.jobs.get(kind="erase")
    with committed():
        call_command("sweep")
    erase.refresh_from_db()
    assert erase.state == "queued"  # the customer can still cancel
    with time_machine.travel(erase.run_after + timedelta(minutes=1)), committed():
        call_command("sweep")
    erase.refresh_from_db()
    dr.refresh_from_db()
    assert erase.state == "done" and dr.status == "completed"
    assert [m for m in outbox if m.kind == "response-ready"]


def test_a_question_cannot_pause_the_clock_of_an_overdue_case(bob):
    with time_machine.travel(datetime(2025, 3, 5, 10, tzinfo=AMS)):
        dr = _case()
        casework.claim(data_request=dr, user=bob)
    with time_machine.travel(datetime(2025, 4, 8, 10, tzinfo=AMS)):  # due 4 April
        dr.refresh_from_db()
        with pytest.raises(NotAllowed, match="deadline has passed"):
            casework.ask_clarification(data_request=dr, question="period", by=bob)
    with time_machine.travel(datetime(2025, 4, 20, 10, tzinfo=AMS)):
        dr.refresh_from_db()
        assert dr.is_overdue and dr.due_on == date(2025, 4, 4)
        assert not dr.clarifications.exists()


def test_a_question_asked_in_time_pauses_the_clock_by_the_days_it_waited(bob):
    with time_machine.travel(datetime(2025, 3, 5, 10, tzinfo=AMS)):
        dr = _case()
        casework.claim(data_request=dr, user=bob)
        casework.ask_clarification(data_request=dr, question="period", by=bob)
    with time_machine.travel(datetime(2025, 3, 12, 10, tzinfo=AMS)):  # 7 days later
        casework.answer_clarification(clarification=dr.clarifications.get(), answer="all")
    dr.refresh_from_db()
    assert dr.initial_due_on == date(2025, 4, 4) and dr.due_on == date(2025, 4, 11)


@pytest.mark.parametrize("language", ["nl", "ru"])
def test_decided_reasons_reach_the_customer_in_their_language(client, bob, carol, outbox, language):
    from django.utils import translation

    refused = services.open_request(number=FIRST, kind="access", language=language)
    extended = services.open_request(number=FIRST, kind="export", language=language)
    for dr in (refused, extended):
        casework.claim(data_request=dr, user=bob)
    casework.propose_refusal(data_request=refused, ground="excessive", by=bob)
    casework.propose_extension(data_request=extended, reason="complexity", by=bob)
    # Carol approves through her pages in English: the customer still reads their language.
    staff_login(client, carol)
    for dr in (refused, extended):
        review = text(client.get(f"/staff/cases/{dr.reference}/review/"))
        with committed():
            client.post(f"/staff/cases/{dr.reference}/approve/")
        dr.refresh_from_db()
        notice = [m for m in outbox if dr.reference in m.text][-1].text
        display = (
            dr.get_refusal_ground_display if dr is refused else dr.get_extension_reason_display
        )
        with translation.override(language):
            label = str(display())
        english = str(display())
        assert label != english and label in notice and english not in notice
        assert label in review


def test_the_erasure_review_names_the_customers_other_open_requests(client, bob, carol, demo_db):
    access = _case("access")
    dr = _submitted_erasure(bob)
    staff_login(client, carol)
    review = text(client.get(f"/staff/cases/{dr.reference}/review/"))
    assert "This customer has 1 other open request." in review and access.reference in review
