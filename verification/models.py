"""The OTP device for messaging numbers and the rate-limit buckets in front of it."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, models
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
    # The pending message's language, and when it was last handed to the broker: the
    # sweeper hands a code or notice still pending after VERIFICATION_SEND_GRACE_SECONDS
    # to a worker again (the broker is a doorbell; these rows are the outbox).
    language = models.CharField(max_length=8, default="en")
    queued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "phone device"
        indexes = [
            models.Index(
                fields=["queued_at"],
                condition=models.Q(send_pending=True) | models.Q(notice_pending=True),
                name="verification_device_outbox",
            )
        ]

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

    def bind(self, binding: str, *, language: str = "en", commit: bool = True) -> None:
        """Bind the next code to the session holding `binding` and mark it to be sent (in
        `language`); starts the resend cooldown, which also dates the request."""
        self.binding = _digest("binding", binding)
        self.send_pending = True
        self.language = language
        self.cooldown_set(commit=False)
        self.queued_at = self.last_generated_timestamp
        if commit:
            self.save(update_fields=self.BIND_FIELDS)

    BIND_FIELDS = ["binding", "send_pending", "language", "last_generated_timestamp", "queued_at"]

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

    def block(self, *, until: datetime, language: str = "en") -> None:
        """Stop codes to this number until `until`; the live code dies, no pending send
        goes out and the owner's notice is queued (`notice_pending`, in `language`). Saves."""
        self.blocked_until = until
        self.token = None
        self.send_pending = False
        self.notice_pending = True
        self.language = language
        self.queued_at = timezone.now()
        self.save(
            update_fields=[
                "blocked_until", "token", "send_pending", "notice_pending", "language",
                "queued_at",
            ]
        )  # fmt: skip

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
    # The bucket's level (1.0 = full; one request costs 1/capacity) at `stamp`.
    tokens = models.FloatField(default=1.0)
    # `updated` as seconds since the epoch, for the refill arithmetic in SQL.
    stamp = models.FloatField(default=0.0)
    updated = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"RateLimit {self.key[:12]}"

    @staticmethod
    def authorize(scope: str, value: str, *, capacity: int, per_seconds: int) -> bool:
        """Spend one token from the (scope, value) bucket; False when it is empty.

        Capacity `capacity` tokens refill evenly over `per_seconds`. One statement: an
        INSERT … ON CONFLICT DO UPDATE … WHERE there is a token … RETURNING, which creates
        the bucket or refills and spends it under the row's lock (SQLite and PostgreSQL);
        a refused request changes nothing (the level is computed from `stamp` on read).
        """
        key = f"{scope}:{_digest('ratelimit', scope, value)[:64]}"
        now = timezone.now()
        t = RateLimit._meta.db_table
        cost = 1.0 / capacity
        level = (
            f"(CASE WHEN %(now)s <= {t}.stamp THEN {t}.tokens "
            f"WHEN {t}.tokens + (%(now)s - {t}.stamp) / %(per)s >= 1.0 THEN 1.0 "
            f"ELSE {t}.tokens + (%(now)s - {t}.stamp) / %(per)s END)"
        )
        sql = (
            f"INSERT INTO {t} (key, tokens, stamp, updated) "  # noqa: S608
            "VALUES (%(key)s, %(first)s, %(now)s, %(updated)s) "
            f"ON CONFLICT (key) DO UPDATE SET tokens = {level} - %(cost)s, "
            f"stamp = CASE WHEN %(now)s > {t}.stamp THEN %(now)s ELSE {t}.stamp END, "
            "updated = excluded.updated "
            f"WHERE {level} >= %(cost)s - 1e-9 RETURNING {t}.id"
        )
        params = {
            "key": key,
            "first": 1.0 - cost,
            "now": now.timestamp(),
            "updated": connection.ops.adapt_datetimefield_value(now),
            "per": float(per_seconds),
            "cost": cost,
        }
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            # fetchall, not fetchone: SQLite keeps a RETURNING statement (and its table lock,
            # under shared cache) open until every row has been read.
            return bool(cursor.fetchall())


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
