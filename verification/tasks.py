"""Thin Celery wrappers around verification services, and `enqueue()`.

`enqueue()` hands work to the broker after the caller's transaction commits, best effort:
the row (a device's `send_pending` or `notice_pending`) is the truth, so with the broker
down the error is logged, the customer's request still succeeds and the sweeper
(`services.resend_pending`) hands the send over again later. dsar uses it too.
"""

from __future__ import annotations

import logging
from functools import partial

from celery import shared_task
from django.db import transaction
from kombu.exceptions import KombuError

from verification.gateways import TemporaryFailure

logger = logging.getLogger(__name__)


def enqueue(task, *args) -> None:
    """Send `task(*args)` to the broker once the current transaction commits; never fails
    the caller because the broker is unreachable (logged; the sweeper sends it again)."""
    transaction.on_commit(partial(_publish, task, args))


def _publish(task, args: tuple) -> None:
    try:
        task.apply_async(args=args)
    except (KombuError, OSError) as e:
        logger.warning("broker unreachable, %s%r left for the sweeper: %s", task.name, args, e)


def _retry_in_worker(task, error: TemporaryFailure) -> None:
    # A worker retries later (autoretry_for). Eager Celery (`make run`, the tests) has no
    # later: the send stays pending and the customer's own re-send picks it up, rather
    # than the customer's request failing with the gateway.
    if not task.request.is_eager:
        raise error
    logger.warning("message not sent, left pending: %s", error.message)


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(TemporaryFailure,),
    retry_backoff=5,
    retry_backoff_max=120,
    max_retries=5,
)
def send_code_task(self, device_id: int, language: str) -> None:
    """Send the code a customer asked for. Safe to run twice: the send is claimed first.

    Retries temporary gateway failures with back-off (the claim is given back first); the
    code expires in 10 minutes anyway, so retries stop well before that matters.
    """
    from verification import services

    try:
        services.send_pending_code(device_id=device_id, language=language)
    except TemporaryFailure as e:
        _retry_in_worker(self, e)


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(TemporaryFailure,),
    retry_backoff=5,
    retry_backoff_max=600,
    max_retries=8,
)
def send_block_notice_task(self, device_id: int, language: str) -> None:
    """Tell a number's owner that it is blocked after too many wrong codes. Safe to run
    twice: the notice is claimed first. Retries temporary gateway failures with back-off."""
    from verification import services

    try:
        services.send_block_notice(device_id=device_id, language=language)
    except TemporaryFailure as e:
        _retry_in_worker(self, e)


@shared_task
def resend_pending_task() -> int:
    """The sweeper's part for verification (run by dsar's sweeper, every DSAR_SWEEP_SECONDS):
    codes and block notices still pending after the grace period go to a worker again."""
    from verification import services

    return services.resend_pending()


@shared_task
def purge_stale_task() -> None:
    """Daily: forget numbers that asked for codes long ago. Idempotent."""
    from verification import services

    services.purge_stale()
