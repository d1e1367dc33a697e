"""Staff decisions on a case: claim, four-eyes approval, extension, refusal, questions,
reminders. Status changes go through `dsar.services.move()`; every decision is audited."""

from __future__ import annotations

import hashlib
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from dsar import audit, deadlines, jobs
from dsar.models import (
    AccessPackage,
    Approval,
    AuditEvent,
    Clarification,
    DataRequest,
    Job,
    Notification,
    Reminder,
)
from dsar.services import NotAllowed, move, notify
from portal import roles

Status = DataRequest.Status


def _locked(data_request: DataRequest) -> DataRequest:
    return DataRequest.objects.select_for_update().get(pk=data_request.pk)


def _require(user, perm: str) -> None:
    # SECURITY: views check roles too; services refuse on their own as well.
    if not user.has_perm(perm):
        raise NotAllowed(_("You do not have the role for this."))


@transaction.atomic
def claim(*, data_request: DataRequest, user) -> DataRequest:
    """Take a case: assign it to `user` and start work. Inverse: `assign()` to someone else."""
    _require(user, "dsar.work_datarequest")
    dr = _locked(data_request)
    dr.assignee = user
    dr.save(update_fields=["assignee", "updated_at"])
    audit.record(dr, "dsar.request.assigned", actor=user, data={"assignee": user.pk})
    if dr.status == Status.RECEIVED:
        move(dr, Status.IN_PROGRESS, by=user)
    return dr


@transaction.atomic
def assign(*, data_request: DataRequest, assignee, by) -> DataRequest:
    """Give a case to another member of the privacy staff. Its own inverse."""
    _require(by, "dsar.work_datarequest")
    if not assignee.is_active or not assignee.has_perm("dsar.work_datarequest"):
        raise NotAllowed(_("Cases can only be assigned to privacy staff."))
    dr = _locked(data_request)
    dr.assignee = assignee
    dr.save(update_fields=["assignee", "updated_at"])
    audit.record(dr, "dsar.request.assigned", actor=by, data={"assignee": assignee.pk})
    return dr


def _file_sha256(package: AccessPackage) -> str:
    digest = hashlib.sha256()
    with (settings.PRIVATE_MEDIA_ROOT / package.path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _latest_job(dr: DataRequest, kind: str) -> Job | None:
    return dr.jobs.filter(kind=kind, state=Job.State.DONE).order_by("-finished_at", "-pk").first()


def _what_to_approve(dr: DataRequest) -> tuple[str, str, AccessPackage | None]:
    if dr.kind in (DataRequest.Kind.ACCESS, DataRequest.Kind.EXPORT):
        job = _latest_job(dr, Job.Kind.PACKAGE)
        if job is None or not hasattr(job, "package"):
            raise NotAllowed(_("Build the package first."))
        package = job.package
        if _file_sha256(package) != package.sha256:
            raise NotAllowed(
                _("The package file does not match its recorded hash; build it again.")
            )
        return Approval.Subject.PACKAGE, package.sha256, package
    if dr.kind == DataRequest.Kind.ERASURE:
        job = _latest_job(dr, Job.Kind.DISCOVER)
        if job is None:
            raise NotAllowed(_("Run discovery first: the approver approves the erasure plan."))
        return Approval.Subject.ERASURE_PLAN, job.summary["fingerprint"], None
    decision = f"{dr.reference}:{dr.kind}:{dr.channel}"
    return Approval.Subject.DECISION, hashlib.sha256(decision.encode()).hexdigest(), None


@transaction.atomic
def submit_for_approval(*, data_request: DataRequest, by) -> Approval:
    """The preparer submits the response (package, erasure plan or decision) for four-eyes.

    Inverse: `send_back()` by the approver.
    """
    _require(by, "dsar.work_datarequest")
    dr = _locked(data_request)
    about, sha256, package = _what_to_approve(dr)
    move(dr, Status.AWAITING_APPROVAL, by=by)
    approval = Approval.objects.create(
        data_request=dr, about=about, sha256=sha256, package=package, prepared_by=by
    )
    audit.record(
        dr,
        "dsar.approval.requested",
        actor=by,
        data={"approval": approval.pk, "about": about, "sha256": sha256},
    )
    return approval


def _pending(dr: DataRequest) -> Approval:
    approval = dr.approvals.select_for_update().filter(state=Approval.State.PENDING).first()
    if approval is None:
        raise NotAllowed(_("Nothing is waiting for approval."))
    return approval


def approve(*, data_request: DataRequest, approver) -> DataRequest:
    """Approve and release. Four-eyes: the preparer cannot approve. No inverse.

    A package must still be byte for byte what was submitted, an erasure runs only the
    plan that was approved; otherwise the approval is void and the case goes back.
    """
    with transaction.atomic():
        dr, error = _approve(data_request=data_request, approver=approver)
    if error:
        raise NotAllowed(error)
    return dr


def _approve(*, data_request: DataRequest, approver) -> tuple[DataRequest, str]:
    _require(approver, "dsar.approve_datarequest")
    dr = _locked(data_request)
    if dr.status != Status.AWAITING_APPROVAL:
        raise NotAllowed(_("Nothing is waiting for approval."))
    approval = _pending(dr)
    # SECURITY: four-eyes; the database constraint refuses it as well.
    if approval.prepared_by_id == approver.pk:
        raise NotAllowed(_("The person who prepared a response cannot approve it."))
    # Four eyes that looked: the approver has opened what goes out (record_review).
    if not _reviewed(dr, approval, approver):
        raise NotAllowed(_("Review what goes out before you approve it."))
    if approval.about == Approval.Subject.PACKAGE:
        newest = _latest_job(dr, Job.Kind.PACKAGE)
        package = approval.package
        if (
            newest is None
            or newest.pk != package.job_id
            or _file_sha256(package) != approval.sha256
        ):
            _void(dr, approval, by=approver)
            return dr, _("The package changed after it was submitted; the approval is void.")
    approval.state, approval.approved_by = Approval.State.APPROVED, approver
    approval.decided_at = timezone.now()
    approval.save(update_fields=["state", "approved_by", "decided_at"])
    audit.record(
        dr,
        "dsar.approval.approved",
        actor=approver,
        data={"approval": approval.pk, "sha256": approval.sha256},
    )
    if approval.about == Approval.Subject.ERASURE_PLAN:
        jobs.start_job(
            data_request=dr, kind=Job.Kind.ERASE, by=approver, approved_sha256=approval.sha256
        )
        return dr, ""
    if approval.package_id:
        AccessPackage.objects.filter(pk=approval.package_id).update(released_at=timezone.now())
    move(dr, Status.COMPLETED, by=approver)
    notify(dr, Notification.Kind.READY)
    return dr, ""


@transaction.atomic
def record_review(*, data_request: DataRequest, by) -> Approval:
    """Record that `by` opened the review of the pending approval (the package's files and
    extract, or the erasure plan). Approval needs it; recorded once per person and approval.
    Raises NotAllowed when nothing waits for approval. No inverse."""
    if not (by.has_perm("dsar.approve_datarequest") or by.has_perm("dsar.work_datarequest")):
        raise NotAllowed(_("You do not have the role for this."))
    dr = _locked(data_request)
    approval = _pending(dr)
    if not _reviewed(dr, approval, by):
        audit.record(
            dr,
            "dsar.approval.reviewed",
            actor=by,
            data={"approval": approval.pk, "sha256": approval.sha256},
        )
    return approval


def _reviewed(dr: DataRequest, approval: Approval, user) -> bool:
    return dr.events.filter(
        action="dsar.approval.reviewed", actor=user, data__approval=approval.pk
    ).exists()


def _void(dr: DataRequest, approval: Approval, *, by) -> None:
    approval.state, approval.decided_at = Approval.State.VOID, timezone.now()
    approval.save(update_fields=["state", "decided_at"])
    audit.record(dr, "dsar.approval.voided", actor=by, data={"approval": approval.pk})
    move(dr, Status.IN_PROGRESS, by=by)


@transaction.atomic
def send_back(*, data_request: DataRequest, by) -> DataRequest:
    """The approver returns the case to the preparer. Inverse: `submit_for_approval()`."""
    _require(by, "dsar.approve_datarequest")
    dr = _locked(data_request)
    approval = _pending(dr)
    approval.state, approval.decided_at = Approval.State.SENT_BACK, timezone.now()
    approval.save(update_fields=["state", "decided_at"])
    audit.record(dr, "dsar.approval.sent_back", actor=by, data={"approval": approval.pk})
    move(dr, Status.IN_PROGRESS, by=by)
    return dr


def erasure_finished(*, job: Job) -> None:
    """Called when an approved erasure job is done: close the case and tell the customer."""
    with transaction.atomic():
        dr = _locked(job.data_request)
        if dr.status == Status.AWAITING_APPROVAL:
            move(dr, Status.COMPLETED, data={"job": job.pk})
            notify(dr, Notification.Kind.READY)


def erasure_plan_changed(*, job: Job) -> None:
    """The plan found at run time differs from the approved one: void and send back."""
    with transaction.atomic():
        dr = _locked(job.data_request)
        approval = (
            dr.approvals.select_for_update()
            .filter(state=Approval.State.APPROVED, sha256=job.approved_sha256)
            .first()
        )
        if approval and dr.status == Status.AWAITING_APPROVAL:
            _void(dr, approval, by=None)


@transaction.atomic
def set_policy(*, data_request: DataRequest, policy: str, by) -> DataRequest:
    """Answer under another legal clock (California, Brazil) and recompute the deadline.

    Only before any extension, while the case is open. Its own inverse (set GDPR again).
    """
    _require(by, "dsar.work_datarequest")
    dr = _locked(data_request)
    if policy not in DataRequest.Policy.values:
        raise NotAllowed(_("Choose a legal clock."))
    if not dr.is_open or dr.is_extended:
        raise NotAllowed(_("The legal clock can only change on an open case before any extension."))
    old = dr.policy
    due = deadlines.policy_due_date(dr.received_on, country=settings.DSAR_COUNTRY, policy=policy)
    dr.policy, dr.due_on, dr.initial_due_on = policy, due, due
    dr.save(update_fields=["policy", "due_on", "initial_due_on", "updated_at"])
    audit.record(
        dr, "dsar.request.policy_changed", actor=by, data={"from": old, "to": policy, "due_on": due}
    )
    return dr


@transaction.atomic
def extend(*, data_request: DataRequest, reason: str, by, today: date | None = None) -> DataRequest:
    """Extend the deadline to three months after receipt, before it passes. No inverse.

    Only for the reasons the law allows, once, and the customer is told the new date and
    the reason on their channel.
    """
    _require(by, "dsar.work_datarequest")
    dr = _locked(data_request)
    today = today or timezone.localdate()
    if reason not in DataRequest.ExtensionReason.values:
        raise NotAllowed(_("Choose the reason for the extension."))
    if not dr.is_open:
        raise NotAllowed(_("Only an open case can be extended."))
    if dr.is_extended:
        raise NotAllowed(_("This case was already extended."))
    if today > dr.due_on:
        raise NotAllowed(
            _("An extension must be decided and told before the deadline; it has passed.")
        )
    try:
        new_due = deadlines.policy_extended_due_date(
            dr.received_on, country=settings.DSAR_COUNTRY, policy=dr.policy
        )
    except ValueError:
        raise NotAllowed(_("This request's policy allows no extension.")) from None
    old = dr.due_on
    dr.due_on, dr.extended_at, dr.extension_reason = new_due, timezone.now(), reason
    dr.save(update_fields=["due_on", "extended_at", "extension_reason", "updated_at"])
    audit.record(
        dr, "dsar.request.extended", actor=by, data={"reason": reason, "from": old, "to": new_due}
    )
    notify(dr, Notification.Kind.EXTENDED)
    return dr


@transaction.atomic
def refuse(*, data_request: DataRequest, ground: str, by, partial: bool = False) -> DataRequest:
    """Refuse a request, wholly or partly, on a legal ground. No inverse.

    A whole refusal closes the case and tells the customer the reason and their right to
    complain to the supervisory authority and to go to court. A partial one is recorded
    and told with the response.
    """
    _require(by, "dsar.work_datarequest")
    dr = _locked(data_request)
    if ground not in DataRequest.RefusalGround.values:
        raise NotAllowed(_("Choose the legal ground."))
    if not dr.is_open:
        raise NotAllowed(_("Only an open case can be refused."))
    dr.refusal_ground, dr.partially_refused = ground, partial
    dr.save(update_fields=["refusal_ground", "partially_refused", "updated_at"])
    audit.record(dr, "dsar.request.refused", actor=by, data={"ground": ground, "partial": partial})
    if not partial:
        if dr.status == Status.AWAITING_APPROVAL:
            move(dr, Status.IN_PROGRESS, by=by)
        move(dr, Status.REFUSED, by=by, data={"ground": ground})
        notify(dr, Notification.Kind.REFUSED)
    return dr


@transaction.atomic
def ask_clarification(*, data_request: DataRequest, question: str, by) -> Clarification:
    """Ask the customer a question from the list; the case shows the pause until answered."""
    _require(by, "dsar.work_datarequest")
    dr = _locked(data_request)
    if question not in Clarification.Question.values:
        raise NotAllowed(_("Choose a question."))
    if not dr.is_open:
        raise NotAllowed(_("Only an open case can ask the customer a question."))
    if dr.clarifications.filter(answered_at__isnull=True).exists():
        raise NotAllowed(_("A question is already waiting for an answer."))
    c = Clarification.objects.create(data_request=dr, question=question, asked_by=by)
    audit.record(
        dr, "dsar.clarification.asked", actor=by, data={"clarification": c.pk, "question": question}
    )
    notify(dr, Notification.Kind.CLARIFICATION)
    return c


@transaction.atomic
def answer_clarification(*, clarification: Clarification, answer: str) -> Clarification:
    """The customer's answer, one of the listed choices. No inverse."""
    c = Clarification.objects.select_for_update().get(pk=clarification.pk)
    if c.answered_at is not None:
        raise NotAllowed(_("This question was already answered."))
    if answer not in dict(Clarification.ANSWERS[c.question]):
        raise NotAllowed(_("Choose one of the answers."))
    c.answer, c.answered_at = answer, timezone.now()
    c.save(update_fields=["answer", "answered_at"])
    audit.record(
        c.data_request,
        "dsar.clarification.answered",
        actor_kind=AuditEvent.ActorKind.SUBJECT,
        data={"clarification": c.pk, "answer": answer},
    )
    return c


def send_reminders(*, today: date | None = None, batch: int = 200) -> dict[str, int]:
    """Warn assignees of cases due within 5 working days; escalate overdue cases to managers.

    Once per case, threshold and due date: a `Reminder` row is created first and the
    unique constraint stops a second mail even across restarts or parallel beats.
    """
    today = today or timezone.localdate()
    soon = deadlines.add_working_days(
        today, settings.DSAR_REMINDER_DAYS, country=settings.DSAR_COUNTRY
    )
    open_cases = DataRequest.objects.filter(status__in=DataRequest.OPEN_STATUSES)
    due_soon = open_cases.filter(due_on__gte=today, due_on__lte=soon, assignee__isnull=False)
    overdue = open_cases.filter(due_on__lt=today)
    managers = list(
        get_user_model()
        .objects.filter(groups__name=roles.MANAGERS, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    sent = {"due_soon": 0, "overdue": 0}
    for threshold, cases in (
        (Reminder.Threshold.DUE_SOON, due_soon),
        (Reminder.Threshold.OVERDUE, overdue),
    ):
        todo = (
            cases.exclude(reminders__threshold=threshold, reminders__due_on=F("due_on"))
            .select_related("assignee")
            .order_by("due_on")[:batch]
        )
        for dr in todo:
            recipients = (
                [dr.assignee.email] if threshold == Reminder.Threshold.DUE_SOON else managers
            )
            recipients = [r for r in recipients if r]
            if not recipients or not _claim_reminder(dr, threshold):
                continue
            context = {"dr": dr, "threshold": threshold, "site_url": settings.SITE_URL}
            body = render_to_string("dsar/staff/reminder_email.txt", context)
            subject = (
                _("Case %(ref)s is due on %(due)s")
                if threshold == Reminder.Threshold.DUE_SOON
                else _("Overdue: case %(ref)s was due on %(due)s")
            ) % {"ref": dr.reference, "due": dr.due_on.isoformat()}
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
            sent[threshold] += 1
    return sent


def _claim_reminder(dr: DataRequest, threshold: str) -> bool:
    try:
        with transaction.atomic():
            Reminder.objects.create(data_request=dr, threshold=threshold, due_on=dr.due_on)
            audit.record(dr, "dsar.reminder.sent", data={"threshold": threshold})
    except IntegrityError:
        return False
    return True
