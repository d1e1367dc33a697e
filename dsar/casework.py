"""Every change to a case: work, four-eyes decisions, the erasure's cooling-off, questions.

The rules hold here, whatever a page shows:

- Every status change goes through `_move()`, over `DataRequest.TRANSITIONS`, and only for a
  row locked in the caller's transaction (`_locked()`).
- Work (claim, assign, jobs, questions, proposals) happens only on a workable case
  (RECEIVED or IN_PROGRESS): while a response is checked, erased or closed, nothing moves.
- Every answer that reaches the customer is prepared by one person and approved by another
  (the database refuses self-approval too): a release, an erasure, a refusal, an extension,
  a change of legal clock. The approver must have opened the review of that submission.
- The legal clock is fixed at receipt: `initial_due_on` is never rewritten; a new clock is
  an approved decision with a reason, before the first deadline only, told to the customer.
- An approved erasure waits `DSAR_ERASURE_COOLING_OFF_HOURS` (told to the customer, who may
  cancel from their page) before its job may run.
- A package or an erasure plan built from a discovery that left rows out for a shared number
  is submitted only once staff decided who the customer is (or that it cannot be told), and
  only if it was made with that decision (`decide_requester()`).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dsar import audit, deadlines, exports, jobs, shared_numbers
from dsar.models import (
    AccessPackage,
    Approval,
    AuditEvent,
    Clarification,
    DataRequest,
    Job,
    Notification,
    RequesterDecision,
)
from dsar.services import NotAllowed, notify

Status = DataRequest.Status


# --- the one way a status changes -----------------------------------------------------------


def _locked(data_request: DataRequest) -> DataRequest:
    """The case's row, locked for this transaction; only such a row may `_move()`."""
    dr = DataRequest.objects.select_for_update().get(pk=data_request.pk)
    dr._locked_by = _outer_atomic()
    return dr


def _outer_atomic():
    connection = transaction.get_connection()
    return connection.atomic_blocks[0] if connection.in_atomic_block else None


def _move(dr: DataRequest, to: str, *, by=None, data: dict | None = None) -> None:
    """Change a case's status. Every status change in the project passes through here.

    Raises NotAllowed for a move TRANSITIONS does not list, and RuntimeError when the row
    was not locked in the running transaction (a programming error, never a user's).
    """
    # SECURITY: a move needs the row lock of this very transaction, or two decisions race.
    if getattr(dr, "_locked_by", None) is None or dr._locked_by is not _outer_atomic():
        raise RuntimeError("A case moves only inside the transaction that locked its row.")
    if to not in dr.moves():
        raise NotAllowed(_("This request cannot move to that state."))
    old, dr.status = dr.status, to
    fields = ["status", "updated_at"]
    if to in (Status.COMPLETED, Status.REFUSED, Status.WITHDRAWN):
        dr.closed_at = timezone.now()
        fields.append("closed_at")
    dr.save(update_fields=fields)
    audit.record(
        dr, "dsar.request.status_changed", actor=by, data={"from": old, "to": to, **(data or {})}
    )


def _require(user, perm: str) -> None:
    # SECURITY: views check roles too; services refuse on their own as well.
    if not user.has_perm(perm):
        raise NotAllowed(_("You do not have the role for this."))


def require_workable(dr: DataRequest) -> None:
    """Refuse any work on a case that is being checked, erased or closed."""
    if dr.status == Status.AWAITING_APPROVAL:
        raise NotAllowed(
            _("A response is being checked: nothing changes until the approver decides.")
        )
    if dr.status == Status.ERASING:
        raise NotAllowed(
            _("The erasure is approved and scheduled or running: nothing else changes.")
        )
    if not dr.is_workable:
        raise NotAllowed(_("This case is closed."))


def _claimed(dr: DataRequest) -> None:
    require_workable(dr)
    if dr.status != Status.IN_PROGRESS:
        raise NotAllowed(_("Claim the case first."))


# --- work -----------------------------------------------------------------------------------


@transaction.atomic
def claim(*, data_request: DataRequest, user) -> DataRequest:
    """Take a case: assign it to `user` and start work. Inverse: `assign()` to someone else."""
    _require(user, "dsar.work_datarequest")
    dr = _locked(data_request)
    require_workable(dr)
    dr.assignee = user
    dr.save(update_fields=["assignee", "updated_at"])
    audit.record(dr, "dsar.request.assigned", actor=user, data={"assignee": user.pk})
    if dr.status == Status.RECEIVED:
        _move(dr, Status.IN_PROGRESS, by=user)
    return dr


@transaction.atomic
def assign(*, data_request: DataRequest, assignee, by) -> DataRequest:
    """Give a case to another member of the privacy staff. Its own inverse."""
    _require(by, "dsar.work_datarequest")
    if not assignee.is_active or not assignee.has_perm("dsar.work_datarequest"):
        raise NotAllowed(_("Cases can only be assigned to privacy staff."))
    dr = _locked(data_request)
    require_workable(dr)
    dr.assignee = assignee
    dr.save(update_fields=["assignee", "updated_at"])
    audit.record(dr, "dsar.request.assigned", actor=by, data={"assignee": assignee.pk})
    return dr


@transaction.atomic
def start_job(*, data_request: DataRequest, kind: str, by) -> Job:
    """Queue discovery, a package, or (for an objection or consent withdrawal whose job
    failed) the suppression again, on a workable case; an erasure only ever follows an
    approved plan. Raises NotAllowed otherwise."""
    _require(by, "dsar.work_datarequest")
    dr = _locked(data_request)
    require_workable(dr)
    if kind == Job.Kind.SUPPRESS and not dr.executes_itself:
        raise NotAllowed(_("Only an objection or a consent withdrawal stops marketing."))
    if kind not in (Job.Kind.DISCOVER, Job.Kind.PACKAGE, Job.Kind.SUPPRESS):
        raise NotAllowed(_("An erasure runs only after its plan was approved."))
    return jobs.start_job(data_request=dr, kind=kind, by=by)


@transaction.atomic
def ask_clarification(*, data_request: DataRequest, question: str, by) -> Clarification:
    """Ask the customer a question from the list; the case shows the pause until answered."""
    _require(by, "dsar.work_datarequest")
    dr = _locked(data_request)
    if question not in Clarification.Question.values:
        raise NotAllowed(_("Choose a question."))
    require_workable(dr)
    if dr.clarifications.filter(answered_at__isnull=True).exists():
        raise NotAllowed(_("A question is already waiting for an answer."))
    # A question pauses the clock (`_resume_clock`); asked after the deadline it would move
    # an overdue case's due date and hide the lateness.
    if dr.due_on < timezone.localdate():
        raise NotAllowed(
            _(
                "The deadline has passed: a question can no longer pause the clock. Answer with what you have, or refuse with a ground."
            )
        )
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
    _resume_clock(c)
    return c


def _resume_clock(c: Clarification) -> None:
    """The clock stood still while the question waited (EDPB 01/2022 §159, as the customer's
    pages say): the due date moves by the days it waited, to a working day. The first
    deadline (`initial_due_on`) stays on record."""
    dr = _locked(c.data_request)
    waited = (timezone.localdate(c.answered_at) - timezone.localdate(c.asked_at)).days
    if waited <= 0 or not dr.is_open:
        return
    old = dr.due_on
    dr.due_on = deadlines.next_working_day(
        old + timedelta(days=waited), country=settings.DSAR_COUNTRY
    )
    dr.save(update_fields=["due_on", "updated_at"])
    audit.record(
        dr,
        "dsar.request.clock_resumed",
        actor_kind=AuditEvent.ActorKind.SUBJECT,
        data={"clarification": c.pk, "paused_days": waited, "from": old, "to": dr.due_on},
    )


# --- who the customer is, behind a shared number ---------------------------------------------


def view_requester_evidence(*, data_request: DataRequest, by) -> list[shared_numbers.Evidence]:
    """The evidence staff decide on (`shared_numbers.evidence()`: the contacts behind the
    number, their customer numbers, initials, rows per table and contact dates), recorded
    on the audit trail with the contacts' ids: staff looked at personal data.

    Raises NotAllowed without the role or when the number is not shared (nothing is read
    then), jobs.JobFailed when no usable data map is loaded. No inverse: a view is a fact.
    """
    _require(by, "dsar.work_datarequest")
    evidence = shared_numbers.evidence(data_request=data_request)
    if not evidence:
        raise NotAllowed(_("This number does not lead to several contacts: nothing to decide."))
    with transaction.atomic():
        audit.record(
            data_request,
            "dsar.shared_number.evidence_viewed",
            actor=by,
            data={
                "links": [_link_data(e.link.key, contacts=list(e.link.values)) for e in evidence]
            },
        )
    return evidence


@transaction.atomic
def decide_requester(
    *, data_request: DataRequest, link: tuple[str, str, str], contact: str | None, by
) -> RequesterDecision:
    """Decide which contact behind a shared number is the customer (`contact`: its id as the
    evidence lists it), or that it cannot be told (`contact=None`).

    Discovery, packages and erasure plans then give the customer that contact's rows and
    link rows only, or keep all of them withheld; what was built before must be built again
    before it is submitted. Raises NotAllowed without the role, on a case that is not
    workable, or for a link or contact the number does not lead to now.
    Inverse: this service again, with another choice, while the case is workable.
    """
    _require(by, "dsar.work_datarequest")
    dr = _locked(data_request)
    require_workable(dr)
    # SECURITY: only a contact the number leads to now, never an id from the form alone.
    flag = next((s for s in shared_numbers.current_links(dr) if s.key == tuple(link)), None)
    if flag is None:
        raise NotAllowed(
            _("The number no longer leads to several contacts there: run discovery again.")
        )
    if contact is not None and contact not in {str(v) for v in flag.values}:
        raise NotAllowed(_("Choose one of the contacts listed, or that it cannot be told."))
    outcome = RequesterDecision.Outcome.CONTACT if contact else RequesterDecision.Outcome.UNKNOWN
    decision, _created = RequesterDecision.objects.update_or_create(
        data_request=dr,
        source=flag.source,
        number_table=flag.number_table,
        linked_table=flag.linked_table,
        defaults={
            "outcome": outcome,
            "contact": contact or "",
            "decided_by": by,
            "decided_at": timezone.now(),
        },
    )
    audit.record(
        dr,
        "dsar.shared_number.decided",
        actor=by,
        data={**_link_data(flag.key), "outcome": outcome, "contact": contact},
    )
    return decision


def _link_data(key: tuple[str, str, str], **more) -> dict:
    source, number_table, linked_table = key
    return {"source": source, "number_table": number_table, "linked_table": linked_table, **more}


def _require_requester_decided(dr: DataRequest, job: Job) -> None:
    """SECURITY: rows left out for a shared number go nowhere on a guess. The job's answer
    is submitted only after staff decided, for every shared link, who the customer is (or
    that it cannot be told), and only if the job applied exactly those decisions."""
    summary = job.summary or {}
    links = [(s["source"], s["number_table"], s["linked_table"]) for s in summary.get("shared", [])]
    decided = jobs.requester_of(dr)
    if any(link not in decided for link in links):
        raise NotAllowed(
            _(
                "The number is shared by several contacts and records were left out: decide "
                "who the customer is, or that it cannot be told, before submitting."
            )
        )
    applied = {tuple(r[:3]): r[3] for r in summary.get("requester", [])}
    if applied != {link: decided[link] for link in links}:
        raise NotAllowed(
            _(
                "Who the customer is was decided after this was made: run discovery or build "
                "the package again, then submit."
            )
        )


# --- what goes to the approver ----------------------------------------------------------------


def _file_sha256(package: AccessPackage) -> str:
    return exports.file_sha256(settings.PRIVATE_MEDIA_ROOT / package.path)


def _latest_job(dr: DataRequest, kind: str) -> Job | None:
    return dr.jobs.filter(kind=kind, state=Job.State.DONE).order_by("-finished_at", "-pk").first()


def _decision_sha256(dr: DataRequest, about: str, payload: dict) -> str:
    text = json.dumps(
        {"reference": dr.reference, "about": about, "payload": payload},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _what_to_approve(dr: DataRequest) -> tuple[str, str, AccessPackage | None, dict]:
    if dr.kind in (DataRequest.Kind.ACCESS, DataRequest.Kind.EXPORT):
        job = _latest_job(dr, Job.Kind.PACKAGE)
        if job is None or not hasattr(job, "package"):
            raise NotAllowed(_("Build the package first."))
        package = job.package
        if _file_sha256(package) != package.sha256:
            raise NotAllowed(
                _("The package file does not match its recorded hash; build it again.")
            )
        _require_requester_decided(dr, job)
        return Approval.Subject.PACKAGE, package.sha256, package, {}
    if dr.kind == DataRequest.Kind.ERASURE:
        job = _latest_job(dr, Job.Kind.DISCOVER)
        if job is None:
            raise NotAllowed(_("Run discovery first: the approver approves the erasure plan."))
        _require_requester_decided(dr, job)
        return Approval.Subject.ERASURE_PLAN, job.summary["fingerprint"], None, {}
    if dr.kind in (DataRequest.Kind.RECTIFICATION, DataRequest.Kind.RESTRICTION):
        from dsar import rectification, restriction

        rights = rectification if dr.kind == DataRequest.Kind.RECTIFICATION else restriction
        about, payload = rights.what_to_approve(dr)
        return about, _decision_sha256(dr, about, payload), None, payload
    payload = {"kind": dr.kind, "channel": dr.channel}
    return Approval.Subject.DECISION, _decision_sha256(dr, "decision", payload), None, payload


def _submit(dr: DataRequest, about: str, sha256: str, by, *, package=None, payload=None):
    _move(dr, Status.AWAITING_APPROVAL, by=by)
    approval = Approval.objects.create(
        data_request=dr,
        about=about,
        sha256=sha256,
        package=package,
        payload=payload or {},
        prepared_by=by,
    )
    audit.record(
        dr,
        "dsar.approval.requested",
        actor=by,
        data={"approval": approval.pk, "about": about, "sha256": sha256, **(payload or {})},
    )
    return approval


@transaction.atomic
def submit_for_approval(*, data_request: DataRequest, by) -> Approval:
    """The preparer submits the response (package, erasure plan or decision) for four-eyes.

    Inverse: `send_back()` by the approver.
    """
    _require(by, "dsar.work_datarequest")
    dr = _locked(data_request)
    _claimed(dr)
    about, sha256, package, payload = _what_to_approve(dr)
    return _submit(dr, about, sha256, by, package=package, payload=payload)


@transaction.atomic
def propose_refusal(
    *, data_request: DataRequest, ground: str, by, partial: bool = False
) -> Approval:
    """Propose refusing the request, wholly or partly, on a legal ground, for approval.

    Approved, a whole refusal closes the case and tells the customer the reason and their
    right to complain and to go to court; a partial one is recorded and told with the
    response. Inverse: `send_back()`.
    """
    _require(by, "dsar.work_datarequest")
    dr = _locked(data_request)
    if ground not in DataRequest.grounds_for(dr.kind):
        raise NotAllowed(_("Choose a legal ground that applies to this kind of request."))
    _claimed(dr)
    payload = {"ground": ground, "partial": bool(partial)}
    sha256 = _decision_sha256(dr, Approval.Subject.REFUSAL, payload)
    return _submit(dr, Approval.Subject.REFUSAL, sha256, by, payload=payload)


@transaction.atomic
def propose_extension(
    *, data_request: DataRequest, reason: str, by, today: date | None = None
) -> Approval:
    """Propose extending the deadline to three months after receipt, for approval.

    Only before the deadline, once, for a reason the law allows; approved, the customer is
    told the new date and the reason. Inverse: `send_back()`.
    """
    _require(by, "dsar.work_datarequest")
    dr = _locked(data_request)
    _claimed(dr)
    new_due = _extension_due(dr, reason, today or timezone.localdate())
    payload = {"reason": reason, "from": dr.due_on.isoformat(), "to": new_due.isoformat()}
    sha256 = _decision_sha256(dr, Approval.Subject.EXTENSION, payload)
    return _submit(dr, Approval.Subject.EXTENSION, sha256, by, payload=payload)


def _extension_due(dr: DataRequest, reason: str, today: date) -> date:
    if reason not in DataRequest.ExtensionReason.values:
        raise NotAllowed(_("Choose the reason for the extension."))
    if dr.is_extended:
        raise NotAllowed(_("This case was already extended."))
    if today > dr.due_on:
        raise NotAllowed(
            _("An extension must be decided and told before the deadline; it has passed.")
        )
    try:
        return deadlines.policy_extended_due_date(
            dr.received_on, country=settings.DSAR_COUNTRY, policy=dr.policy
        )
    except ValueError:
        raise NotAllowed(_("This request's policy allows no extension.")) from None


@transaction.atomic
def propose_policy(
    *, data_request: DataRequest, policy: str, reason: str, by, today: date | None = None
) -> Approval:
    """Propose answering under another legal clock (California, Brazil), for approval.

    The clock is fixed at receipt; another one is a decision with a reason, before the first
    deadline only and before any extension, told to the customer. `initial_due_on` stays.
    Inverse: `send_back()`.
    """
    _require(by, "dsar.work_datarequest")
    dr = _locked(data_request)
    _claimed(dr)
    due = _policy_due(dr, policy, reason, today or timezone.localdate())
    payload = {"policy": policy, "reason": reason, "from": dr.policy, "due_on": due.isoformat()}
    sha256 = _decision_sha256(dr, Approval.Subject.POLICY, payload)
    return _submit(dr, Approval.Subject.POLICY, sha256, by, payload=payload)


def _policy_due(dr: DataRequest, policy: str, reason: str, today: date) -> date:
    if policy not in DataRequest.Policy.values or policy == dr.policy:
        raise NotAllowed(_("Choose another legal clock."))
    if reason not in DataRequest.PolicyReason.values:
        raise NotAllowed(_("Choose the reason for the change."))
    # SECURITY: lateness cannot be hidden by a new clock: only before the first deadline.
    if dr.is_extended or today > (dr.initial_due_on or dr.due_on):
        raise NotAllowed(
            _("The legal clock can only change before the first deadline and any extension.")
        )
    due = deadlines.policy_due_date(dr.received_on, country=settings.DSAR_COUNTRY, policy=policy)
    # A shorter clock chosen late would make the case overdue the moment it is approved.
    if due < today:
        raise NotAllowed(
            _("Under that clock the deadline has already passed: it cannot be chosen now.")
        )
    return due


# --- the approver -----------------------------------------------------------------------------


def _pending(dr: DataRequest) -> Approval:
    approval = dr.approvals.select_for_update().filter(state=Approval.State.PENDING).first()
    if approval is None:
        raise NotAllowed(_("Nothing is waiting for approval."))
    return approval


@transaction.atomic
def record_review(*, data_request: DataRequest, by) -> Approval:
    """Record that `by` opened the review of the pending approval (the package's files and
    extract, the erasure plan, or the decision). Approval needs it; recorded once per person
    and approval. Raises NotAllowed when nothing waits for approval. No inverse."""
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


# What counts as working on a case: these events by the person, or being its assignee.
WORK_EVENTS = (
    "dsar.job.queued",
    "dsar.approval.requested",
    "dsar.shared_number.decided",
    "dsar.clarification.asked",
)


def _worked_on(dr: DataRequest, user) -> bool:
    if dr.assignee_id == user.pk:
        return True
    events = dr.events.filter(actor=user)
    claimed = events.filter(action="dsar.request.assigned", data__assignee=user.pk)
    return events.filter(action__in=WORK_EVENTS).exists() or claimed.exists()


def _reviewed(dr: DataRequest, approval: Approval, user) -> bool:
    return dr.events.filter(
        action="dsar.approval.reviewed", actor=user, data__approval=approval.pk
    ).exists()


def approve(*, data_request: DataRequest, approver, today: date | None = None) -> DataRequest:
    """Approve what is pending and carry it out. Four-eyes: the preparer cannot approve, and
    the approver must have reviewed it. No inverse.

    A package must still be byte for byte what was submitted, a decision exactly what was
    proposed, and an extension or a new clock still in time; otherwise the approval is void
    and the case goes back to the preparer.
    """
    # Lifting a restriction is decided on its closed case, without a move (dsar.restriction).
    if _rights()[1].has_pending_lift(data_request):
        return _rights()[1].approve_lift(data_request=data_request, approver=approver)
    with transaction.atomic():
        dr, error = _approve(data_request, approver, today or timezone.localdate())
    if error:
        raise NotAllowed(error)
    return dr


def _approve(data_request: DataRequest, approver, today: date) -> tuple[DataRequest, str]:
    _require(approver, "dsar.approve_datarequest")
    dr = _locked(data_request)
    if dr.status != Status.AWAITING_APPROVAL:
        raise NotAllowed(_("Nothing is waiting for approval."))
    approval = _pending(dr)
    check_four_eyes(dr, approval, approver)
    problem = _still_valid(dr, approval, today)
    if problem:
        _void(dr, approval, by=approver)
        return dr, problem
    record_approved(dr, approval, approver)
    _CARRY_OUT[approval.about](dr, approval, approver)
    return dr, ""


def check_four_eyes(dr: DataRequest, approval: Approval, approver) -> None:
    """Refuse an approver who prepared `approval`, worked on the case or has not reviewed
    what goes out. Every approval passes here (also lifting a restriction)."""
    # SECURITY: four-eyes; the database constraint refuses it as well.
    if approval.prepared_by_id == approver.pk:
        raise NotAllowed(_("The person who prepared a response cannot approve it."))
    # SECURITY: nor anyone who worked on it: splitting the work (one builds, another only
    # presses "submit") would otherwise let the builder approve their own package.
    if _worked_on(dr, approver):
        raise NotAllowed(
            _(
                "You worked on this case (claimed it, ran its jobs or decided on it): another approver must approve it."
            )
        )
    # Four eyes that looked: the approver has opened what goes out (record_review).
    if not _reviewed(dr, approval, approver):
        raise NotAllowed(_("Review what goes out before you approve it."))


def record_approved(dr: DataRequest, approval: Approval, approver) -> None:
    approval.state, approval.approved_by = Approval.State.APPROVED, approver
    approval.decided_at = timezone.now()
    approval.save(update_fields=["state", "approved_by", "decided_at"])
    audit.record(
        dr,
        "dsar.approval.approved",
        actor=approver,
        data={"approval": approval.pk, "about": approval.about, "sha256": approval.sha256},
    )


def _still_valid(dr: DataRequest, approval: Approval, today: date) -> str:
    """Why the approval can no longer be carried out, or ""."""
    if approval.about == Approval.Subject.PACKAGE:
        newest = _latest_job(dr, Job.Kind.PACKAGE)
        package = approval.package
        if (
            newest is None
            or newest.pk != package.job_id
            or _file_sha256(package) != approval.sha256
        ):
            return _("The package changed after it was submitted; the approval is void.")
        return ""
    if approval.about != Approval.Subject.ERASURE_PLAN:
        # SECURITY: a decision is exactly what was proposed.
        if _decision_sha256(dr, approval.about, approval.payload) != approval.sha256:
            return _("The decision changed after it was submitted; the approval is void.")
    if approval.about == Approval.Subject.EXTENSION and today > dr.due_on:
        return _("The deadline passed before the extension was approved; it is void.")
    if approval.about == Approval.Subject.POLICY and today > (dr.initial_due_on or dr.due_on):
        return _("The first deadline passed before the new legal clock was approved; it is void.")
    return ""


def _release(dr: DataRequest, approval: Approval, approver) -> None:
    if approval.package_id:
        AccessPackage.objects.filter(pk=approval.package_id).update(released_at=timezone.now())
    _move(dr, Status.COMPLETED, by=approver)
    notify(dr, Notification.Kind.READY)


def _schedule_erasure(dr: DataRequest, approval: Approval, approver) -> None:
    hours = settings.DSAR_ERASURE_COOLING_OFF_HOURS
    run_after = timezone.now() + timedelta(hours=hours)
    _move(dr, Status.ERASING, by=approver, data={"erase_after": run_after.isoformat()})
    jobs.start_job(
        data_request=dr,
        kind=Job.Kind.ERASE,
        by=approver,
        approved_sha256=approval.sha256,
        run_after=run_after if hours else None,
    )
    if hours:
        notify(dr, Notification.Kind.ERASURE_SCHEDULED)


def _refuse(dr: DataRequest, approval: Approval, approver) -> None:
    ground, partial = approval.payload["ground"], approval.payload["partial"]
    dr.refusal_ground, dr.partially_refused = ground, partial
    dr.save(update_fields=["refusal_ground", "partially_refused", "updated_at"])
    audit.record(
        dr, "dsar.request.refused", actor=approver, data={"ground": ground, "partial": partial}
    )
    if partial:
        # The rest of the request is answered in its turn; the customer is told now what is
        # refused, why, and their rights (Art. 12(4)).
        _move(dr, Status.IN_PROGRESS, by=approver)
        notify(dr, Notification.Kind.PARTLY_REFUSED)
        return
    _move(dr, Status.REFUSED, by=approver, data={"ground": ground})
    notify(dr, Notification.Kind.REFUSED)


def _extend(dr: DataRequest, approval: Approval, approver) -> None:
    old = dr.due_on
    dr.due_on = date.fromisoformat(approval.payload["to"])
    dr.extended_at, dr.extension_reason = timezone.now(), approval.payload["reason"]
    dr.save(update_fields=["due_on", "extended_at", "extension_reason", "updated_at"])
    audit.record(
        dr,
        "dsar.request.extended",
        actor=approver,
        data={"reason": dr.extension_reason, "from": old, "to": dr.due_on},
    )
    _move(dr, Status.IN_PROGRESS, by=approver)
    notify(dr, Notification.Kind.EXTENDED)


def _change_policy(dr: DataRequest, approval: Approval, approver) -> None:
    old = dr.policy
    dr.policy = approval.payload["policy"]
    dr.due_on = date.fromisoformat(approval.payload["due_on"])
    # initial_due_on stays: the first deadline is a fact, whatever clock follows.
    dr.save(update_fields=["policy", "due_on", "updated_at"])
    audit.record(
        dr,
        "dsar.request.policy_changed",
        actor=approver,
        data={
            "from": old,
            "to": dr.policy,
            "reason": approval.payload["reason"],
            "due_on": dr.due_on,
        },
    )
    _move(dr, Status.IN_PROGRESS, by=approver)
    notify(dr, Notification.Kind.POLICY_CHANGED)


_CARRY_OUT = {
    Approval.Subject.PACKAGE: _release,
    Approval.Subject.DECISION: _release,
    Approval.Subject.ERASURE_PLAN: _schedule_erasure,
    Approval.Subject.REFUSAL: _refuse,
    Approval.Subject.EXTENSION: _extend,
    Approval.Subject.POLICY: _change_policy,
    Approval.Subject.RECTIFICATION: lambda dr, approval, approver: _rights()[0].carry_out(
        dr, approval, approver
    ),
    Approval.Subject.RESTRICTION: lambda dr, approval, approver: _rights()[1].carry_out(
        dr, approval, approver
    ),
}


def _rights():
    from dsar import rectification, restriction

    return rectification, restriction


def _void(dr: DataRequest, approval: Approval, *, by) -> None:
    approval.state, approval.decided_at = Approval.State.VOID, timezone.now()
    approval.save(update_fields=["state", "decided_at"])
    audit.record(dr, "dsar.approval.voided", actor=by, data={"approval": approval.pk})
    _move(dr, Status.IN_PROGRESS, by=by)


@transaction.atomic
def send_back(*, data_request: DataRequest, by) -> DataRequest:
    """The approver returns the case to the preparer. Inverse: `submit_for_approval()` (or
    the proposal again)."""
    if _rights()[1].has_pending_lift(data_request):
        return _rights()[1].send_back_lift(data_request=data_request, by=by)
    _require(by, "dsar.approve_datarequest")
    dr = _locked(data_request)
    approval = _pending(dr)
    approval.state, approval.decided_at = Approval.State.SENT_BACK, timezone.now()
    approval.save(update_fields=["state", "decided_at"])
    audit.record(dr, "dsar.approval.sent_back", actor=by, data={"approval": approval.pk})
    _move(dr, Status.IN_PROGRESS, by=by)
    return dr


# --- the erasure after approval ---------------------------------------------------------------


def erasure_finished(*, job: Job) -> None:
    """An approved erasure job is done: close the case, tell the customer and (Art. 19)
    every recipient of the erased data (`dsar.recipients_ledger`).

    Call it inside the transaction that marks the job done, so both commit together.
    Safe to call twice: a case no longer ERASING is left alone.
    """
    from dsar import recipients_ledger

    dr = _locked(job.data_request)
    if dr.status == Status.ERASING:
        _move(dr, Status.COMPLETED, data={"job": job.pk})
        notify(dr, Notification.Kind.READY)
        # Art. 19: every recipient of what was erased is told, in this same transaction.
        recipients_ledger.record(
            data_request=dr,
            action=recipients_ledger.Action.ERASURE,
            activities=recipients_ledger.erased_activities(job),
        )


# --- an objection or consent withdrawal, carried out on filing ---------------------------------


def suppression_finished(*, job: Job) -> None:
    """A suppression job is done (dsar.suppress): the number goes on the suppression list,
    the case closes as completed and the customer is told what was done.

    Call it inside the transaction that marks the job done, so both commit together. Safe
    to call twice: the list keeps one entry per number and channel, and a case that is no
    longer workable (closed, or submitted by staff meanwhile) is not moved. No inverse.
    """
    from dsar import suppression

    dr = _locked(job.data_request)
    _entry, created = suppression.record(
        number=dr.subject.number, channel=dr.channel, reason=dr.kind, since=dr.received_on
    )
    if created:
        audit.record(dr, "dsar.suppression.listed", data={"job": job.pk, "channel": dr.channel})
    if dr.status in DataRequest.WORKABLE_STATUSES:
        tables = [
            {"table": t.get("table"), "action": t.get("action"), "changed": t.get("planned", 0)}
            for t in (job.summary or {}).get("report", [])
        ]
        audit.record(dr, "dsar.suppression.applied", data={"job": job.pk, "tables": tables})
        _move(dr, Status.COMPLETED, data={"job": job.pk})
        notify(dr, Notification.Kind.MARKETING_STOPPED)


def suppression_failed(*, job: Job) -> None:
    """A suppression job failed: the case waits for staff (who can run it again from the
    case page) and the customer gets the ordinary receipt with the deadline, once."""
    dr = _locked(job.data_request)
    if dr.is_workable and not dr.notifications.filter(kind=Notification.Kind.RECEIVED).exists():
        notify(dr, Notification.Kind.RECEIVED)


def erasure_plan_changed(*, job: Job) -> None:
    """The plan found at run time differs from the approved one: void and send back."""
    with transaction.atomic():
        dr = _locked(job.data_request)
        approval = (
            dr.approvals.select_for_update()
            .filter(state=Approval.State.APPROVED, sha256=job.approved_sha256)
            .first()
        )
        if approval and dr.status == Status.ERASING:
            approval.state, approval.decided_at = Approval.State.VOID, timezone.now()
            approval.save(update_fields=["state", "decided_at"])
            audit.record(dr, "dsar.approval.voided", data={"approval": approval.pk})
            _move(dr, Status.IN_PROGRESS)


@transaction.atomic
def cancel_erasure(*, data_request: DataRequest) -> DataRequest:
    """The customer cancels an approved erasure during its cooling-off period: the job will
    never run and the case closes as withdrawn. Raises NotAllowed once it has started.
    No inverse: a new request starts again."""
    dr = _locked(data_request)
    if dr.status != Status.ERASING:
        raise NotAllowed(_("There is no erasure waiting to be cancelled."))
    cancelled = dr.jobs.filter(
        kind=Job.Kind.ERASE, state=Job.State.QUEUED, run_after__gt=timezone.now()
    ).update(state=Job.State.CANCELLED, finished_at=timezone.now())
    if not cancelled:
        raise NotAllowed(_("The erasure has already started and can no longer be cancelled."))
    audit.record(dr, "dsar.erasure.cancelled", actor_kind=AuditEvent.ActorKind.SUBJECT)
    _move(dr, Status.WITHDRAWN, data={"by": "customer"})
    notify(dr, Notification.Kind.ERASURE_CANCELLED)
    return dr


def erasure_job(dr: DataRequest) -> Job | None:
    """The approved erasure's job, for the pages: when it runs, whether it can be cancelled."""
    return dr.jobs.filter(kind=Job.Kind.ERASE).order_by("-pk").first()
