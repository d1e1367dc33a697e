"""Thin Celery wrappers around dsar services: primitive ids in, one service call."""

from __future__ import annotations

from celery import shared_task

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
