"""E-mail to staff (reminders, the weekly summary) through an outbox: written, sent, marked.

`queue()` writes a `StaffMail` row in the caller's transaction (its unique key makes a
second one for the same reminder or week a no-op); `send_due()` (beat, every minute, and
right after a queue) claims due rows one at a time with a conditional UPDATE, sends, and only
then marks them sent. A send that fails is tried again later with a doubling wait (1, 2,
4 … minutes, at most an hour) and marked FAILED after `DSAR_STAFF_MAIL_ATTEMPTS`; the
cockpit counts those. So a mail server that is down delays a reminder, never loses it; a
crash between sending and marking may send one twice, which is the better mistake.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from dsar import audit
from dsar.models import DataRequest, StaffMail

logger = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=1)


def queue(
    *,
    key: str,
    subject: str,
    body: str,
    recipients: list[str],
    data_request: DataRequest | None = None,
    scrub_body: bool = False,
) -> StaffMail | None:
    """Write one mail to send; None when a mail with this key exists already. The caller's
    transaction holds it; it is sent after commit (and by the beat, whatever happens).
    With `scrub_body` (a body that names a customer) the body is emptied once the mail is
    sent or given up."""
    try:
        with transaction.atomic():
            mail = StaffMail.objects.create(
                key=key,
                subject=subject[:200],
                body=body,
                recipients=recipients,
                data_request=data_request,
                scrub_body=scrub_body,
            )
    except IntegrityError:
        return None
    from dsar.tasks import enqueue, send_staff_mail_task

    enqueue(send_staff_mail_task)
    return mail


def send_due(*, limit: int = 100) -> dict[str, int]:
    """Send every due mail, each claimed first so that two runs never send it twice at once.
    Returns {"sent": n, "failed": n} for this run."""
    done = {"sent": 0, "failed": 0}
    now = timezone.now()
    due = StaffMail.objects.filter(
        Q(state=StaffMail.State.PENDING) & Q(next_attempt_at__lte=now)
    ).order_by("next_attempt_at", "pk")
    for pk in list(due.values_list("pk", flat=True)[:limit]):
        claimed = StaffMail.objects.filter(pk=pk, state=StaffMail.State.PENDING).update(
            state=StaffMail.State.SENDING, attempts=F("attempts") + 1
        )
        if claimed != 1:
            continue
        done["sent" if _send(StaffMail.objects.get(pk=pk)) else "failed"] += 1
    return done


def _send(mail: StaffMail) -> bool:
    try:
        send_mail(mail.subject, mail.body, settings.DEFAULT_FROM_EMAIL, mail.recipients)
    except Exception as e:  # noqa: BLE001 - any mail error: try again later
        logger.warning("staff mail %s not sent (attempt %s): %s", mail.pk, mail.attempts, e)
        last = mail.attempts >= settings.DSAR_STAFF_MAIL_ATTEMPTS
        wait = min(timedelta(minutes=2 ** (mail.attempts - 1)), MAX_BACKOFF)
        StaffMail.objects.filter(pk=mail.pk).update(
            state=StaffMail.State.FAILED if last else StaffMail.State.PENDING,
            next_attempt_at=timezone.now() + wait,
            last_error=type(e).__name__[:200],
            **_scrubbed(mail, last),
        )
        return False
    with transaction.atomic():
        StaffMail.objects.filter(pk=mail.pk).update(
            state=StaffMail.State.SENT, sent_at=timezone.now(), last_error="", **_scrubbed(mail)
        )
        audit.record(
            mail.data_request,
            "dsar.staff_mail.sent",
            data={"mail": mail.pk, "key": mail.key, "recipients": len(mail.recipients)},
        )
    return True


def _scrubbed(mail: StaffMail, done: bool = True) -> dict:
    return {"body": ""} if mail.scrub_body and done else {}
