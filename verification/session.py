"""The customer's session: the pending challenge and the verified-subject marker.

The marker is signed and carries its own start and verification times, so a session
copied or edited server-side cannot extend itself. Idle (15 min) and absolute (1 h)
timeouts are enforced on every read.
"""

from __future__ import annotations

import secrets
import time

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core import signing

PENDING = "verification.pending"
MARKER = "verification.subject"
SEEN = "verification.seen"
SALT = "verification.subject"


def begin_challenge(session: SessionBase, *, number: str) -> str:
    """Remember which number this session asked a code for; return the session's binding.

    The same number keeps its binding, so asking again within the cooldown still lets
    the code already sent work here.
    """
    pending = session.get(PENDING) or {}
    if pending.get("number") == number and pending.get("binding"):
        return pending["binding"]
    binding = secrets.token_urlsafe(24)
    session[PENDING] = {"number": number, "binding": binding}
    return binding


def set_challenge_device(session: SessionBase, *, device_id: int, resend_at: float) -> None:
    pending = dict(session.get(PENDING) or {})
    pending.update(device_id=device_id, resend_at=resend_at)
    session[PENDING] = pending


def pending_challenge(session: SessionBase) -> dict | None:
    pending = session.get(PENDING)
    if not pending or "device_id" not in pending:
        return None
    return pending


def open_subject_session(session: SessionBase, *, number: str) -> None:
    """Turn this session into a verified-subject session for `number`.

    SECURITY: the session key rotates (no fixation); the pending challenge is dropped.
    A re-verification of the same number keeps the original start time, so the absolute
    timeout cannot be stretched by re-verifying.
    """
    now = time.time()
    current = read_marker(session)
    started = current["started"] if current and current["number"] == number else now
    session.cycle_key()
    session.pop(PENDING, None)
    session[MARKER] = signing.dumps(
        {"number": number, "started": started, "verified": now}, salt=SALT
    )
    session[SEEN] = now


def read_marker(session: SessionBase) -> dict | None:
    """The verified marker if it is intact and within both timeouts, else None."""
    raw = session.get(MARKER)
    if not raw:
        return None
    try:
        marker = signing.loads(raw, salt=SALT, max_age=settings.VERIFICATION_SESSION_ABSOLUTE)
    except signing.BadSignature:
        return None
    now = time.time()
    if now - marker["started"] > settings.VERIFICATION_SESSION_ABSOLUTE:
        return None
    if now - session.get(SEEN, 0) > settings.VERIFICATION_SESSION_IDLE:
        return None
    return marker


def touch(session: SessionBase) -> None:
    session[SEEN] = time.time()


def is_fresh(marker: dict) -> bool:
    """True when the last code was verified within `VERIFICATION_FRESH` seconds."""
    return time.time() - marker["verified"] <= settings.VERIFICATION_FRESH


def close_subject_session(session: SessionBase) -> None:
    session.flush()
