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
        RECTIFICATION = "rectification", _("Correct my data")
        RESTRICTION = "restriction", _("Restrict the use of my data")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        IN_PROGRESS = "in_progress", _("In progress")
        AWAITING_APPROVAL = "awaiting_approval", _("Being checked")
        ERASING = "erasing", _("Being erased")
        COMPLETED = "completed", _("Completed")
        REFUSED = "refused", _("Refused")
        WITHDRAWN = "withdrawn", _("Withdrawn by the customer")

    # The only moves a request can make; dsar.casework._move() enforces it. Every answer
    # that reaches the customer passes AWAITING_APPROVAL (four-eyes): a release, a refusal,
    # an extension, a change of legal clock, an erasure (which then waits in ERASING for its
    # cooling-off period and the job). Work happens only in RECEIVED and IN_PROGRESS.
    TRANSITIONS = {
        Status.RECEIVED: {Status.IN_PROGRESS},
        Status.IN_PROGRESS: {Status.AWAITING_APPROVAL},
        Status.AWAITING_APPROVAL: {
            Status.IN_PROGRESS,
            Status.COMPLETED,
            Status.REFUSED,
            Status.ERASING,
        },
        Status.ERASING: {Status.COMPLETED, Status.WITHDRAWN, Status.IN_PROGRESS},
        Status.COMPLETED: set(),
        Status.REFUSED: set(),
        Status.WITHDRAWN: set(),
    }
    # Art. 21(3) and 7(3): an objection to direct marketing, and a withdrawal of consent, are
    # obeyed at once, without waiting for staff. These kinds only may also make the moves
    # below, when their suppression job has carried them out (casework.suppression_finished).
    SELF_EXECUTING = (Kind.OBJECTION, Kind.WITHDRAW_CONSENT)
    SELF_CLOSING = {
        Status.RECEIVED: {Status.COMPLETED},
        Status.IN_PROGRESS: {Status.COMPLETED},
    }
    OPEN_STATUSES = (
        Status.RECEIVED,
        Status.IN_PROGRESS,
        Status.AWAITING_APPROVAL,
        Status.ERASING,
    )
    WORKABLE_STATUSES = (Status.RECEIVED, Status.IN_PROGRESS)

    class Channel(models.TextChoices):
        ALL = "all", _("WhatsApp and SMS")
        WHATSAPP = "whatsapp", _("WhatsApp")
        SMS = "sms", _("SMS")

    class Via(models.TextChoices):
        PORTAL = "portal", _("the portal")

    class Policy(models.TextChoices):
        GDPR = "gdpr", _("GDPR (one month)")
        CCPA = "ccpa", _("California CCPA (45 days)")
        LGPD = "lgpd", _("Brazil LGPD (15 days)")

    class PolicyReason(models.TextChoices):
        RESIDENCE = "residence", _("The customer is protected by this law where they live")
        REGISTRATION = "registration", _("The request was registered under the wrong law")

    class ExtensionReason(models.TextChoices):
        COMPLEXITY = "complexity", _("The request is complex")
        NUMBER = "number", _("We received a large number of requests")

    class RefusalGround(models.TextChoices):
        UNFOUNDED = "unfounded", _("Manifestly unfounded (Art. 12(5))")
        EXCESSIVE = "excessive", _("Manifestly excessive, in particular repetitive (Art. 12(5))")
        OTHERS = "rights_of_others", _("It would harm the rights of others (Art. 15(4))")
        LEGAL_OBLIGATION = (
            "17_3_b",
            _("A legal obligation requires keeping the data (Art. 17(3)(b))"),
        )
        LEGAL_CLAIMS = "17_3_e", _("Needed for legal claims (Art. 17(3)(e))")
        ARCHIVING = "17_3_d", _("Archiving or statistics in the public interest (Art. 17(3)(d))")

    # Which grounds fit which kind of request: the Art. 17(3) exceptions limit erasure only;
    # the rights of others (Art. 15(4)) limit a copy of the data; an objection to direct
    # marketing is absolute (Art. 21(3)) and only a manifestly unfounded or excessive
    # request can be refused (Art. 12(5)).
    GROUNDS = {
        "access": ("unfounded", "excessive", "rights_of_others"),
        "export": ("unfounded", "excessive", "rights_of_others"),
        "erasure": ("unfounded", "excessive", "17_3_b", "17_3_e", "17_3_d"),
        "objection": ("unfounded", "excessive"),
        "withdraw_consent": ("unfounded", "excessive"),
        "rectification": ("unfounded", "excessive"),
        "restriction": ("unfounded", "excessive"),
    }

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
    # The current deadline (moved by an extension) and the first one.
    due_on = models.DateField()
    initial_due_on = models.DateField(null=True, blank=True)
    policy = models.CharField(max_length=8, choices=Policy, default=Policy.GDPR)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_requests",
    )
    extended_at = models.DateTimeField(null=True, blank=True)
    extension_reason = models.CharField(max_length=16, choices=ExtensionReason, blank=True)
    refusal_ground = models.CharField(max_length=24, choices=RefusalGround, blank=True)
    partially_refused = models.BooleanField(default=False)
    # A third request within twelve months: a person assesses it; nothing is automatic.
    flagged_repeat = models.BooleanField(default=False)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # The token of the form that filed it: the same form sent again finds this request.
    idempotency_key = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="dsar_request_filed_once",
            )
        ]
        indexes = [
            models.Index(fields=["status", "due_on"]),
            models.Index(fields=["due_on", "id"]),
            models.Index(fields=["assignee", "status"]),
            models.Index(fields=["subject", "received_at"]),
        ]
        permissions = [
            ("work_datarequest", "Can work cases (prepare, extend, refuse)"),
            ("approve_datarequest", "Can approve a prepared response (four-eyes)"),
            ("view_compliance", "Can see all cases and the compliance dashboard"),
        ]

    def __str__(self) -> str:
        return self.reference

    @classmethod
    def grounds_for(cls, kind: str) -> tuple[str, ...]:
        return cls.GROUNDS.get(kind, ("unfounded", "excessive"))

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_workable(self) -> bool:
        """Staff may work on it: nothing is being checked, erased or closed."""
        return self.status in self.WORKABLE_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and timezone.localdate() > self.due_on

    @property
    def is_extended(self) -> bool:
        return self.extended_at is not None

    @property
    def executes_itself(self) -> bool:
        """Carried out on filing by a suppression job (SELF_EXECUTING)."""
        return self.kind in self.SELF_EXECUTING

    def moves(self) -> set[str]:
        """The statuses this request may move to now (TRANSITIONS, SELF_CLOSING)."""
        allowed = set(self.TRANSITIONS[self.status])
        if self.executes_itself:
            allowed |= self.SELF_CLOSING.get(self.status, set())
        return allowed


class Notification(models.Model):
    """A message to the subject about their request: queued, then sent once."""

    class Kind(models.TextChoices):
        RECEIVED = "request-received", _("Request received")
        READY = "response-ready", _("Response ready")
        EXTENDED = "request-extended", _("Deadline extended")
        PARTLY_REFUSED = "request-partly-refused", _("Request partly refused")
        ERASURE_CANCELLED = "erasure-cancelled", _("Erasure cancelled")
        POLICY_CHANGED = "request-policy-changed", _("Legal clock changed")
        ERASURE_SCHEDULED = "erasure-scheduled", _("Erasure scheduled")
        REFUSED = "request-refused", _("Request refused")
        CLARIFICATION = "clarification-needed", _("Question for the customer")
        MARKETING_STOPPED = "marketing-stopped", _("Marketing stopped")
        DATA_CORRECTED = "data-corrected", _("Data corrected")
        RESTRICTED = "processing-restricted", _("Processing restricted")
        RESTRICTION_LIFTED = "restriction-lifted", _("Restriction lifted")

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


class Job(models.Model):
    """The durable record of one piece of background work on a request.

    Progress is this row (QUEUED → RUNNING → DONE/FAILED) and its JobTable rows, never a
    Celery result. `heartbeat_at` moves while the job runs; a RUNNING job whose heartbeat
    is older than `DSAR_JOB_STALE_SECONDS` is re-queued by the sweeper.
    """

    class Kind(models.TextChoices):
        DISCOVER = "discover", _("Discovery")
        PACKAGE = "package", _("Access package")
        ERASE = "erase", _("Erasure")
        SUPPRESS = "suppress", _("Stop marketing")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    data_request = models.ForeignKey(DataRequest, on_delete=models.PROTECT, related_name="jobs")
    # Not before: an approved erasure waits out the customer's cooling-off period.
    run_after = models.DateTimeField(null=True, blank=True)
    # When the job was last handed to the broker; the sweeper hands it again if it sits.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    # The process running it ("host:pid"); its lease is `heartbeat_at` + DSAR_JOB_STALE_SECONDS.
    owner = models.CharField(max_length=120, blank=True)
    kind = models.CharField(max_length=10, choices=Kind)
    state = models.CharField(max_length=10, choices=State, default=State.QUEUED)
    datamap_sha256 = models.CharField(max_length=64, blank=True)
    # For an erasure: the plan fingerprint the approver approved; another plan is refused.
    approved_sha256 = models.CharField(max_length=64, blank=True)
    # What the run found or did: counts per table, shared-number warnings, the erasure
    # report. Ids, counts and categories only: never the customer's values.
    summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "heartbeat_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.state})"

    @property
    def waits(self) -> bool:
        """Queued for later: an approved erasure in the customer's cooling-off period."""
        return (
            self.state == self.State.QUEUED
            and self.run_after is not None
            and self.run_after > timezone.now()
        )


class JobTable(models.Model):
    """One table of a job: its planned rows and whether it is finished.

    An erasure records each finished table here, so that a rerun skips it (and never
    hashes a hash). `keys` are the primary keys planned before anything changed.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="tables")
    position = models.PositiveIntegerField(default=0)
    source = models.CharField(max_length=100)
    table = models.CharField(max_length=100)
    state = models.CharField(max_length=10, choices=State, default=State.PENDING)
    keys = models.JSONField(default=list, blank=True)
    # The files the planned rows point at (dsar.files.FileRef as lists), fixed with the
    # plan: an erasure deletes them after their rows, a rerun finds them here.
    files = models.JSONField(default=list, blank=True)
    rows = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["job", "position"]
        constraints = [
            models.UniqueConstraint(fields=["job", "source", "table"], name="dsar_jobtable_unique")
        ]

    def __str__(self) -> str:
        return f"{self.source}.{self.table} ({self.state})"


class AccessPackage(models.Model):
    """A finished access or export package: a private file with an expiry and its hash."""

    data_request = models.ForeignKey(DataRequest, on_delete=models.PROTECT, related_name="packages")
    job = models.OneToOneField(Job, on_delete=models.PROTECT, related_name="package")
    kind = models.CharField(max_length=10)
    # Relative to PRIVATE_MEDIA_ROOT; never under a public URL.
    path = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    # Set when an approver releases it (four-eyes); the customer sees only released ones.
    released_at = models.DateTimeField(null=True, blank=True)
    downloads = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"Package {self.pk} for {self.data_request_id}"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at


class Approval(models.Model):
    """Four-eyes: a response or erasure plan submitted by one person, approved by another.

    `sha256` is the hash of the exact package file or erasure plan that was submitted;
    a different package or plan at release time voids the approval.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        SENT_BACK = "sent_back", _("Sent back")
        VOID = "void", _("Void: the response changed")

    class Subject(models.TextChoices):
        PACKAGE = "package", _("Access package")
        ERASURE_PLAN = "erasure_plan", _("Erasure plan")
        DECISION = "decision", _("Decision")
        REFUSAL = "refusal", _("Refusal")
        EXTENSION = "extension", _("Extension of the deadline")
        POLICY = "policy", _("Change of legal clock")
        RECTIFICATION = "rectification", _("Correction of the customer's data")
        RESTRICTION = "restriction", _("Restriction of processing")
        LIFT_RESTRICTION = "lift_restriction", _("Lifting a restriction")

    data_request = models.ForeignKey(
        DataRequest, on_delete=models.PROTECT, related_name="approvals"
    )
    about = models.CharField(max_length=16, choices=Subject)
    sha256 = models.CharField(max_length=64)
    package = models.ForeignKey(
        "AccessPackage", null=True, blank=True, on_delete=models.PROTECT, related_name="approvals"
    )
    # What a decision decides (a refusal's ground, an extension's reason and new date, a new
    # legal clock and why); `sha256` covers it, so it cannot change after submission.
    payload = models.JSONField(default=dict, blank=True)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="prepared_approvals"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="given_approvals",
    )
    state = models.CharField(max_length=10, choices=State, default=State.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # SECURITY: the database itself refuses self-approval.
            models.CheckConstraint(
                condition=~models.Q(approved_by=models.F("prepared_by")),
                name="dsar_approval_four_eyes",
            )
        ]

    def __str__(self) -> str:
        return f"Approval {self.pk} ({self.state})"


class Clarification(models.Model):
    """A question to the customer, chosen from a list; the case shows the pause."""

    class Question(models.TextChoices):
        PERIOD = "period", _("Which period is your request about?")
        CHANNEL = "channel", _("Which channel is your request about?")

    ANSWERS = {
        Question.PERIOD: [
            ("last_year", _("The last 12 months")),
            ("last_3_years", _("The last 3 years")),
            ("all", _("Everything you hold")),
        ],
        Question.CHANNEL: [
            ("whatsapp", _("WhatsApp")),
            ("sms", _("SMS")),
            ("all", _("All channels")),
        ],
    }

    data_request = models.ForeignKey(
        DataRequest, on_delete=models.CASCADE, related_name="clarifications"
    )
    question = models.CharField(max_length=16, choices=Question)
    answer = models.CharField(max_length=16, blank=True)
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    asked_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-asked_at"]

    def __str__(self) -> str:
        return f"{self.question} ({'answered' if self.answered_at else 'open'})"

    def answer_label(self) -> str:
        return dict(self.ANSWERS.get(self.question, [])).get(self.answer, "")


class RequesterDecision(models.Model):
    """Who, among the contacts behind a shared number, the customer is: staff's decision.

    One per case and shared link (`dsar.connectors.SharedNumber.key`): `contact` is the
    chosen contact's link value (its id in the source, as text), empty when staff decided
    that it cannot be told. Discovery, packages and erasure plans apply it (see
    `dsar.connectors`); made and changed only through `casework.decide_requester()`.
    """

    class Outcome(models.TextChoices):
        CONTACT = "contact", _("This contact is the customer")
        UNKNOWN = "unknown", _("It cannot be told")

    data_request = models.ForeignKey(
        DataRequest, on_delete=models.PROTECT, related_name="requester_decisions"
    )
    source = models.CharField(max_length=100)
    number_table = models.CharField(max_length=100)
    linked_table = models.CharField(max_length=100)
    outcome = models.CharField(max_length=10, choices=Outcome)
    contact = models.CharField(max_length=64, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["data_request", "source", "number_table", "linked_table"],
                name="dsar_requester_decision_once",
            ),
            models.CheckConstraint(
                condition=(models.Q(outcome="contact") & ~models.Q(contact=""))
                | (models.Q(outcome="unknown") & models.Q(contact="")),
                name="dsar_requester_decision_contact",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source}.{self.linked_table}: {self.outcome} for {self.data_request_id}"

    @property
    def link(self) -> tuple[str, str, str]:
        return (self.source, self.number_table, self.linked_table)

    @property
    def value(self) -> str | None:
        """What discovery applies (`dsar.connectors.Requester`): the contact, or None."""
        return self.contact if self.outcome == self.Outcome.CONTACT else None


class Reminder(models.Model):
    """A reminder sent once per case and threshold; the unique row makes it survive restarts."""

    class Threshold(models.TextChoices):
        DUE_SOON = "due_soon", _("Due within 5 working days")
        OVERDUE = "overdue", _("Overdue")

    data_request = models.ForeignKey(
        DataRequest, on_delete=models.CASCADE, related_name="reminders"
    )
    threshold = models.CharField(max_length=10, choices=Threshold)
    due_on = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["data_request", "threshold", "due_on"], name="dsar_reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.threshold} for {self.data_request_id}"


class StaffMail(models.Model):
    """An e-mail to staff (a reminder, the weekly summary), sent at least once.

    The row is written first (its `key` is unique: one mail per reminder or per week), then
    the mail is sent, then the row is marked sent: a failed send stays PENDING with its next
    attempt later (backoff), and FAILED after the last attempt, which the cockpit shows.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    key = models.CharField(max_length=120, unique=True)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    recipients = models.JSONField(default=list)
    data_request = models.ForeignKey(
        DataRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="staff_mails"
    )
    state = models.CharField(max_length=10, choices=State, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=200, blank=True)
    # The body names a customer (an Art. 19 notice to a recipient): emptied once the mail
    # is sent or given up, so the outbox keeps no copy of it.
    scrub_body = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.key} ({self.state})"


class DataMapVersion(models.Model):
    """A data map that passed validation and was loaded; jobs use the newest one.

    Keeping every loaded version (with its file's SHA-256) lets a job, an approval or a
    register extract say exactly which map it used.
    """

    sha256 = models.CharField(max_length=64)
    origin = models.CharField(max_length=255)
    content = models.JSONField()
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-loaded_at", "-pk"]

    def __str__(self) -> str:
        return f"Data map {self.sha256[:12]} ({self.loaded_at:%Y-%m-%d %H:%M})"
