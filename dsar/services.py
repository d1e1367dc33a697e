"""Filing a request, notices to the customer, downloads and the data map: the writes around a
case. Status changes live in `dsar.casework` (its one `_move()`)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.translation import gettext as _

from dsar import audit, deadlines
from dsar.models import (
    AccessPackage,
    AuditEvent,
    DataMapVersion,
    DataRequest,
    Notification,
    Subject,
)
from verification import gateways
from verification import services as verification

logger = logging.getLogger(__name__)


class NotAllowed(Exception):
    """A change the rules do not allow; `message` is translated and safe to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@transaction.atomic
def open_request(
    *,
    number: str,
    kind: str,
    channel: str = DataRequest.Channel.ALL,
    language: str = "en",
    received_at: datetime | None = None,
    idempotency_key: str = "",
) -> DataRequest:
    """File a request for the verified `number` and tell the customer on their channel.

    The due date follows the legal clock from the local date of receipt. With an
    `idempotency_key` (the form's token), filing the same form again returns the request it
    filed the first time. No inverse: a filed request stays on record.
    """
    if kind not in DataRequest.Kind.values:
        raise NotAllowed(_("Choose what you would like us to do."))
    if channel not in DataRequest.Channel.values:
        raise NotAllowed(_("Choose a channel."))
    received_at = received_at or timezone.now()
    received_on = deadlines.received_on(received_at, tz=settings.TIME_ZONE)
    subject, _created = Subject.objects.select_for_update().get_or_create(
        number=number, defaults={"language": language}
    )
    if idempotency_key:
        earlier = DataRequest.objects.filter(subject=subject, idempotency_key=idempotency_key)
        if earlier.exists():
            return earlier.get()
    if subject.language != language:
        subject.language = language
        subject.save(update_fields=["language"])
    due_on = deadlines.due_date(received_on, country=settings.DSAR_COUNTRY)
    year_ago = received_at - timedelta(days=365)
    # Repeated requests for the same right: an access request after an erasure is not a repeat.
    filed = DataRequest.objects.filter(
        subject=subject, kind=kind, received_at__gte=year_ago
    ).count()
    dr = DataRequest.objects.create(
        subject=subject,
        kind=kind,
        channel=channel,
        language=language,
        received_at=received_at,
        received_on=received_on,
        due_on=due_on,
        initial_due_on=due_on,
        # A third request within twelve months is flagged for a person to assess; it is
        # never refused or charged automatically (Art. 12(5), EDPB 01/2022 §185).
        flagged_repeat=filed >= 2,
        idempotency_key=idempotency_key,
    )
    audit.record(
        dr,
        "dsar.request.received",
        actor_kind=AuditEvent.ActorKind.SUBJECT,
        data={"kind": kind, "channel": channel, "via": dr.via, "due_on": dr.due_on},
    )
    if dr.flagged_repeat:
        audit.record(dr, "dsar.request.flagged_repeat", data={"earlier_in_12_months": filed})
    if dr.executes_itself:
        # Art. 21(3), 7(3): obeyed at once, not in a month. The job runs after commit; its
        # end tells the customer what was done (or, if it fails, the ordinary receipt).
        from dsar import jobs

        jobs.start_job(data_request=dr, kind=jobs.KIND_FOR_REQUEST[dr.kind])
    else:
        _notify(dr, Notification.Kind.RECEIVED)
    return dr


def notify(dr: DataRequest, kind: str) -> Notification:
    """Queue a notice to the subject about `dr`; it is sent after commit, once."""
    return _notify(dr, kind)


def _notify(dr: DataRequest, kind: str) -> Notification:
    from dsar.tasks import enqueue, send_notification_task

    notification = Notification.objects.create(data_request=dr, kind=kind)
    enqueue(send_notification_task, notification.pk)
    return notification


def resend_queued_notifications(*, limit: int = 100) -> int:
    """The sweeper's part for notices: hand every notification still QUEUED after the grace
    period to the broker again (sent at most once: the task claims the row first)."""
    from dsar.tasks import enqueue, send_notification_task

    grace = timezone.now() - timedelta(seconds=settings.DSAR_JOB_ENQUEUE_GRACE_SECONDS)
    waiting = list(
        Notification.objects.filter(state=Notification.State.QUEUED, created_at__lt=grace)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in waiting:
        enqueue(send_notification_task, pk)
    return len(waiting)


def send_notification(*, notification_id: int) -> bool:
    """Send one queued notification, at most once. Returns False when moot.

    Claims the row (QUEUED → SENDING) with a conditional UPDATE; a temporary gateway
    failure puts it back to QUEUED and re-raises for the task's retry; a permanent one
    marks it FAILED. The message holds the reference, dates and a link, no personal data.
    """
    claimed = Notification.objects.filter(
        pk=notification_id, state=Notification.State.QUEUED
    ).update(state=Notification.State.SENDING)
    if claimed != 1:
        return False
    n = Notification.objects.select_related("data_request__subject").get(pk=notification_id)
    dr = n.data_request
    # The decided labels (ground, reason, clock) in the customer's language, not in the
    # language of whoever's request or worker sends it.
    with translation.override(dr.language):
        context = notice_context(dr)
    try:
        delivery = verification.send_notice(
            to=dr.subject.number,
            kind=n.kind,
            language=dr.language,
            context=context,
            params={"reference": dr.reference, "link": _request_link(dr)},
        )
    except gateways.TemporaryFailure:
        Notification.objects.filter(pk=n.pk).update(state=Notification.State.QUEUED)
        raise
    except gateways.GatewayError as e:
        logger.warning("notification %s not delivered: %s", n.pk, e)
        Notification.objects.filter(pk=n.pk).update(state=Notification.State.FAILED)
        with transaction.atomic():
            audit.record(
                dr, "dsar.notification.failed", data={"notification": n.pk, "kind": n.kind}
            )
        return False
    with transaction.atomic():
        Notification.objects.filter(pk=n.pk).update(
            state=Notification.State.SENT,
            sent_at=timezone.now(),
            gateway=delivery.gateway,
            provider_id=delivery.provider_id[:64],
        )
        audit.record(
            dr,
            "dsar.notification.sent",
            data={"notification": n.pk, "kind": n.kind, "gateway": delivery.gateway},
        )
    return True


def preview_notice(dr: DataRequest, kind: str, **overrides) -> str:
    """The text a notice of `kind` would have for `dr`, in the customer's language, with some
    values as they will be once a decision is carried out (for the approver's review)."""
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override(dr.language):
        context = {**notice_context(dr), **overrides}
        return render_to_string(f"messages/{kind}.txt", context).strip()


def notice_context(dr: DataRequest) -> dict:
    return {
        "reference": dr.reference,
        "kind": dr.kind,
        "received_on": dr.received_on,
        "due_on": dr.due_on,
        "link": _request_link(dr),
        "extension_reason": dr.get_extension_reason_display(),
        "refusal_ground": dr.get_refusal_ground_display(),
        "policy": dr.get_policy_display(),
        "policy_reason": _policy_reason(dr),
        "erase_after": _erase_after(dr),
        "authority": settings.DSAR_SUPERVISORY_AUTHORITY,
        "authority_url": settings.DSAR_SUPERVISORY_AUTHORITY_URL,
        # Rendered in the customer's language when the message is (lazy): what a
        # suppression job did ("You are off 2 lists: …").
        "done": lazy(lambda: " ".join(suppression_outcome(dr)), str)(),
    }


def suppression_outcome(dr: DataRequest) -> list[str]:
    """What the finished suppression job of an objection or consent withdrawal did, in the
    active language (dsar.suppress.outcome); empty when none has finished."""
    from dsar import suppress
    from dsar.models import Job

    if not dr.executes_itself:
        return []
    job = dr.jobs.filter(kind=Job.Kind.SUPPRESS, state=Job.State.DONE).order_by("-pk").first()
    return suppress.outcome(job.summary if job else None)


def _policy_reason(dr: DataRequest) -> str:
    from dsar.models import Approval

    approval = (
        dr.approvals.filter(about=Approval.Subject.POLICY, state=Approval.State.APPROVED)
        .order_by("-decided_at")
        .first()
    )
    reason = approval.payload.get("reason") if approval else None
    return DataRequest.PolicyReason(reason).label if reason else ""


def _erase_after(dr: DataRequest):
    from dsar.models import Job

    job = dr.jobs.filter(kind=Job.Kind.ERASE).order_by("-pk").first()
    return timezone.localtime(job.run_after) if job and job.run_after else None


def _request_link(dr: DataRequest) -> str:
    from django.urls import reverse

    return settings.SITE_URL + reverse("dsar:request-detail", args=[dr.reference])


def downloadable_package(*, data_request: DataRequest) -> AccessPackage | None:
    """The newest released package of the request that has not expired, or None.

    Only a package an approver released (four-eyes) reaches the customer.
    """
    return (
        data_request.packages.filter(expires_at__gt=timezone.now(), released_at__isnull=False)
        .order_by("-created_at")
        .first()
    )


def open_package_for_subject(*, package: AccessPackage):
    """Open the package file for the verified subject and record the download.

    The caller has checked the subject and a fresh verification. Raises
    FileNotFoundError when the file is gone (treated as a server error: it should not be).
    """
    path = settings.PRIVATE_MEDIA_ROOT / package.path
    handle = path.open("rb")
    with transaction.atomic():
        AccessPackage.objects.filter(pk=package.pk).update(downloads=F("downloads") + 1)
        audit.record(
            package.data_request,
            "dsar.package.downloaded",
            actor_kind=AuditEvent.ActorKind.SUBJECT,
            data={"package": package.pk, "sha256": package.sha256},
        )
    return handle


def open_package_file_for_staff(*, package: AccessPackage, name: str, by) -> bytes | None:
    """One file of a package (the register extract) for a member of staff who reviews it;
    None when the package has no such file. Audited: staff opening personal data is on
    the case's trail."""
    from dsar import review

    data = review.read_package_file(package, name)
    if data is not None:
        with transaction.atomic():
            audit.record(
                package.data_request,
                "dsar.package.file_viewed",
                actor=by,
                data={"package": package.pk, "file": name},
            )
    return data


@transaction.atomic
def store_datamap(*, datamap) -> tuple[DataMapVersion, bool]:
    """Make a validated data map the one jobs use. Returns (version, created).

    The caller has validated it (load_datamap). Loading the same file again adds nothing.
    """
    current = DataMapVersion.objects.first()
    if current and current.sha256 == datamap.sha256:
        return current, False
    version = DataMapVersion.objects.create(
        sha256=datamap.sha256, origin=str(datamap.origin)[:255], content=datamap.to_dict()
    )
    audit.record(
        None, "dsar.datamap.loaded", data={"version": version.pk, "sha256": datamap.sha256}
    )
    return version, True


def cancellable_erasure(*, data_request: DataRequest):
    """The approved erasure job still in its cooling-off period (the customer may cancel
    it), or None."""
    from dsar.models import Job

    if data_request.status != DataRequest.Status.ERASING:
        return None
    return data_request.jobs.filter(
        kind=Job.Kind.ERASE, state=Job.State.QUEUED, run_after__gt=timezone.now()
    ).first()


def finished_erasure(*, data_request: DataRequest):
    """The finished erasure job of a completed erasure request, or None."""
    from dsar.models import Job

    if (
        data_request.kind != DataRequest.Kind.ERASURE
        or data_request.status != DataRequest.Status.COMPLETED
    ):
        return None
    return (
        data_request.jobs.filter(kind=Job.Kind.ERASE, state=Job.State.DONE).order_by("-pk").first()
    )
