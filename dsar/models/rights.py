"""Rights that change the data at its source: rectification (Art. 16)."""

from __future__ import annotations

from django.db import models

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
