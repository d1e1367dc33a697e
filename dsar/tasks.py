"""Thin Celery wrappers around dsar services: primitive ids in, one service call."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from verification.gateways import TemporaryFailure


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
    reject_on_worker_lost) or the sweeper takes it over once its heartbeat is stale.
    """
    from dsar import jobs

    jobs.run_job(job_id=job_id)


@shared_task
def requeue_stale_jobs_task() -> None:
    """Every minute: re-queue jobs whose worker stopped beating."""
    from dsar import jobs

    jobs.requeue_stale()


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
