"""The Art. 19 ledger: which recipients were told of an erasure, rectification or restriction."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dsar.models.requests import DataRequest, StaffMail


class RecipientNotice(models.Model):
    """One recipient of the register told of one change to a customer's data (Art. 19).

    The recipient's name and contact are copied when the entry is made: the register may
    change or lose the recipient later, the ledger says who was told then. How it was told
    is the staff-mail outbox row (sent, retried or given up); staff mark the reply.
    Written only through `dsar.recipients_ledger`.
    """

    class Action(models.TextChoices):
        ERASURE = "erasure", _("Erasure")
        RECTIFICATION = "rectification", _("Rectification")
        RESTRICTION = "restriction", _("Restriction of processing")
        RESTRICTION_LIFTED = "restriction_lifted", _("Restriction lifted")

    data_request = models.ForeignKey(
        DataRequest, on_delete=models.PROTECT, related_name="recipient_notices"
    )
    action = models.CharField(max_length=20, choices=Action)
    recipient = models.ForeignKey(
        "dsar.Recipient", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recipient_name = models.CharField(max_length=200)
    contact_email = models.EmailField(blank=True)
    # The register activities (codes) through which the recipient had the customer's data.
    activities = models.JSONField(default=list)
    mail = models.OneToOneField(
        StaffMail, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "recipient_name"]
        verbose_name = _("recipient notice (Art. 19)")
        verbose_name_plural = _("recipient notices (Art. 19)")
        constraints = [
            models.UniqueConstraint(
                fields=["data_request", "action", "recipient_name"],
                name="dsar_recipient_notice_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.action} → {self.recipient_name} ({self.data_request_id})"

    @property
    def told_at(self):
        """When the e-mail went out, or None (not yet, given up, or no contact)."""
        if self.mail_id and self.mail.state == StaffMail.State.SENT:
            return self.mail.sent_at
        return None

    @property
    def state(self) -> str:
        """no_contact | pending | told | failed | acknowledged."""
        if self.acknowledged_at:
            return "acknowledged"
        if not self.contact_email or not self.mail_id:
            return "no_contact"
        return {
            StaffMail.State.SENT: "told",
            StaffMail.State.FAILED: "failed",
        }.get(self.mail.state, "pending")
