"""Staff decisions: every transition and every refusal of one."""

from datetime import date, datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from dsar import casework, jobs, reminders, services
from dsar.demo import DEMO_NUMBERS
from dsar.models import (
    AccessPackage,
    Approval,
    AuditEvent,
    DataRequest,
    Job,
    Notification,
    Reminder,
    RequesterDecision,
)
from dsar.services import NotAllowed
from portal import roles
from tests.conftest import _staff, committed
from tests.factories import DataRequestFactory

pytestmark = pytest.mark.django_db(databases=["default", "customer_service"])
FIRST = DEMO_NUMBERS["first_contact"]
AMS = ZoneInfo("Europe/Amsterdam")


def _case(kind="access", number=FIRST):
    return services.open_request(number=number, kind=kind)


def _claimed(bob, kind="access"):
    dr = _case(kind)
    casework.claim(data_request=dr, user=bob)
    dr.refresh_from_db()
    return dr


def _approve(dr, carol):
    casework.record_review(data_request=dr, by=carol)
    with committed():
        casework.approve(data_request=dr, approver=carol)
    dr.refresh_from_db()
    return dr


def _prepared_package(bob, demo_db):
    dr = _case("access")
    casework.claim(data_request=dr, user=bob)
    with committed():
        with committed():
            casework.start_job(data_request=dr, kind=Job.Kind.PACKAGE, by=bob)
    casework.submit_for_approval(data_request=dr, by=bob)
    dr.refresh_from_db()
    return dr


def test_it_claims_a_case(bob):
    dr = _case()
    casework.claim(data_request=dr, user=bob)
    dr.refresh_from_db()
    assert dr.assignee == bob and dr.status == "in_progress"
    assert AuditEvent.objects.filter(action="dsar.request.status_changed", data_request=dr).exists()


def test_it_refuses_work_without_the_role(dave, maria):
    dr = _case()
    for user in (dave, maria):
        with pytest.raises(NotAllowed):
            casework.claim(data_request=dr, user=user)


@pytest.mark.django_db(databases=["default", "customer_service"], transaction=True)
def test_a_move_needs_the_row_locked_in_this_transaction(bob):
    dr = _case()
    with pytest.raises(RuntimeError, match="locked its row"):
        casework._move(dr, DataRequest.Status.IN_PROGRESS, by=bob)
    with transaction.atomic():
        locked = casework._locked(dr)
    with transaction.atomic(), pytest.raises(RuntimeError):
        casework._move(locked, DataRequest.Status.IN_PROGRESS, by=bob)  # an older lock
    dr.refresh_from_db()
    assert dr.status == "received"


def test_it_refuses_moves_the_table_does_not_list(bob):
    dr = _case()
    with transaction.atomic(), pytest.raises(NotAllowed):
        casework._move(casework._locked(dr), DataRequest.Status.COMPLETED, by=bob)


def test_it_approves_and_releases_a_package(bob, carol, demo_db, outbox):
    dr = _prepared_package(bob, demo_db)
    assert dr.status == "awaiting_approval"
    approval = dr.approvals.get()
    assert approval.sha256 == AccessPackage.objects.get(data_request=dr).sha256
    assert services.downloadable_package(data_request=dr) is None  # not before approval
    casework.record_review(data_request=dr, by=carol)
    with committed():
        casework.approve(data_request=dr, approver=carol)
    dr.refresh_from_db()
    assert dr.status == "completed" and dr.closed_at
    assert services.downloadable_package(data_request=dr) is not None
    assert [m.kind for m in outbox if m.kind != "verification-code"][-1] == "response-ready"


def test_it_refuses_self_approval(carol, demo_db):
    dr = _prepared_package(carol, demo_db)
    casework.record_review(data_request=dr, by=carol)
    with pytest.raises(NotAllowed, match="prepared a response cannot approve"):
        casework.approve(data_request=dr, approver=carol)
    dr.refresh_from_db()
    assert dr.status == "awaiting_approval"


def test_an_approver_who_has_not_reviewed_cannot_approve(bob, carol, demo_db):
    dr = _prepared_package(bob, demo_db)
    with pytest.raises(NotAllowed, match="Review what goes out"):
        casework.approve(data_request=dr, approver=carol)
    dr.refresh_from_db()
    assert dr.status == "awaiting_approval" and dr.approvals.get().state == "pending"
    # A review of an earlier approval does not count for a new one.
    casework.record_review(data_request=dr, by=carol)
    casework.send_back(data_request=dr, by=carol)
    casework.submit_for_approval(data_request=dr, by=bob)
    with pytest.raises(NotAllowed, match="Review what goes out"):
        casework.approve(data_request=dr, approver=carol)


def test_the_database_refuses_self_approval(bob):
    dr = DataRequestFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Approval.objects.create(
            data_request=dr, about="decision", sha256="x", prepared_by=bob, approved_by=bob
        )


def test_it_refuses_an_approver_without_the_role(bob, maria, dave, demo_db):
    dr = _prepared_package(bob, demo_db)
    for user in (maria, dave):
        with pytest.raises(NotAllowed):
            casework.approve(data_request=dr, approver=user)


def test_a_changed_package_voids_the_approval(bob, carol, demo_db, settings):
    dr = _prepared_package(bob, demo_db)
    package = AccessPackage.objects.get(data_request=dr)
    with (settings.PRIVATE_MEDIA_ROOT / package.path).open("ab") as fh:
        fh.write(b"tampered")
    casework.record_review(data_request=dr, by=carol)
    with pytest.raises(NotAllowed, match="changed after it was submitted"):
        casework.approve(data_request=dr, approver=carol)
    dr.refresh_from_db()
    assert dr.status == "in_progress"
    assert dr.approvals.get().state == "void"
    assert services.downloadable_package(data_request=dr) is None


def test_a_newer_package_voids_the_approval(bob, carol, demo_db):
    dr = _prepared_package(bob, demo_db)
    # Staff cannot start one while the case is checked (test below); a package built by
    # another route (the admin, a retried job) still voids the approval.
    job = Job.objects.create(data_request=dr, kind=Job.Kind.PACKAGE)
    jobs.run_job(job_id=job.pk)
    casework.record_review(data_request=dr, by=carol)
    with pytest.raises(NotAllowed):
        casework.approve(data_request=dr, approver=carol)
    assert dr.approvals.get().state == "void"


def test_an_approver_sends_back(bob, carol, demo_db):
    dr = _prepared_package(bob, demo_db)
    casework.send_back(data_request=dr, by=carol)
    dr.refresh_from_db()
    assert dr.status == "in_progress" and dr.approvals.get().state == "sent_back"


def _approved_erasure(bob, carol):
    dr = _case("erasure")
    casework.claim(data_request=dr, user=bob)
    with committed():
        casework.start_job(data_request=dr, kind=Job.Kind.DISCOVER, by=bob)
    casework.submit_for_approval(data_request=dr, by=bob)
    _approve(dr, carol)
    return dr


def test_an_approved_erasure_runs_the_approved_plan(bob, carol, demo_db, outbox, settings):
    settings.DSAR_ERASURE_COOLING_OFF_HOURS = 0
    dr = _approved_erasure(bob, carol)
    erase = dr.jobs.get(kind="erase")
    assert erase.state == "done", erase.error
    assert dr.status == "completed"
    assert erase.approved_sha256 == dr.approvals.get().sha256


def test_an_approved_erasure_waits_out_the_cooling_off_and_the_customer_is_told(
    bob, carol, demo_db, outbox
):
    dr = _approved_erasure(bob, carol)
    erase = dr.jobs.get(kind="erase")
    assert dr.status == "erasing" and erase.state == "queued"
    assert erase.run_after - timezone.now() > timedelta(hours=23, minutes=59)
    notice = [m for m in outbox if m.kind == "erasure-scheduled"][-1]
    assert dr.reference in notice.text and "cancel" in notice.text
    # Nothing runs it early: not a redelivered task, not the sweeper.
    assert jobs.run_job(job_id=erase.pk) is False
    with committed():
        jobs.requeue_stale()
    erase.refresh_from_db()
    assert erase.state == "queued"
    with time_machine.travel(erase.run_after + timedelta(minutes=1)), committed():
        jobs.requeue_stale()
    erase.refresh_from_db()
    dr.refresh_from_db()
    assert erase.state == "done", erase.error
    assert dr.status == "completed"


def test_the_customer_cancels_an_erasure_during_the_cooling_off(bob, carol, demo_db, outbox):
    dr = _approved_erasure(bob, carol)
    casework.cancel_erasure(data_request=dr)
    dr.refresh_from_db()
    erase = dr.jobs.get(kind="erase")
    assert dr.status == "withdrawn" and dr.closed_at and erase.state == "cancelled"
    assert AuditEvent.objects.filter(data_request=dr, action="dsar.erasure.cancelled").exists()
    with time_machine.travel(erase.run_after + timedelta(minutes=1)), committed():
        jobs.requeue_stale()
        assert jobs.run_job(job_id=erase.pk) is False
    with pytest.raises(NotAllowed):
        casework.cancel_erasure(data_request=dr)


def test_an_erasure_that_has_started_cannot_be_cancelled(bob, carol, demo_db, settings):
    settings.DSAR_ERASURE_COOLING_OFF_HOURS = 0
    dr = _case("erasure")
    casework.claim(data_request=dr, user=bob)
    with committed():
        casework.start_job(data_request=dr, kind=Job.Kind.DISCOVER, by=bob)
    casework.submit_for_approval(data_request=dr, by=bob)
    with mock.patch.object(jobs, "_enqueue"):  # approved, its job not yet run
        _approve(dr, carol)
    Job.objects.filter(data_request=dr, kind="erase").update(state="running")
    with pytest.raises(NotAllowed, match="already started"):
        casework.cancel_erasure(data_request=dr)


def test_an_erasure_plan_that_changed_is_refused(bob, carol, demo_db, settings):
    from django.db import connections

    settings.DSAR_ERASURE_COOLING_OFF_HOURS = 0
    dr = _case("erasure")
    casework.claim(data_request=dr, user=bob)
    with committed():
        casework.start_job(data_request=dr, kind=Job.Kind.DISCOVER, by=bob)
    casework.submit_for_approval(data_request=dr, by=bob)
    with connections["customer_service"].cursor() as cursor:  # a new message arrives
        cursor.execute(
            "INSERT INTO messages (conversation_id, sent_at, direction, body, status) "
            "SELECT id, closed_at, 'in', 'Nog een vraag', 'read' FROM conversations WHERE contact_id = "
            "(SELECT contact_id FROM contact_numbers WHERE number = %s) LIMIT 1",
            [FIRST],
        )
    _approve(dr, carol)
    erase = dr.jobs.get(kind="erase")
    assert erase.state == "failed" and "changed since the erasure plan was approved" in erase.error
    dr.refresh_from_db()
    assert dr.status == "in_progress" and dr.approvals.get().state == "void"


def test_an_erasure_never_runs_without_approval(demo_db):
    with pytest.raises(jobs.JobFailed):
        jobs.start_job(data_request=_case("erasure"), kind=Job.Kind.ERASE)


def test_it_extends_before_the_deadline_once_approved(bob, carol, outbox):
    with time_machine.travel(datetime(2025, 1, 31, 10, tzinfo=AMS)):
        dr = _claimed(bob)
        approval = casework.propose_extension(data_request=dr, reason="complexity", by=bob)
        dr.refresh_from_db()
        assert dr.status == "awaiting_approval" and not dr.is_extended
        assert approval.payload == {
            "reason": "complexity",
            "from": "2025-02-28",
            "to": "2025-04-30",
        }
        assert not [m for m in outbox if m.kind == "request-extended"]
        _approve(dr, carol)
    assert dr.initial_due_on == date(2025, 2, 28) and dr.due_on == date(2025, 4, 30)
    assert dr.extension_reason == "complexity" and dr.status == "in_progress"
    notice = [m for m in outbox if m.kind == "request-extended"][0]
    assert "30 April 2025" in notice.text and "complex" in notice.text


def test_it_refuses_a_late_extension(bob):
    with time_machine.travel(datetime(2025, 1, 31, 10, tzinfo=AMS)):
        dr = _claimed(bob)
    with pytest.raises(NotAllowed, match="before the deadline"):
        casework.propose_extension(
            data_request=dr, reason="complexity", by=bob, today=date(2025, 3, 1)
        )
    dr.refresh_from_db()
    assert not dr.is_extended and dr.status == "in_progress"


def test_an_extension_approved_after_the_deadline_is_void(bob, carol, outbox):
    with time_machine.travel(datetime(2025, 1, 31, 10, tzinfo=AMS)):
        dr = _claimed(bob)
        casework.propose_extension(data_request=dr, reason="number", by=bob)
        casework.record_review(data_request=dr, by=carol)
    with pytest.raises(NotAllowed, match="deadline passed"):
        casework.approve(data_request=dr, approver=carol, today=date(2025, 3, 1))
    dr.refresh_from_db()
    assert not dr.is_extended and dr.approvals.get().state == "void"
    assert not [m for m in outbox if m.kind == "request-extended"]


@pytest.mark.parametrize("reason", ["", "because", "complexity\n"])
def test_it_refuses_an_extension_without_a_listed_reason(bob, reason):
    with pytest.raises(NotAllowed):
        casework.propose_extension(data_request=_claimed(bob), reason=reason, by=bob)


def test_it_extends_only_once(bob, carol):
    dr = _claimed(bob)
    casework.propose_extension(data_request=dr, reason="number", by=bob)
    _approve(dr, carol)
    with pytest.raises(NotAllowed, match="already extended"):
        casework.propose_extension(data_request=dr, reason="number", by=bob)


def test_a_refusal_is_approved_by_a_second_person_then_told_with_the_rights(
    carol, django_user_model, outbox
):
    dr = _claimed(carol)
    casework.propose_refusal(data_request=dr, ground="excessive", by=carol)
    dr.refresh_from_db()
    assert dr.status == "awaiting_approval" and not dr.refusal_ground
    assert not [m for m in outbox if m.kind == "request-refused"]
    casework.record_review(data_request=dr, by=carol)
    with pytest.raises(NotAllowed, match="prepared a response cannot approve"):
        casework.approve(data_request=dr, approver=carol)
    anna = _staff(django_user_model, "anna", roles.APPROVERS)
    _approve(dr, anna)
    assert dr.status == "refused" and dr.refusal_ground == "excessive"
    notice = [m for m in outbox if m.kind == "request-refused"][0]
    assert "Autoriteit Persoonsgegevens" in notice.text and "court" in notice.text


def test_an_approved_partial_refusal_is_recorded_and_work_goes_on(bob, carol):
    dr = _claimed(bob)
    casework.propose_refusal(data_request=dr, ground="rights_of_others", partial=True, by=bob)
    _approve(dr, carol)
    assert dr.status == "in_progress" and dr.partially_refused
    assert dr.refusal_ground == "rights_of_others"


def test_it_refuses_a_refusal_without_a_ground(bob):
    with pytest.raises(NotAllowed):
        casework.propose_refusal(data_request=_claimed(bob), ground="tone", by=bob)


def test_a_decision_changed_after_submission_is_void(bob, carol):
    dr = _claimed(bob)
    approval = casework.propose_refusal(data_request=dr, ground="unfounded", by=bob)
    Approval.objects.filter(pk=approval.pk).update(
        payload={"ground": "excessive", "partial": False}
    )
    casework.record_review(data_request=dr, by=carol)
    with pytest.raises(NotAllowed, match="decision changed"):
        casework.approve(data_request=dr, approver=carol)
    dr.refresh_from_db()
    assert dr.status == "in_progress" and not dr.refusal_ground


def test_it_flags_a_third_request_within_a_year(bob):
    first = _case()
    second = _case()
    third = _case()
    assert not first.flagged_repeat and not second.flagged_repeat
    assert third.flagged_repeat and third.status == "received"  # never refused automatically
    assert AuditEvent.objects.filter(action="dsar.request.flagged_repeat").count() == 1


def test_a_request_a_year_later_is_not_flagged():
    with time_machine.travel(timezone.now() - timedelta(days=400)):
        _case()
        _case()
    assert not _case().flagged_repeat


def test_it_asks_and_the_customer_answers(bob, outbox):
    dr = _claimed(bob)
    with committed():
        c = casework.ask_clarification(data_request=dr, question="period", by=bob)
    assert [m for m in outbox if m.kind == "clarification-needed"]
    with pytest.raises(NotAllowed):
        casework.ask_clarification(data_request=dr, question="channel", by=bob)
    with pytest.raises(NotAllowed):
        casework.answer_clarification(clarification=c, answer="forever")
    casework.answer_clarification(clarification=c, answer="last_year")
    c.refresh_from_db()
    assert c.answered_at and c.answer_label() == "The last 12 months"
    with pytest.raises(NotAllowed):
        casework.answer_clarification(clarification=c, answer="all")


def test_reminders_go_once_per_case_and_threshold(bob, maria):
    bob.email, maria.email = "bob@example.org", "maria@example.org"
    bob.save()
    maria.save()
    today = timezone.localdate()
    soon = DataRequestFactory(assignee=bob, due_on=today + timedelta(days=2))
    late = DataRequestFactory(assignee=bob, due_on=today - timedelta(days=3))
    DataRequestFactory(assignee=bob, due_on=today + timedelta(days=40))
    with committed():
        assert reminders.send_reminders(today=today) == {"due_soon": 1, "overdue": 1}
    with committed():
        assert reminders.send_reminders(today=today) == {"due_soon": 0, "overdue": 0}
    assert sorted(m.to[0] for m in mail.outbox) == ["bob@example.org", "maria@example.org"]
    assert soon.reference in mail.outbox[0].subject + mail.outbox[1].subject
    assert late.reference in mail.outbox[0].subject + mail.outbox[1].subject
    assert Reminder.objects.count() == 2
    assert all(FIRST not in m.body for m in mail.outbox)


def test_the_queue_count_of_notifications_is_one_per_decision(bob, carol):
    dr = _claimed(bob)
    casework.propose_refusal(data_request=dr, ground="unfounded", by=bob)
    _approve(dr, carol)
    kinds = list(Notification.objects.filter(data_request=dr).values_list("kind", flat=True))
    assert sorted(kinds) == ["request-received", "request-refused"]


def test_the_californian_clock_is_an_approved_decision_told_to_the_customer(bob, carol, outbox):
    with time_machine.travel(datetime(2025, 3, 5, 10, tzinfo=AMS)):
        dr = _claimed(bob)
        first_due = dr.due_on
        casework.propose_policy(data_request=dr, policy="ccpa", reason="residence", by=bob)
        dr.refresh_from_db()
        assert dr.policy == "gdpr" and dr.status == "awaiting_approval"
        _approve(dr, carol)
    # 45 days: 19 April is a Saturday → Easter Monday 21 → 22
    assert dr.policy == "ccpa" and dr.due_on == date(2025, 4, 22)
    assert dr.initial_due_on == first_due  # the first deadline is never rewritten
    notice = [m for m in outbox if m.kind == "request-policy-changed"][0]
    assert "California" in notice.text and "22 April 2025" in notice.text
    event = AuditEvent.objects.filter(action="dsar.request.policy_changed").get()
    assert event.data["reason"] == "residence" and event.actor == carol


@pytest.mark.parametrize(
    ("policy", "reason"), [("martian", "residence"), ("gdpr", "residence"), ("ccpa", "whim")]
)
def test_a_new_clock_needs_another_listed_clock_and_a_listed_reason(bob, policy, reason):
    with pytest.raises(NotAllowed):
        casework.propose_policy(data_request=_claimed(bob), policy=policy, reason=reason, by=bob)


def test_no_clock_turns_an_overdue_case_into_one_that_is_not(bob):
    with time_machine.travel(datetime(2025, 3, 5, 10, tzinfo=AMS)):
        dr = _claimed(bob)
    with time_machine.travel(datetime(2025, 4, 8, 10, tzinfo=AMS)):  # due 4 April: overdue
        assert dr.is_overdue
        with pytest.raises(NotAllowed, match="before the first deadline"):
            casework.propose_policy(data_request=dr, policy="ccpa", reason="registration", by=bob)
        with pytest.raises(NotAllowed, match="before the deadline"):
            casework.propose_extension(data_request=dr, reason="complexity", by=bob)
        dr.refresh_from_db()
        assert dr.is_overdue and dr.policy == "gdpr"


def test_the_brazilian_clock_has_no_extension(bob, carol):
    dr = _claimed(bob)
    casework.propose_policy(data_request=dr, policy="lgpd", reason="residence", by=bob)
    _approve(dr, carol)
    with pytest.raises(NotAllowed, match="allows no extension"):
        casework.propose_extension(data_request=dr, reason="complexity", by=bob)


def test_no_new_package_while_the_approver_checks(bob, demo_db):
    dr = _prepared_package(bob, demo_db)
    with pytest.raises(jobs.JobFailed, match="being approved"):
        jobs.start_job(data_request=dr, kind=Job.Kind.PACKAGE, by=bob)
    assert dr.approvals.get().state == "pending"


# --- a shared number: who the customer is ------------------------------------------------------

HOUSEHOLD = DEMO_NUMBERS["household"]
HOUSEHOLD_LINK = ("customer-service", "contact_numbers", "contacts")


def _household(bob, kind, job_kind):
    dr = _case(kind, number=HOUSEHOLD)
    casework.claim(data_request=dr, user=bob)
    with committed():
        casework.start_job(data_request=dr, kind=job_kind, by=bob)
    dr.refresh_from_db()
    return dr


@pytest.mark.parametrize(
    ("kind", "job_kind"), [("access", Job.Kind.PACKAGE), ("erasure", Job.Kind.DISCOVER)]
)
def test_a_shared_number_is_not_submitted_until_staff_decide(bob, demo_db, kind, job_kind):
    dr = _household(bob, kind, job_kind)
    assert dr.jobs.get(kind=job_kind).summary["withheld"] > 0
    with pytest.raises(NotAllowed, match="decide who the customer is"):
        casework.submit_for_approval(data_request=dr, by=bob)
    dr.refresh_from_db()
    assert dr.status == "in_progress" and not dr.approvals.exists()


def test_what_was_made_before_the_decision_is_not_submitted(bob, demo_db):
    dr = _household(bob, "access", Job.Kind.PACKAGE)
    casework.decide_requester(data_request=dr, link=HOUSEHOLD_LINK, contact=None, by=bob)
    with pytest.raises(NotAllowed, match="build the package again"):
        casework.submit_for_approval(data_request=dr, by=bob)
    with committed():
        casework.start_job(data_request=dr, kind=Job.Kind.PACKAGE, by=bob)
    casework.submit_for_approval(data_request=dr, by=bob)
    dr.refresh_from_db()
    assert dr.status == "awaiting_approval"
    # A changed mind after that needs a new package again.
    casework.send_back(data_request=dr, by=_staff_carol())
    casework.decide_requester(data_request=dr, link=HOUSEHOLD_LINK, contact="2", by=bob)
    with pytest.raises(NotAllowed, match="build the package again"):
        casework.submit_for_approval(data_request=dr, by=bob)


def _staff_carol():
    from django.contrib.auth import get_user_model

    return _staff(get_user_model(), "carol-2", roles.APPROVERS)


def test_deciding_needs_the_role_and_a_contact_the_number_leads_to(bob, maria, dave, demo_db):
    dr = _household(bob, "erasure", Job.Kind.DISCOVER)
    for user in (maria, dave):
        with pytest.raises(NotAllowed, match="role"):
            casework.decide_requester(data_request=dr, link=HOUSEHOLD_LINK, contact="2", by=user)
    with pytest.raises(NotAllowed, match="Choose one of the contacts listed"):
        casework.decide_requester(data_request=dr, link=HOUSEHOLD_LINK, contact="7", by=bob)
    other_link = ("customer-service", "contact_numbers", "payments")
    with pytest.raises(NotAllowed, match="no longer leads to several contacts"):
        casework.decide_requester(data_request=dr, link=other_link, contact="2", by=bob)
    assert not RequesterDecision.objects.exists()
    assert not AuditEvent.objects.filter(action="dsar.shared_number.decided").exists()


def test_deciding_needs_a_workable_case(bob, carol, demo_db):
    dr = _household(bob, "erasure", Job.Kind.DISCOVER)
    casework.decide_requester(data_request=dr, link=HOUSEHOLD_LINK, contact=None, by=bob)
    with committed():
        casework.start_job(data_request=dr, kind=Job.Kind.DISCOVER, by=bob)
    casework.submit_for_approval(data_request=dr, by=bob)
    with pytest.raises(NotAllowed, match="being checked"):
        casework.decide_requester(data_request=dr, link=HOUSEHOLD_LINK, contact="2", by=bob)
    assert RequesterDecision.objects.get(data_request=dr).value is None


def test_a_decision_is_audited_with_ids_only_and_can_be_changed(bob, demo_db):
    dr = _household(bob, "erasure", Job.Kind.DISCOVER)
    casework.decide_requester(data_request=dr, link=HOUSEHOLD_LINK, contact="2", by=bob)
    casework.decide_requester(data_request=dr, link=HOUSEHOLD_LINK, contact=None, by=bob)

    first, second = AuditEvent.objects.filter(action="dsar.shared_number.decided").order_by("seq")
    where = dict(zip(("source", "number_table", "linked_table"), HOUSEHOLD_LINK, strict=True))
    assert first.actor == bob and first.data == {**where, "outcome": "contact", "contact": "2"}
    assert second.data == {**where, "outcome": "unknown", "contact": None}
    decision = RequesterDecision.objects.get(data_request=dr)
    assert decision.outcome == "unknown" and decision.decided_by == bob
    assert jobs.requester_of(dr) == {HOUSEHOLD_LINK: None}


def test_viewing_the_evidence_needs_the_role_and_is_audited(bob, maria, demo_db):
    dr = _household(bob, "access", Job.Kind.DISCOVER)
    with pytest.raises(NotAllowed, match="role"):
        casework.view_requester_evidence(data_request=dr, by=maria)
    assert not AuditEvent.objects.filter(action="dsar.shared_number.evidence_viewed").exists()
    (evidence,) = casework.view_requester_evidence(data_request=dr, by=bob)
    assert [c.value for c in evidence.contacts] == ["2", "3"]
    event = AuditEvent.objects.get(action="dsar.shared_number.evidence_viewed")
    assert event.actor == bob and event.data["links"][0]["contacts"] == [2, 3]


# --- the rules hold in the services, whatever a page shows ---------------------------------


def _services(bob, carol):
    """Every casework service that works on a case, as (name, call)."""
    return [
        ("claim", lambda dr: casework.claim(data_request=dr, user=bob)),
        ("assign", lambda dr: casework.assign(data_request=dr, assignee=bob, by=carol)),
        ("discover", lambda dr: casework.start_job(data_request=dr, kind="discover", by=bob)),
        ("package", lambda dr: casework.start_job(data_request=dr, kind="package", by=bob)),
        ("ask", lambda dr: casework.ask_clarification(data_request=dr, question="period", by=bob)),
        (
            "refuse",
            lambda dr: casework.propose_refusal(data_request=dr, ground="unfounded", by=bob),
        ),
        ("extend", lambda dr: casework.propose_extension(data_request=dr, reason="number", by=bob)),
        (
            "policy",
            lambda dr: casework.propose_policy(
                data_request=dr, policy="ccpa", reason="residence", by=bob
            ),
        ),
        ("submit", lambda dr: casework.submit_for_approval(data_request=dr, by=bob)),
        (
            "decide requester",
            lambda dr: casework.decide_requester(
                data_request=dr, link=HOUSEHOLD_LINK, contact=None, by=bob
            ),
        ),
    ]


@pytest.mark.parametrize(
    "status", ["awaiting_approval", "erasing", "completed", "refused", "withdrawn"]
)
def test_no_service_works_on_a_case_that_is_not_workable(bob, carol, status):
    dr = _claimed(bob)
    DataRequest.objects.filter(pk=dr.pk).update(status=status)
    for name, call in _services(bob, carol):
        events = AuditEvent.objects.count()
        with pytest.raises(NotAllowed):
            call(dr)
        assert AuditEvent.objects.count() == events, name
    dr.refresh_from_db()
    assert dr.status == status and not dr.approvals.exists() and not dr.jobs.exists()


def test_a_refusal_while_a_response_is_checked_leaves_the_approval_alone(bob, carol, demo_db):
    dr = _prepared_package(bob, demo_db)
    with pytest.raises(NotAllowed, match="being checked"):
        casework.propose_refusal(data_request=dr, ground="unfounded", by=bob)
    dr.refresh_from_db()
    assert dr.status == "awaiting_approval" and dr.approvals.get().state == "pending"


def test_an_erasure_under_way_cannot_be_refused(bob, carol, demo_db):
    dr = _approved_erasure(bob, carol)
    assert dr.status == "erasing"
    for _name, call in _services(bob, carol):
        with pytest.raises(NotAllowed):
            call(dr)
    dr.refresh_from_db()
    assert dr.status == "erasing"


# --- a job's end and its case's follow-up ------------------------------------------------------


def test_a_crash_in_the_follow_up_leaves_the_job_unfinished_not_the_case_behind(
    bob, carol, demo_db, settings
):
    settings.DSAR_ERASURE_COOLING_OFF_HOURS = 0
    with mock.patch.object(casework, "erasure_finished", side_effect=RuntimeError("crash")):
        with pytest.raises(RuntimeError):
            _approved_erasure(bob, carol)
    erase = Job.objects.get(kind="erase")
    dr = erase.data_request
    # The data is erased, but the job is not marked done without its case.
    assert erase.state == "running" and dr.status == "erasing"
    # The sweeper takes it over; the rerun finds every table done and finishes both.
    Job.objects.filter(pk=erase.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    with committed():
        jobs.requeue_stale()
    erase.refresh_from_db()
    dr.refresh_from_db()
    assert erase.state == "done" and dr.status == "completed"


def test_the_sweeper_closes_a_finished_erasures_case(bob, carol, demo_db, outbox, settings):
    settings.DSAR_ERASURE_COOLING_OFF_HOURS = 0
    with mock.patch.object(jobs, "_follow_up"):  # as an older version left it
        dr = _approved_erasure(bob, carol)
    assert dr.status == "erasing" and dr.jobs.get(kind="erase").state == "done"
    with committed():
        assert jobs.requeue_stale() == 1
    dr.refresh_from_db()
    assert dr.status == "completed"
    assert [m for m in outbox if m.kind == "response-ready"]


def test_a_rerun_of_a_package_job_reuses_the_package_it_made(bob, demo_db):
    dr = _claimed(bob)
    with committed():
        casework.start_job(data_request=dr, kind=Job.Kind.PACKAGE, by=bob)
    job = dr.jobs.get(kind="package")
    package = job.package
    path = settings_path(package)
    built = path.stat().st_mtime_ns
    # The worker died after the package, before the job was marked done.
    Job.objects.filter(pk=job.pk).update(
        state="running", heartbeat_at=timezone.now() - timedelta(hours=1)
    )
    with committed():
        jobs.requeue_stale()
    job.refresh_from_db()
    assert job.state == "done"
    assert AccessPackage.objects.filter(job=job).count() == 1
    assert path.stat().st_mtime_ns == built  # not rebuilt
    casework.submit_for_approval(data_request=dr, by=bob)  # its own hash check passes


def test_a_rerun_rebuilds_a_package_whose_file_does_not_match(bob, demo_db):
    dr = _claimed(bob)
    with committed():
        casework.start_job(data_request=dr, kind=Job.Kind.PACKAGE, by=bob)
    job = dr.jobs.get(kind="package")
    with settings_path(job.package).open("ab") as fh:
        fh.write(b"half")
    Job.objects.filter(pk=job.pk).update(
        state="running", heartbeat_at=timezone.now() - timedelta(hours=1)
    )
    with committed():
        jobs.requeue_stale()
    job.refresh_from_db()
    package = AccessPackage.objects.get(job=job)
    assert job.state == "done" and job.summary["sha256"] == package.sha256
    casework.submit_for_approval(data_request=dr, by=bob)


def settings_path(package):
    from django.conf import settings

    return settings.PRIVATE_MEDIA_ROOT / package.path
