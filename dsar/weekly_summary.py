"""The weekly compliance summary e-mailed to managers (Celery beat, Monday morning)."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dsar import audit, dashboard
from dsar.models import AuditEvent, DataRequest
from portal import roles

ACTION = "dsar.summary.sent"


def send_weekly_summary(today: date | None = None) -> int:
    """E-mail this week's compliance figures to the active managers with an e-mail address.

    Returns how many managers it was sent to: 0 when nobody has an address or when this
    ISO week's summary was already sent. Safe to call twice in a week: before sending it
    claims the week with a `dsar.summary.sent` audit event (week, recipient count), checked
    under the audit trail's append lock, so a second call (a retried task, a second beat, the
    management command) sends nothing. At most once: if the mail server fails after the
    claim, that week's summary is lost and the error raised; next week's carries the figures.
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
    if not recipients or not _claim(week_code, len(recipients)):
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        context = summary_context(today)
        context["week"] = week_code
        body = render_to_string("dsar/staff/weekly_summary_email.txt", context)
        subject = _("Privacy compliance summary, week %(week)s") % {"week": week_code}
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    return len(recipients)


def _claim(week_code: str, recipients: int) -> bool:
    with transaction.atomic():
        # Every append locks the newest event first (audit.record); taking that lock before
        # the check makes a concurrent run wait, then see this run's event and stop.
        AuditEvent.objects.select_for_update().order_by("-seq").first()
        if AuditEvent.objects.filter(action=ACTION, data__week=week_code).exists():
            return False
        audit.record(None, ACTION, data={"week": week_code, "recipients": recipients})
    return True


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
