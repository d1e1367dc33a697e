"""The OTP device for messaging numbers and the rate-limit buckets in front of it."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_otp.models import CooldownMixin, SideChannelDevice, ThrottlingMixin

CODE_DIGITS = 6


def _digest(*parts: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()


class PhoneDevice(ThrottlingMixin, CooldownMixin, SideChannelDevice):
    """A django-otp side-channel device for one E.164 messaging number.

    Customers have no accounts, so `user` is nullable; one device exists per number that
    ever asked for a code, whether or not we hold data about it. The code:

    - has 6 digits from `secrets`, is valid `VERIFICATION_CODE_VALIDITY` seconds (10 min)
      and is stored only as a keyed hash (`token`), bound to the number and the session
      binding that asked for it (`binding` holds the binding's hash);
    - is single use: a correct code is cleared;
    - dies after `VERIFICATION_MAX_FAILURES` (5) wrong tries; each failure doubles the wait
      before the next try (ThrottlingMixin, 1 s, 2 s, 4 s…);
    - can be re-sent only after the cooldown (CooldownMixin); a re-send does not reset the
      failure count, which is only cleared by a correct code or after
      `VERIFICATION_LOCKOUT` seconds without failures;
    - has a cap on top that nothing resets: `VERIFICATION_FAILURE_CAP` (20) wrong codes
      within 24 hours, counted in `VerificationLog`, block the number (`blocked_until`):
      no codes are sent or accepted for a day and the owner is told on the channel
      (`notice_pending` until that is sent)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE
    )
    number = models.CharField(max_length=16, unique=True)
    # A keyed SHA-256 of the code, never the code itself.
    # None means "no live code", as in django-otp.
    token = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    binding = models.CharField(max_length=64, blank=True, default="")
    # Set when a send is requested; the sending task claims it so a code goes out once.
    send_pending = models.BooleanField(default=False)
    # Set when the failure cap is reached: no codes are sent or accepted until then.
    blocked_until = models.DateTimeField(null=True, blank=True)
    # Set when the owner is to be told of a block; the notice task claims it.
    notice_pending = models.BooleanField(default=False)

    class Meta:
        verbose_name = "phone device"

    def __str__(self) -> str:
        return f"PhoneDevice #{self.pk}"

    # --- django-otp hooks -------------------------------------------------------------
    def get_throttle_factor(self) -> int:
        return settings.VERIFICATION_THROTTLE_FACTOR

    def get_cooldown_duration(self) -> int:
        return settings.VERIFICATION_RESEND_COOLDOWN

    # --- code handling ----------------------------------------------------------------
    def _hash(self, code: str) -> str:
        return _digest("code", str(self.pk), self.number, self.binding, code)

    def bind(self, binding: str, *, commit: bool = True) -> None:
        """Bind the next code to the session holding `binding`; starts the resend cooldown."""
        self.binding = _digest("binding", binding)
        self.send_pending = True
        self.cooldown_set(commit=False)
        if commit:
            self.save(update_fields=["binding", "send_pending", "last_generated_timestamp"])

    def issue_code(self) -> str:
        """Create a fresh code, store its hash and return the plain code for delivery.

        The caller sends it and forgets it. Re-issuing does not reset the failure count
        unless the last failure is older than the lockout period.
        """
        now = timezone.now()
        lockout = timedelta(seconds=settings.VERIFICATION_LOCKOUT)
        if self.throttling_failure_timestamp and now - self.throttling_failure_timestamp > lockout:
            self.throttle_reset(commit=False)
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        self.token = self._hash(code)
        self.valid_until = now + timedelta(seconds=settings.VERIFICATION_CODE_VALIDITY)
        self.save()
        return code

    def generate_challenge(self) -> str:
        """django-otp API: issue a code and send it through the configured gateway.

        The portal itself sends from a Celery task (`verification.tasks`); this exists so
        that django-otp's generic device tests and admin work.
        """
        allowed, _ = self.generate_is_allowed()
        if not allowed:
            return "cooldown"
        self.cooldown_set(commit=False)
        from verification.services import deliver_code

        deliver_code(device=self)
        return "sent"

    @property
    def is_locked(self) -> bool:
        return self.throttling_failure_count >= settings.VERIFICATION_MAX_FAILURES

    def is_blocked(self, now: datetime | None = None) -> bool:
        """True while the failure cap blocks this number (see `block`)."""
        return self.blocked_until is not None and (now or timezone.now()) < self.blocked_until

    def block(self, *, until: datetime) -> None:
        """Stop codes to this number until `until`; the live code dies, no pending send
        goes out and the owner's notice is queued (`notice_pending`). Saves."""
        self.blocked_until = until
        self.token = None
        self.send_pending = False
        self.notice_pending = True
        self.save(update_fields=["blocked_until", "token", "send_pending", "notice_pending"])

    def verify_token(self, token: str) -> bool:
        """Check a code; throttled, single use, dead after too many failures.

        The caller must have locked the row (`select_for_update`) so that two concurrent
        tries cannot both succeed.
        """
        allowed, _ = self.verify_is_allowed()
        if not allowed or self.is_locked:
            return False
        now = timezone.now()
        candidate = str(token or "").strip()
        ok = (
            self.token is not None
            and now < self.valid_until
            and len(candidate) == CODE_DIGITS
            and candidate.isascii()
            and candidate.isdigit()
            and hmac.compare_digest(self.token, self._hash(candidate))
        )
        if ok:
            self.token = None
            self.valid_until = now
            self.throttle_reset(commit=False)
            self.cooldown_reset(commit=False)
            self.save()
            return True
        self.throttle_increment(commit=False)
        if self.is_locked:
            # The code dies; a new one is needed (and the failure count stays).
            self.token = None
        self.save()
        return False

    def binding_matches(self, binding: str) -> bool:
        return bool(self.binding) and hmac.compare_digest(self.binding, _digest("binding", binding))


class RateLimit(models.Model):
    """A token bucket per key (healthchecks' TokenBucket).

    Keys are hashed: a bucket for a number or an IP never stores the number or the IP.
    """

    key = models.CharField(max_length=80, unique=True)
    tokens = models.FloatField(default=1.0)
    updated = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"RateLimit {self.key[:12]}"

    @staticmethod
    def authorize(scope: str, value: str, *, capacity: int, per_seconds: int) -> bool:
        """Spend one token from the (scope, value) bucket; False when it is empty.

        Capacity `capacity` tokens refill evenly over `per_seconds`. Locks the row, so it
        is correct under concurrency; must run inside a transaction.
        """
        key = f"{scope}:{_digest('ratelimit', scope, value)[:64]}"
        now = timezone.now()
        bucket, _ = RateLimit.objects.select_for_update().get_or_create(
            key=key, defaults={"tokens": 1.0, "updated": now}
        )
        refill = max(0.0, (now - bucket.updated).total_seconds()) / per_seconds
        bucket.tokens = min(1.0, bucket.tokens + refill)
        if bucket.tokens < 1.0 / capacity - 1e-9:
            bucket.updated = now
            bucket.save(update_fields=["tokens", "updated"])
            return False
        bucket.tokens -= 1.0 / capacity
        bucket.updated = now
        bucket.save(update_fields=["tokens", "updated"])
        return True


class VerificationLog(models.Model):
    """One line per verification step, for the drop-off figures. No number, no IP."""

    class Event(models.TextChoices):
        REQUESTED = "requested", "Code requested"
        SENT = "sent", "Code sent"
        SEND_FAILED = "send_failed", "Sending failed"
        RATE_LIMITED = "rate_limited", "Rate limited"
        VERIFIED = "verified", "Verified"
        REJECTED = "rejected", "Wrong or expired code"
        LOCKED = "locked", "Locked after failures"
        BLOCKED = "blocked", "Number blocked for a day"

    event = models.CharField(max_length=16, choices=Event)
    device = models.ForeignKey(PhoneDevice, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["event", "created_at"])]

    def __str__(self) -> str:
        return f"{self.event} at {self.created_at:%Y-%m-%d %H:%M}"
