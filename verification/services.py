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
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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


class Blocked(RateLimited):
    """The number reached the failure cap: no codes are sent to it or accepted for a day."""


@dataclass(frozen=True)
class Challenge:
    """What the customer's session needs to know after asking for a code."""

    device_id: int
    resend_at: datetime
    # False within the resend cooldown: no new code went out for this request.
    sent: bool = True
    # Within the cooldown: whether the code sent earlier was asked for by this session
    # (and so works here). Says nothing about whether the number is known.
    earlier_works_here: bool = False


def _spend(scope: str, value: str, limit: tuple[int, int]) -> bool:
    capacity, per_seconds = limit
    return RateLimit.authorize(scope, value, capacity=capacity, per_seconds=per_seconds)


def take_token(scope: str, value: str, *, capacity: int, per_seconds: int) -> bool:
    """Spend one token of the (scope, value) bucket for another app's rate limit (the
    suppression-list endpoint); False when it is empty. Only a hash of `value` is stored.
    Commits on its own, so a refused request still counts."""
    with transaction.atomic():
        return _spend(scope, value, (capacity, per_seconds))


def _spend_all(limits: list[tuple[str, str, tuple[int, int]]]) -> bool:
    """Spend one token from each bucket in order; stop at the first that refuses.

    SECURITY: a refused request must not drain the buckets after the one that refused it,
    or one client's flood would use up the limits of a number or session it shares.
    """
    return all(_spend(scope, value, limit) for scope, value, limit in limits)


def _blocked_message(until: datetime) -> str:
    when = formats.date_format(timezone.localtime(until), "j F H:i")
    return _(
        "Too many wrong codes were entered for this number. For your safety, we send no "
        "codes to it until %(when)s."
    ) % {"when": when}


def start_verification(*, number: str, binding: str, ip: str, session_key: str) -> Challenge:
    """Ask for a code to `number` (E.164), bound to the session holding `binding`.

    Rate limits per IP, per session and per number are spent before anything is sent, in
    that order and only until one refuses; raises `RateLimited` when one is exhausted
    (after committing the spent tokens), or `Blocked` while the number is blocked after
    too many wrong codes. Within the resend cooldown no new code is sent (`sent` False,
    with whether the earlier code was this session's); known and unknown numbers get the
    same answer either way. The code itself is created and sent by `send_code_task` after commit.
    """
    with transaction.atomic():
        outcome = _start(number=number, binding=binding, ip=ip, session_key=session_key)
    if isinstance(outcome, VerificationError):
        raise outcome
    return outcome


def _start(
    *, number: str, binding: str, ip: str, session_key: str
) -> Challenge | VerificationError:
    limits = [
        ("send-ip", ip, settings.VERIFICATION_RATE_IP),
        ("send-session", session_key, settings.VERIFICATION_RATE_SESSION),
        ("send-number", number, settings.VERIFICATION_RATE_NUMBER),
    ]
    # SECURITY: every bucket is checked before any message is sent.
    if not _spend_all(limits):
        VerificationLog.objects.create(event=VerificationLog.Event.RATE_LIMITED)
        return RateLimited(_("Too many codes were requested. Please try again in an hour."))
    # The same two statements for a new and a known device: INSERT … ON CONFLICT DO
    # NOTHING, then the row, locked (the send is claimed and sent after commit).
    PhoneDevice.objects.bulk_create(
        [PhoneDevice(number=number, name="messaging number")], ignore_conflicts=True
    )
    device = PhoneDevice.objects.select_for_update().get(number=number)
    # SECURITY: a blocked number gets no codes, whoever asks.
    if device.is_blocked():
        VerificationLog.objects.create(event=VerificationLog.Event.RATE_LIMITED, device=device)
        return Blocked(_blocked_message(device.blocked_until))
    allowed, info = device.generate_is_allowed()
    if not allowed:
        return Challenge(
            device_id=device.pk,
            resend_at=info["next_generation_at"],
            sent=False,
            earlier_works_here=device.binding_matches(binding),
        )
    device.bind(binding, language=translation.get_language() or "en")
    VerificationLog.objects.create(event=VerificationLog.Event.REQUESTED, device=device)
    from verification.tasks import enqueue, send_code_task

    enqueue(send_code_task, device.pk, device.language)
    return Challenge(device_id=device.pk, resend_at=timezone.now() + _cooldown())


def _cooldown() -> timedelta:
    return timedelta(seconds=settings.VERIFICATION_RESEND_COOLDOWN)


def deliver_code(*, device: PhoneDevice, language: str = "en") -> gateways.Delivery:
    """Issue a fresh code for `device` and hand it to the gateway. Raises `GatewayError`.

    For django-otp's `generate_challenge`; the portal sends through `send_pending_code`,
    which never holds a lock while the gateway works.
    """
    return _send_code(device=device, code=device.issue_code(), language=language)


def _send_code(*, device: PhoneDevice, code: str, language: str) -> gateways.Delivery:
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

    Claims the pending send with a conditional UPDATE, so two runs of the task (or the
    sweeper's second hand-over) send one code. A send asked for longer ago than a code
    lives (`VERIFICATION_CODE_VALIDITY`: the broker was away that long) is dropped, not
    sent: the customer has moved on or asks again. The code is issued in a short
    transaction of its own; the gateway (up to three HTTP attempts of `MESSAGING_TIMEOUT`
    seconds) runs after it, holding no lock. On a temporary gateway failure the claim is
    given back, committed, and the error re-raised for the task to retry (the retry issues
    a fresh code); on a permanent one it is logged and dropped.
    """
    claimed = PhoneDevice.objects.filter(pk=device_id, send_pending=True).update(send_pending=False)
    if claimed != 1:
        return False
    with transaction.atomic():
        device = PhoneDevice.objects.select_for_update().get(pk=device_id)
        if device.is_blocked():
            return False
        if _send_expired(device):
            logger.warning("verification code not sent, asked too long ago (device %s)", device_id)
            VerificationLog.objects.create(event=VerificationLog.Event.SEND_FAILED, device=device)
            return False
        code = device.issue_code()
    try:
        _send_code(device=device, code=code, language=language)
    except gateways.TemporaryFailure:
        # Outside any transaction of ours, so the release survives the re-raise. The
        # task's retry is the next hand-over: the sweeper waits its grace period again.
        PhoneDevice.objects.filter(pk=device_id).update(send_pending=True, queued_at=timezone.now())
        raise
    except gateways.GatewayError as e:
        logger.warning("verification code not delivered (device %s): %s", device_id, e)
        VerificationLog.objects.create(event=VerificationLog.Event.SEND_FAILED, device=device)
        return False
    VerificationLog.objects.create(event=VerificationLog.Event.SENT, device=device)
    return True


def _send_expired(device: PhoneDevice) -> bool:
    # The request is dated by the resend cooldown that `bind` started.
    asked = device.last_generated_timestamp
    validity = timedelta(seconds=settings.VERIFICATION_CODE_VALIDITY)
    return asked is not None and timezone.now() - asked > validity


def resend_pending(*, limit: int = 200) -> int:
    """The sweeper's part for verification: hand every code send and block notice still
    pending `VERIFICATION_SEND_GRACE_SECONDS` after its last hand-over to the broker again
    (sent at most once: the task claims the device first). A code send asked for longer
    ago than a code lives is dropped instead (logged as a failed send). Returns how many
    were handed over."""
    from verification.tasks import enqueue, send_block_notice_task, send_code_task

    now = timezone.now()
    grace = now - timedelta(seconds=settings.VERIFICATION_SEND_GRACE_SECONDS)
    expired = now - timedelta(seconds=settings.VERIFICATION_CODE_VALIDITY)
    outbox = PhoneDevice.objects.filter(
        Q(send_pending=True) | Q(notice_pending=True),
        Q(queued_at__lt=grace) | Q(queued_at__isnull=True),
    )
    with transaction.atomic():
        stale = list(
            outbox.filter(send_pending=True, last_generated_timestamp__lt=expired).values_list(
                "pk", flat=True
            )
        )
        if stale:
            PhoneDevice.objects.filter(pk__in=stale, send_pending=True).update(send_pending=False)
            VerificationLog.objects.bulk_create(
                VerificationLog(event=VerificationLog.Event.SEND_FAILED, device_id=pk)
                for pk in stale
            )
        due = list(
            outbox.select_for_update(skip_locked=True)
            .order_by("queued_at")
            .values_list("pk", "language", "send_pending", "notice_pending")[:limit]
        )
        PhoneDevice.objects.filter(pk__in=[row[0] for row in due]).update(queued_at=now)
        for pk, language, code, notice in due:
            if code:
                enqueue(send_code_task, pk, language)
            if notice:
                enqueue(send_block_notice_task, pk, language)
    return len(due)


def send_block_notice(*, device_id: int, language: str) -> bool:
    """Tell the owner of a blocked number that codes are stopped, once. False when moot.

    Claimed like `send_pending_code`; a temporary gateway failure gives the claim back
    and is re-raised for the task to retry, a permanent one is logged and dropped. The
    notice holds no code and no personal data.
    """
    claimed = PhoneDevice.objects.filter(pk=device_id, notice_pending=True).update(
        notice_pending=False
    )
    if claimed != 1:
        return False
    device = PhoneDevice.objects.get(pk=device_id)
    if not device.is_blocked():
        return False
    with translation.override(language):
        when = formats.date_format(timezone.localtime(device.blocked_until), "DATETIME_FORMAT")
    try:
        _send(
            to=device.number,
            kind="verification-blocked",
            language=language,
            context={"until": when, "link": settings.SITE_URL + "/"},
            # WhatsApp's notice template takes a reference and a link; there is no case.
            params={"reference": "-", "link": settings.SITE_URL + "/"},
        )
    except gateways.TemporaryFailure:
        PhoneDevice.objects.filter(pk=device_id).update(
            notice_pending=True, queued_at=timezone.now()
        )
        raise
    except gateways.GatewayError as e:
        logger.warning("block notice not delivered (device %s): %s", device_id, e)
        return False
    return True


def confirm_code(*, device_id: int, binding: str, code: str, ip: str, session_key: str) -> str:
    """Check `code` for the device this session asked about. Returns the verified E.164 number.

    Every try spends the address's and the session's bucket. Only a try from the session
    the code was sent to (`binding`) can count against the number: there a wrong code
    throttles the device and spends the number's daily failure cap, whose exhaustion
    blocks the number for a day and tells its owner. A try from any other session counts
    against that session and address only, so nobody can lock someone else out.

    Raises `CodeRejected` (wrong, expired, replayed, from another session, throttled,
    locked or blocked) or `RateLimited`, after committing the failure count: a rejection
    must not roll back its own throttling. The device row is locked, so concurrent tries
    are serialised and a code can succeed only once.
    """
    with transaction.atomic():
        number, error = _confirm(
            device_id=device_id, binding=binding, code=code, ip=ip, session_key=session_key
        )
    if error is not None:
        raise error
    return number


def _confirm(
    *, device_id: int, binding: str, code: str, ip: str, session_key: str
) -> tuple[str, VerificationError | None]:
    wrong = _("That code is not right or has expired. Ask for a new code.")
    locked = _("Too many wrong codes. Ask for a new code.")
    limits = [
        ("verify-ip", ip, settings.VERIFICATION_RATE_VERIFY_IP),
        ("verify-session", session_key, settings.VERIFICATION_RATE_VERIFY_SESSION),
    ]
    if not _spend_all(limits):
        return "", RateLimited(_("Too many attempts from your connection. Please try again later."))
    device = PhoneDevice.objects.select_for_update().filter(pk=device_id).first()
    if device is None:
        return "", CodeRejected(wrong)
    # SECURITY: a code only works in the session that asked for it, and a try from any
    # other session leaves the device (and so its owner) alone.
    if not device.binding_matches(binding):
        VerificationLog.objects.create(event=VerificationLog.Event.REJECTED)
        return "", CodeRejected(wrong)
    if device.is_blocked():
        VerificationLog.objects.create(event=VerificationLog.Event.LOCKED, device=device)
        return "", CodeRejected(_blocked_message(device.blocked_until))
    allowed, info = device.verify_is_allowed()
    if device.is_locked:
        VerificationLog.objects.create(event=VerificationLog.Event.LOCKED, device=device)
        return "", CodeRejected(locked)
    if not allowed:
        wait = max(1, int((info["locked_until"] - timezone.now()).total_seconds() + 0.999))
        return "", CodeRejected(
            ngettext(
                "Please wait %(seconds)s second before you try again.",
                "Please wait %(seconds)s seconds before you try again.",
                wait,
            )
            % {"seconds": wait}
        )
    if not device.verify_token(code):
        VerificationLog.objects.create(event=VerificationLog.Event.REJECTED, device=device)
        if _failure_cap_reached(device):
            _block(device)
            return "", CodeRejected(_blocked_message(device.blocked_until))
        return "", CodeRejected(locked if device.is_locked else wrong)
    VerificationLog.objects.create(event=VerificationLog.Event.VERIFIED, device=device)
    return device.number, None


def _failure_cap_reached(device: PhoneDevice) -> bool:
    # Every wrong code for this number in the window, whichever code or session it was
    # for: neither a new code nor a right one resets it. Tries from other sessions are
    # logged without the device, so they never count here.
    cap, per_seconds = settings.VERIFICATION_FAILURE_CAP
    since = timezone.now() - timedelta(seconds=per_seconds)
    failures = VerificationLog.objects.filter(
        device=device, event=VerificationLog.Event.REJECTED, created_at__gt=since
    ).count()
    return failures >= cap


def _block(device: PhoneDevice) -> None:
    _capacity, per_seconds = settings.VERIFICATION_FAILURE_CAP
    device.block(
        until=timezone.now() + timedelta(seconds=per_seconds),
        language=translation.get_language() or "en",
    )
    VerificationLog.objects.create(event=VerificationLog.Event.BLOCKED, device=device)
    from verification.tasks import enqueue, send_block_notice_task

    enqueue(send_block_notice_task, device.pk, device.language)


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
