"""Rights that change the data at its source or how it may be used: rectification (Art. 16)
and restriction of processing (Art. 18)."""

from __future__ import annotations

from django.db import models
from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from dsar.models.requests import DataRequest


class Rectification(models.Model):
    """What a rectification request asks to correct: one value of one row of the data map,
    and the corrected value the customer typed (checked for the column's type).

    The old value is read from the source when staff look, never kept here; the new one is
    emptied once the correction is applied (the source holds it then). Written only by
    `dsar.rectification`.
    """

    data_request = models.OneToOneField(
        DataRequest, on_delete=models.PROTECT, related_name="rectification"
    )
    source = models.CharField(max_length=100)
    table = models.CharField(max_length=100)
    column = models.CharField(max_length=100)
    row = models.BigIntegerField()
    value_type = models.CharField(max_length=10)
    new_value = models.TextField(blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.table}.{self.column} #{self.row} ({self.data_request_id})"


class Restriction(models.Model):
    """A restriction of processing (Art. 18), asked for by a case, placed once approved and
    lifted once a lift is approved. The register other systems query: a keyed hash of the
    E.164 number (as the suppression list keeps it), never the number. Written only by
    `dsar.restriction`.
    """

    class Reason(TextChoices):
        ACCURACY = "accuracy", _("I contest the accuracy of my data (Art. 18(1)(a))")
        UNLAWFUL = (
            "unlawful",
            _("The processing is unlawful, but I want my data kept, not erased (Art. 18(1)(b))"),
        )
        LEGAL_CLAIM = (
            "legal_claim",
            _("You no longer need it, but I need it for a legal claim (Art. 18(1)(c))"),
        )
        OBJECTION = (
            "objection",
            _("I objected to the processing and you are still checking (Art. 18(1)(d))"),
        )

    data_request = models.OneToOneField(
        DataRequest, on_delete=models.PROTECT, related_name="restriction"
    )
    # HMAC-SHA256 (hex) of the E.164 number under DSAR_SUPPRESSION_KEY.
    digest = models.CharField(max_length=64, db_index=True)
    reason = models.CharField(max_length=12, choices=Reason)
    placed_on = models.DateField(null=True, blank=True)
    placed_at = models.DateTimeField(null=True, blank=True)
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-placed_at", "-pk"]
        verbose_name = _("restriction of processing")
        verbose_name_plural = _("restrictions of processing")

    def __str__(self) -> str:
        return f"{self.digest[:12]}… ({self.reason}, {self.placed_on})"

    @property
    def in_force(self) -> bool:
        return self.placed_at is not None and self.lifted_at is None
