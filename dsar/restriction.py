"""Restriction of processing (Art. 18): the customer asks with a reason from a list; staff
submit, another person approves, and the restriction is recorded in a register other
systems query (`check()`, the JSON endpoint), keyed by a hash of the number, never the
number. Staff may propose lifting it; a second person approves the lift. The customer is
told when it is placed and when it is lifted, and so are the recipients (Art. 19).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dsar import audit, jobs, recipients_ledger, suppression
from dsar.models import Approval, AuditEvent, DataRequest, Notification, Restriction
from dsar.services import NotAllowed, notify, open_request
from verification.phone import normalise_stored


@transaction.atomic
def file_request(
    *, number: str, reason: str, language: str, idempotency_key: str = ""
) -> DataRequest:
    """File a request to restrict processing for the verified `number`, for a listed
    reason. The same form sent twice files once. Raises NotAllowed for another reason.
    No inverse: the customer's request stays on record."""
    if reason not in Restriction.Reason.values:
        raise NotAllowed(_("Choose why you want the use of your data restricted."))
    dr = open_request(
        number=number,
        kind=DataRequest.Kind.RESTRICTION,
        language=language,
        idempotency_key=idempotency_key,
    )
    if not Restriction.objects.filter(data_request=dr).exists():
        Restriction.objects.create(
            data_request=dr, digest=suppression.digest(number), reason=reason
        )
        audit.record(
            dr,
            "dsar.restriction.requested",
            actor_kind=AuditEvent.ActorKind.SUBJECT,
            data={"reason": reason},
        )
    return dr


def what_to_approve(dr: DataRequest) -> tuple[str, dict]:
    """What the preparer submits: placing the restriction (its reason)."""
    r = Restriction.objects.filter(data_request=dr).first()
    if r is None or r.placed_at:
        raise NotAllowed(_("There is no restriction waiting to be placed."))
    return Approval.Subject.RESTRICTION, {"kind": dr.kind, "restriction": r.pk, "reason": r.reason}


def _activities(dr: DataRequest) -> list[str]:
    """The register activities of every data-map table in which the customer has rows."""
    try:
        _version, dm = jobs.loaded_map()
    except jobs.JobFailed as e:
        raise NotAllowed(e.message) from None
    found = jobs.discover(dr, dm)
    codes: list[str] = []
    for hit in found.hits:
        if hit.count:
            codes += dm.table(hit.source, hit.table).activity_codes()
    return list(dict.fromkeys(codes))


def carry_out(dr: DataRequest, approval: Approval, approver) -> None:
    """Place an approved restriction (called by `casework.approve` in its transaction): it
    is in the register from now, the case closes, the customer and the recipients are told.
    Inverse: `propose_lift()` and its approval."""
    from dsar import casework

    r = Restriction.objects.select_for_update().get(data_request=dr)
    activities = _activities(dr)
    r.placed_at, r.placed_on = timezone.now(), timezone.localdate()
    r.save(update_fields=["placed_at", "placed_on"])
    audit.record(
        dr,
        "dsar.restriction.placed",
        actor=approver,
        data={"approval": approval.pk, "reason": r.reason},
    )
    casework._move(dr, DataRequest.Status.COMPLETED, by=approver)
    notify(dr, Notification.Kind.RESTRICTED)
    recipients_ledger.record(
        data_request=dr,
        action=recipients_ledger.Action.RESTRICTION,
        activities=activities,
        by=approver,
    )


@transaction.atomic
def propose_lift(*, data_request: DataRequest, by) -> Approval:
    """Propose lifting a restriction in force (the accuracy is verified, the objection
    decided…), for a second person's approval. The case stays closed; nothing else moves.
    Raises NotAllowed without the role, without a restriction in force or with a decision
    already waiting. Inverse: `send_back_lift()`."""
    from dsar import casework

    casework._require(by, "dsar.work_datarequest")
    dr = casework._locked(data_request)
    r = Restriction.objects.select_for_update().filter(data_request=dr).first()
    if r is None or not r.in_force:
        raise NotAllowed(_("There is no restriction in force to lift."))
    if dr.approvals.filter(state=Approval.State.PENDING).exists():
        raise NotAllowed(_("A decision is already waiting for approval."))
    payload = {"kind": dr.kind, "restriction": r.pk, "lift": True}
    about = Approval.Subject.LIFT_RESTRICTION
    sha256 = casework._decision_sha256(dr, about, payload)
    approval = Approval.objects.create(
        data_request=dr, about=about, sha256=sha256, payload=payload, prepared_by=by
    )
    audit.record(
        dr,
        "dsar.approval.requested",
        actor=by,
        data={"approval": approval.pk, "about": about, "sha256": sha256, **payload},
    )
    return approval


def _pending_lift(dr: DataRequest) -> Approval | None:
    return (
        dr.approvals.select_for_update()
        .filter(state=Approval.State.PENDING, about=Approval.Subject.LIFT_RESTRICTION)
        .first()
    )


def has_pending_lift(dr: DataRequest) -> bool:
    return dr.approvals.filter(
        state=Approval.State.PENDING, about=Approval.Subject.LIFT_RESTRICTION
    ).exists()


@transaction.atomic
def approve_lift(*, data_request: DataRequest, approver) -> DataRequest:
    """Approve a proposed lift: four-eyes as for every decision (not the proposer, not
    anyone who worked on the case, only after the review). The restriction leaves the
    register; the customer and the recipients are told. No inverse: a new request restricts
    again."""
    from dsar import casework

    casework._require(approver, "dsar.approve_datarequest")
    dr = casework._locked(data_request)
    approval = _pending_lift(dr)
    if approval is None:
        raise NotAllowed(_("Nothing is waiting for approval."))
    casework.check_four_eyes(dr, approval, approver)
    if casework._decision_sha256(dr, approval.about, approval.payload) != approval.sha256:
        raise NotAllowed(_("The decision changed after it was submitted; the approval is void."))
    r = Restriction.objects.select_for_update().get(data_request=dr)
    casework.record_approved(dr, approval, approver)
    r.lifted_at = timezone.now()
    r.save(update_fields=["lifted_at"])
    audit.record(dr, "dsar.restriction.lifted", actor=approver, data={"approval": approval.pk})
    notify(dr, Notification.Kind.RESTRICTION_LIFTED)
    recipients_ledger.record(
        data_request=dr,
        action=recipients_ledger.Action.RESTRICTION_LIFTED,
        activities=_activities(dr),
        by=approver,
    )
    return dr


@transaction.atomic
def send_back_lift(*, data_request: DataRequest, by) -> DataRequest:
    """The approver refuses the proposed lift: the restriction stays in force. Inverse:
    `propose_lift()` again."""
    from dsar import casework

    casework._require(by, "dsar.approve_datarequest")
    dr = casework._locked(data_request)
    approval = _pending_lift(dr)
    if approval is None:
        raise NotAllowed(_("Nothing is waiting for approval."))
    approval.state, approval.decided_at = Approval.State.SENT_BACK, timezone.now()
    approval.save(update_fields=["state", "decided_at"])
    audit.record(dr, "dsar.approval.sent_back", actor=by, data={"approval": approval.pk})
    return dr


# --- the register other systems query ---------------------------------------------------------


@dataclass(frozen=True)
class Result:
    given: str
    restricted: bool | None
    since: date | None = None
    error: str = ""

    def to_dict(self) -> dict:
        if self.error:
            return {"number": self.given, "error": self.error}
        return {
            "number": self.given,
            "restricted": self.restricted,
            "since": self.since.isoformat() if self.since else None,
        }


def check(numbers: Iterable[str], *, region: str | None = None) -> list[Result]:
    """Whether processing is restricted for each number, in the order given (numbers read as
    a list writes them, like `suppression.check`). Reads only."""
    given = [str(n) if n is not None else "" for n in numbers]
    parsed = {}
    for raw in given:
        text = raw.strip()[: suppression.MAX_INPUT]
        e164 = normalise_stored(text, region=region) if text else None
        if e164:
            parsed[raw] = suppression.digest(e164)
    since: dict[str, date] = {}
    in_force = Restriction.objects.filter(
        digest__in=set(parsed.values()), placed_at__isnull=False, lifted_at__isnull=True
    )
    for r in in_force:
        since[r.digest] = min(since.get(r.digest, r.placed_on), r.placed_on)
    results = []
    for raw in given:
        digest = parsed.get(raw)
        if digest is None:
            results.append(Result(given=raw, restricted=None, error="not a phone number"))
        else:
            results.append(Result(given=raw, restricted=digest in since, since=since.get(digest)))
    return results
