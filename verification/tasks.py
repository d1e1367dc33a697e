"""Thin Celery wrappers around verification services."""

from __future__ import annotations

from celery import shared_task

from verification.gateways import TemporaryFailure


@shared_task(
    acks_late=True,
    autoretry_for=(TemporaryFailure,),
    retry_backoff=5,
    retry_backoff_max=120,
    max_retries=5,
)
def send_code_task(device_id: int, language: str) -> None:
    """Send the code a customer asked for. Safe to run twice: the send is claimed first.

    Retries temporary gateway failures with back-off; the code expires in 10 minutes
    anyway, so retries stop well before that matters.
    """
    from verification import services

    services.send_pending_code(device_id=device_id, language=language)


@shared_task
def purge_stale_task() -> None:
    """Daily: forget numbers that asked for codes long ago. Idempotent."""
    from verification import services

    services.purge_stale()
