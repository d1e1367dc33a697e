"""The weekly compliance summary e-mailed to managers (Celery beat, Monday morning)."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dsar import audit, dashboard, staff_mail
from dsar.models import DataRequest
from portal import roles

ACTION = "dsar.summary.queued"


def send_weekly_summary(today: date | None = None) -> int:
    """E-mail this week's compliance figures to the active managers with an e-mail address.

    Returns how many managers it goes to: 0 when nobody has an address or when this ISO
    week's summary was already queued. The mail goes through the staff-mail outbox under the
    key of its ISO week, so a second call (a retried task, a second beat, the management
    command) adds nothing, and a mail server that is down delays it, never loses it.
    Numbers and case references only, never a customer's data.
    """
    today = today or timezone.localdate()
    year, week, _weekday = today.isocalendar()
    week_code = f"{year}-W{week:02d}"
    recipients = list(
        get_user_model()
        .objects.filter(groups__name=roles.MANAGERS, is_active=True)
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
        .distinct()
    )
    if not recipients:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        context = summary_context(today)
        context["week"] = week_code
        body = render_to_string("dsar/staff/weekly_summary_email.txt", context)
        subject = _("Privacy compliance summary, week %(week)s") % {"week": week_code}
    with transaction.atomic():
        mail = staff_mail.queue(
            key=f"weekly-summary:{week_code}", subject=subject, body=body, recipients=recipients
        )
        if mail is None:
            return 0
        audit.record(None, ACTION, data={"week": week_code, "recipients": len(recipients)})
    return len(recipients)


def summary_context(today: date) -> dict:
    """The figures the mail shows: today's snapshot, the last 7 days, the last 12 months."""
    filters = dashboard.Filters.default(today)
    figures = dashboard.cockpit(filters, today=today)
    since, until = dashboard.local_bounds(today - timedelta(days=7), today - timedelta(days=1))
    week = DataRequest.objects.aggregate(
        received=Count(
            "id",
            filter=Q(received_on__gte=today - timedelta(days=7), received_on__lt=today),
        ),
        answered=Count("id", filter=Q(closed_at__gte=since, closed_at__lt=until)),
    )
    return {
        "figures": figures,
        "week_received": week["received"],
        "week_answered": week["answered"],
        "site_url": settings.SITE_URL,
    }
