"""Verification services: ask for a code, send it, check it; send notices.

These know nothing of data requests. Known and unknown numbers take exactly the same
path: nothing here looks up whether we hold data on a number.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from verification import gateways
from verification.models import PhoneDevice, RateLimit, VerificationLog

logger = logging.getLogger(__name__)


class VerificationError(Exception):
    """A step was refused; `message` is translated and safe to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RateLimited(VerificationError):
    pass


class CodeRejected(VerificationError):
    pass


@dataclass(frozen=True)
class Challenge:
    """What the customer's session needs to know after asking for a code."""

    device_id: int
    resend_at: datetime


def _spend(scope: str, value: str, limit: tuple[int, int]) -> bool:
    capacity, per_seconds = limit
    return RateLimit.authorize(scope, value, capacity=capacity, per_seconds=per_seconds)


def start_verification(*, number: str, binding: str, ip: str, session_key: str) -> Challenge:
    """Ask for a code to `number` (E.164), bound to the session holding `binding`.

    Rate limits per IP, per session and per number are spent before anything is sent;
    raises `RateLimited` when one is exhausted (after committing the spent tokens). Within
    the resend cooldown no new code is sent but the answer is the same. The code itself
    is created and sent by `send_code_task` after commit.
    """
    with transaction.atomic():
        challenge = _start(number=number, binding=binding, ip=ip, session_key=session_key)
    if challenge is None:
        raise RateLimited(_("Too many codes were requested. Please try again in an hour."))
    return challenge


def _start(*, number: str, binding: str, ip: str, session_key: str) -> Challenge | None:
    limits = [
        ("send-ip", ip, settings.VERIFICATION_RATE_IP),
        ("send-session", session_key, settings.VERIFICATION_RATE_SESSION),
        ("send-number", number, settings.VERIFICATION_RATE_NUMBER),
    ]
    # SECURITY: every bucket is checked before any message is sent.
    if not all([_spend(scope, value, limit) for scope, value, limit in limits]):
        VerificationLog.objects.create(event=VerificationLog.Event.RATE_LIMITED)
        return None
    device, _created = PhoneDevice.objects.select_for_update().get_or_create(
        number=number, defaults={"name": "messaging number"}
    )
    allowed, info = device.generate_is_allowed()
    if not allowed:
        return Challenge(device_id=device.pk, resend_at=info["next_generation_at"])
    device.bind(binding)
    VerificationLog.objects.create(event=VerificationLog.Event.REQUESTED, device=device)
    from verification.tasks import send_code_task

    send_code_task.delay_on_commit(device.pk, translation.get_language() or "en")
    return Challenge(device_id=device.pk, resend_at=timezone.now() + _cooldown())


def _cooldown() -> timedelta:
    return timedelta(seconds=settings.VERIFICATION_RESEND_COOLDOWN)


def deliver_code(*, device: PhoneDevice, language: str = "en") -> gateways.Delivery:
    """Issue a fresh code for `device` and hand it to the gateway. Raises `GatewayError`."""
    code = device.issue_code()
    minutes = settings.VERIFICATION_CODE_VALIDITY // 60
    return _send(
        to=device.number,
        kind="verification-code",
        language=language,
        context={"code": code, "minutes": minutes},
        params={"code": code},
    )


def send_pending_code(*, device_id: int, language: str) -> bool:
    """Send the code a customer asked for, once. Returns False when there was nothing to send.

    Claims the pending send with a conditional UPDATE, so two runs of the task send one
    code. On a temporary gateway failure the claim is released and the error re-raised
    for the task to retry; on a permanent one it is logged and dropped.
    """
    claimed = PhoneDevice.objects.filter(pk=device_id, send_pending=True).update(send_pending=False)
    if claimed != 1:
        return False
    with transaction.atomic():
        device = PhoneDevice.objects.select_for_update().get(pk=device_id)
        try:
            deliver_code(device=device, language=language)
        except gateways.TemporaryFailure:
            PhoneDevice.objects.filter(pk=device_id).update(send_pending=True)
            raise
        except gateways.GatewayError as e:
            logger.warning("verification code not delivered (device %s): %s", device_id, e)
            VerificationLog.objects.create(event=VerificationLog.Event.SEND_FAILED, device=device)
            return False
        VerificationLog.objects.create(event=VerificationLog.Event.SENT, device=device)
    return True


def confirm_code(*, device_id: int, binding: str, code: str, ip: str) -> str:
    """Check `code` for the device this session asked about. Returns the verified E.164 number.

    Raises `CodeRejected` (wrong, expired, replayed, from another session, throttled or
    locked) or `RateLimited`, after committing the failure count: a rejection must not
    roll back its own throttling. The device row is locked, so concurrent tries are
    serialised and a code can succeed only once.
    """
    with transaction.atomic():
        number, error = _confirm(device_id=device_id, binding=binding, code=code, ip=ip)
    if error is not None:
        raise error
    return number


def _confirm(
    *, device_id: int, binding: str, code: str, ip: str
) -> tuple[str, VerificationError | None]:
    wrong = _("That code is not right or has expired. Ask for a new code.")
    locked = _("Too many wrong codes. Ask for a new code.")
    if not _spend("verify-ip", ip, settings.VERIFICATION_RATE_VERIFY_IP):
        return "", RateLimited(_("Too many attempts from your connection. Please try again later."))
    device = PhoneDevice.objects.select_for_update().filter(pk=device_id).first()
    if device is None:
        return "", CodeRejected(wrong)
    allowed, info = device.verify_is_allowed()
    if device.is_locked:
        VerificationLog.objects.create(event=VerificationLog.Event.LOCKED, device=device)
        return "", CodeRejected(locked)
    if not allowed:
        wait = max(1, int((info["locked_until"] - timezone.now()).total_seconds() + 0.999))
        return "", CodeRejected(
            _("Please wait %(seconds)s seconds before you try again.") % {"seconds": wait}
        )
    # SECURITY: a code only works in the session that asked for it.
    if not device.binding_matches(binding):
        device.throttle_increment()
        ok = False
    else:
        ok = device.verify_token(code)
    if not ok:
        VerificationLog.objects.create(event=VerificationLog.Event.REJECTED, device=device)
        return "", CodeRejected(locked if device.is_locked else wrong)
    VerificationLog.objects.create(event=VerificationLog.Event.VERIFIED, device=device)
    return device.number, None


def send_notice(
    *, to: str, kind: str, language: str, context: dict, params: dict | None = None
) -> gateways.Delivery:
    """Send a notice (`templates/messages/<kind>.txt`) to a number, now, in `language`.

    For callers' Celery tasks; raises `GatewayError` (retry `TemporaryFailure`).
    Notices carry no personal data beyond a reference and a link.
    """
    return _send(to=to, kind=kind, language=language, context=context, params=params or {})


def _send(*, to: str, kind: str, language: str, context: dict, params: dict) -> gateways.Delivery:
    with translation.override(language):
        text = render_to_string(f"messages/{kind}.txt", context).strip()
    message = gateways.OutgoingMessage(
        to=to,
        kind=kind,
        language=language,
        text=text,
        params={k: str(v) for k, v in params.items()},
    )
    return gateways.get_gateway().send(message)


def purge_stale(*, older_than_days: int | None = None) -> dict[str, int]:
    """Delete what verification keeps about numbers once it is no longer needed.

    A device holds the number of whoever asked for a code, customer or not: it goes once
    no code was asked or tried for `VERIFICATION_RETENTION_DAYS`. Rate-limit buckets go
    after a day (they are full again by then). The drop-off log holds no number and stays.
    """
    days = older_than_days if older_than_days is not None else settings.VERIFICATION_RETENTION_DAYS
    cutoff = timezone.now() - timedelta(days=days)
    devices = (
        PhoneDevice.objects.filter(valid_until__lt=cutoff)
        .exclude(last_generated_timestamp__gte=cutoff)
        .exclude(throttling_failure_timestamp__gte=cutoff)
    )
    deleted_devices, _ = devices.delete()
    deleted_buckets, _ = RateLimit.objects.filter(
        updated__lt=timezone.now() - timedelta(days=1)
    ).delete()
    return {"devices": deleted_devices, "rate_limits": deleted_buckets}
