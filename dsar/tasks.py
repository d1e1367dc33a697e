"""Thin Celery wrappers around dsar services: primitive ids in, one service call.

`enqueue()` is how dsar hands work to the broker: after the caller's transaction commits,
and best effort. The database row that describes the work (a Job, a Notification, a
StaffMail) is the truth; if the broker is down the error is logged, the customer's or staff
member's request still succeeds, and the sweeper hands the work over again later.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError

from verification.gateways import TemporaryFailure
from verification.tasks import enqueue

__all__ = ["enqueue"]

logger = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    autoretry_for=(TemporaryFailure,),
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=8,
)
def send_notification_task(notification_id: int) -> None:
    """Send one queued notification to the subject. Safe to run twice: it is claimed first."""
    from dsar import services

    services.send_notification(notification_id=notification_id)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=10,
    max_retries=5,
)
def run_job_task(job_id: int) -> None:
    """Run one discovery, package or erasure job. Safe to run twice: the job row is claimed.

    A worker killed mid-job leaves the row RUNNING; the redelivered message (acks_late,
    reject_on_worker_lost) takes it over at once when the dead owner was on this host, and
    otherwise it, or the sweeper, once the lease (DSAR_JOB_STALE_SECONDS) has run out.
    """
    from dsar import jobs

    try:
        jobs.run_job(job_id=job_id)
    except jobs.LeaseHeld as e:
        # Another live process runs it: look again when its lease could have run out.
        raise run_job_task.retry(countdown=e.seconds + 1, max_retries=20) from None


@shared_task
def requeue_stale_jobs_task() -> None:
    """The sweeper, every DSAR_SWEEP_SECONDS: jobs whose worker died or that sat unclaimed,
    notices still queued, verification codes still pending, staff e-mails due (including
    the retries of failed sends)."""
    from dsar import jobs, services, staff_mail
    from verification import services as verification

    jobs.requeue_stale()
    services.resend_queued_notifications()
    verification.resend_pending()
    staff_mail.send_due()


@shared_task
def send_weekly_summary_task() -> int:
    """Monday 07:00: e-mail the managers this week's compliance figures. Safe to run twice:
    the ISO week is claimed in the audit trail first, so a second run sends nothing."""
    from dsar.weekly_summary import send_weekly_summary

    return send_weekly_summary()


@shared_task
def send_reminders_task() -> None:
    """Hourly: due-soon warnings to assignees, overdue escalations to managers, once each."""
    from dsar import reminders

    reminders.send_reminders()


@shared_task(acks_late=True)
def send_staff_mail_task() -> None:
    """Send the staff e-mails that are due (reminders, summaries). Safe to run twice: each
    mail is claimed first. Also run by beat every minute, which retries failed sends."""
    from dsar import staff_mail

    staff_mail.send_due()
