"""The suppression list and the client systems that may query it."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Suppression(models.Model):
    """A number that must get no direct marketing, kept after every other trace of it is
    erased (Art. 17(3)(b), 21(3)): a keyed hash of the E.164 number, the channel and the
    date, never the number itself. Written only by `dsar.suppression.record()`.
    """

    class Channel(models.TextChoices):
        ALL = "all", _("WhatsApp and SMS")
        WHATSAPP = "whatsapp", _("WhatsApp")
        SMS = "sms", _("SMS")

    class Reason(models.TextChoices):
        OBJECTION = "objection", _("Objection to direct marketing")
        WITHDRAW_CONSENT = "withdraw_consent", _("Consent withdrawn")

    # HMAC-SHA256 (hex) of the E.164 number under DSAR_SUPPRESSION_KEY.
    digest = models.CharField(max_length=64)
    channel = models.CharField(max_length=10, choices=Channel)
    reason = models.CharField(max_length=20, choices=Reason)
    since = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-since", "-pk"]
        verbose_name = _("suppressed number")
        verbose_name_plural = _("suppression list")
        constraints = [
            models.UniqueConstraint(fields=["digest", "channel"], name="dsar_suppression_once")
        ]

    def __str__(self) -> str:
        return f"{self.digest[:12]}… ({self.channel}, {self.since})"


class SuppressionClient(models.Model):
    """A system (a marketing tool) allowed to ask whether numbers are suppressed, with its
    own token. Only the token's SHA-256 is kept; `prefix` tells tokens apart in the admin.
    Created with `manage.py suppression_client`; switched off here or there."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    prefix = models.CharField(max_length=12)
    token_sha256 = models.CharField(max_length=64, unique=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # It may also ask the register of restrictions of processing (Art. 18).
    restrictions = models.BooleanField(_("may check restrictions"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("suppression-list client")
        verbose_name_plural = _("suppression-list clients")

    def __str__(self) -> str:
        return self.name
