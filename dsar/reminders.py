"""Reminders to staff: cases due soon to their assignee, overdue cases to the managers."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from dsar import audit, deadlines, staff_mail
from dsar.models import DataRequest, Reminder
from portal import roles


def send_reminders(*, today: date | None = None, batch: int = 200) -> dict[str, int]:
    """Warn assignees of cases due within 5 working days; escalate overdue cases to managers.

    Once per case, threshold and due date: a `Reminder` row is created with its mail in
    the staff-mail outbox (dsar.staff_mail), and the unique constraint stops a second one
    even across restarts or parallel beats. The mail is sent after commit, retried while
    the mail server is down, and marked sent only once it went. Returns the reminders queued.
    """
    today = today or timezone.localdate()
    soon = deadlines.add_working_days(
        today, settings.DSAR_REMINDER_DAYS, country=settings.DSAR_COUNTRY
    )
    open_cases = DataRequest.objects.filter(status__in=DataRequest.OPEN_STATUSES)
    due_soon = open_cases.filter(due_on__gte=today, due_on__lte=soon, assignee__isnull=False)
    overdue = open_cases.filter(due_on__lt=today)
    managers = list(
        get_user_model()
        .objects.filter(groups__name=roles.MANAGERS, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    sent = {"due_soon": 0, "overdue": 0}
    for threshold, cases in (
        (Reminder.Threshold.DUE_SOON, due_soon),
        (Reminder.Threshold.OVERDUE, overdue),
    ):
        todo = (
            cases.exclude(reminders__threshold=threshold, reminders__due_on=F("due_on"))
            .select_related("assignee")
            .order_by("due_on")[:batch]
        )
        for dr in todo:
            recipients = (
                [dr.assignee.email] if threshold == Reminder.Threshold.DUE_SOON else managers
            )
            recipients = [r for r in recipients if r]
            if recipients and _queue_reminder(dr, threshold, recipients):
                sent[threshold] += 1
    return sent


def _queue_reminder(dr: DataRequest, threshold: str, recipients: list[str]) -> bool:
    """The Reminder row (once per case, threshold and due date) and its mail, together."""
    context = {"dr": dr, "threshold": threshold, "site_url": settings.SITE_URL}
    body = render_to_string("dsar/staff/reminder_email.txt", context)
    subject = (
        _("Case %(ref)s is due on %(due)s")
        if threshold == Reminder.Threshold.DUE_SOON
        else _("Overdue: case %(ref)s was due on %(due)s")
    ) % {"ref": dr.reference, "due": dr.due_on.isoformat()}
    try:
        with transaction.atomic():
            Reminder.objects.create(data_request=dr, threshold=threshold, due_on=dr.due_on)
            staff_mail.queue(
                key=f"reminder:{dr.pk}:{threshold}:{dr.due_on.isoformat()}",
                subject=subject,
                body=body,
                recipients=recipients,
                data_request=dr,
            )
            audit.record(dr, "dsar.reminder.queued", data={"threshold": threshold})
    except IntegrityError:
        return False
    return True
