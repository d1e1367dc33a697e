"""Read queries over the verification log: counts only, never a number or an address."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count

from verification.models import VerificationLog


def event_counts(*, since: datetime, until: datetime) -> dict[str, int]:
    """How many verification steps of each kind were logged in [since, until).

    One grouped query over the (event, created_at) index; every event of
    `VerificationLog.Event` is in the result, with 0 when none was logged.
    """
    counts = dict.fromkeys(VerificationLog.Event.values, 0)
    rows = (
        VerificationLog.objects.filter(created_at__gte=since, created_at__lt=until)
        .values_list("event")
        .annotate(n=Count("id"))
        .order_by()
    )
    for event, n in rows:
        counts[event] = n
    return counts
