"""Data subjects, their requests, notices to them and the audit trail."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Crockford's base32 without look-alikes: easy to read out over the phone.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference() -> str:
    """A random, unguessable case reference such as R-7KQ2-M9XD-4T (50 bits)."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(10))
    return f"R-{chars[:4]}-{chars[4:8]}-{chars[8:]}"


class Subject(models.Model):
    """A data subject, known by the E.164 messaging number they verified."""

    number = models.CharField(max_length=16, unique=True)
    language = models.CharField(max_length=8, default="en")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Subject #{self.pk}"


class DataRequest(models.Model):
    """One request (a "case" for staff) with its legal clock."""

    class Kind(models.TextChoices):
        ACCESS = "access", _("Access to my data")
        EXPORT = "export", _("A portable copy of my data")
        ERASURE = "erasure", _("Erasure of my data")
        OBJECTION = "objection", _("Stop direct marketing")
        WITHDRAW_CONSENT = "withdraw_consent", _("Withdraw consent for messages")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        IN_PROGRESS = "in_progress", _("In progress")
        AWAITING_APPROVAL = "awaiting_approval", _("Being checked")
        COMPLETED = "completed", _("Completed")
        REFUSED = "refused", _("Refused")

    # The only moves a request can make; dsar.services._move() enforces it.
    TRANSITIONS = {
        Status.RECEIVED: {Status.IN_PROGRESS, Status.REFUSED},
        Status.IN_PROGRESS: {Status.AWAITING_APPROVAL, Status.REFUSED},
        Status.AWAITING_APPROVAL: {Status.IN_PROGRESS, Status.COMPLETED},
        Status.COMPLETED: set(),
        Status.REFUSED: set(),
    }
    OPEN_STATUSES = (Status.RECEIVED, Status.IN_PROGRESS, Status.AWAITING_APPROVAL)

    class Channel(models.TextChoices):
        ALL = "all", _("WhatsApp and SMS")
        WHATSAPP = "whatsapp", _("WhatsApp")
        SMS = "sms", _("SMS")

    class Via(models.TextChoices):
        PORTAL = "portal", _("the portal")

    reference = models.CharField(max_length=16, unique=True, default=new_reference)
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="requests")
    kind = models.CharField(max_length=20, choices=Kind)
    status = models.CharField(max_length=20, choices=Status, default=Status.RECEIVED)
    # Which messaging channel a consent withdrawal or objection is about.
    channel = models.CharField(max_length=10, choices=Channel, default=Channel.ALL)
    via = models.CharField(max_length=10, choices=Via, default=Via.PORTAL)
    language = models.CharField(max_length=8, default="en")
    received_at = models.DateTimeField(default=timezone.now)
    # The local date of receipt in TIME_ZONE, and the date the answer is due.
    received_on = models.DateField()
    due_on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["status", "due_on"])]
        permissions = [
            ("work_datarequest", "Can work cases (prepare, extend, refuse)"),
            ("approve_datarequest", "Can approve a prepared response (four-eyes)"),
            ("view_compliance", "Can see all cases and the compliance dashboard"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and timezone.localdate() > self.due_on


class Notification(models.Model):
    """A message to the subject about their request: queued, then sent once."""

    class Kind(models.TextChoices):
        RECEIVED = "request-received", _("Request received")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    data_request = models.ForeignKey(
        DataRequest, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32, choices=Kind)
    state = models.CharField(max_length=10, choices=State, default=State.QUEUED)
    gateway = models.CharField(max_length=16, blank=True)
    provider_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.kind} for {self.data_request_id} ({self.state})"


class AuditEventQuerySet(models.QuerySet):
    # SECURITY: the trail is append-only; bulk changes are refused here too, and on
    # PostgreSQL by a trigger (migration 0002).
    def update(self, **kwargs):  # type: ignore[override]
        raise PermissionError("The audit trail is append-only.")

    def delete(self):  # type: ignore[override]
        raise PermissionError("The audit trail is append-only.")


class AuditEvent(models.Model):
    """One event of the append-only, hash-chained audit trail.

    Holds ids, codes and categories, never personal values, so that erasing a subject's
    data never needs to rewrite the chain. Written only through `dsar.audit.record()`.
    """

    class ActorKind(models.TextChoices):
        SUBJECT = "subject", _("Customer")
        STAFF = "staff", _("Staff")
        SYSTEM = "system", _("System")

    seq = models.BigIntegerField(unique=True)
    data_request = models.ForeignKey(
        DataRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    action = models.CharField(max_length=64)
    actor_kind = models.CharField(max_length=10, choices=ActorKind)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise PermissionError("The audit trail is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit trail is append-only.")
