"""Staff e-mail (reminders, summaries) through the outbox: sent, then marked sent; a mail
server that is down delays a reminder and the cockpit shows it, but never loses it."""

from __future__ import annotations

import socketserver
import threading
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from dsar import dashboard, reminders, staff_mail
from dsar.models import AuditEvent, Reminder, StaffMail
from tests.conftest import committed
from tests.factories import DataRequestFactory

pytestmark = pytest.mark.django_db


class _SMTP(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: every message it accepts is kept in `server.received`."""

    def handle(self) -> None:
        self.wfile.write(b"220 test ESMTP\r\n")
        data, lines = False, []
        for raw in self.rfile:
            line = raw.decode().rstrip("\r\n")
            if data:
                if line == ".":
                    self.server.received.append("\n".join(lines))
                    data, lines = False, []
                    self.wfile.write(b"250 queued\r\n")
                else:
                    lines.append(line)
                continue
            verb = line.split(" ")[0].upper()
            if verb == "DATA":
                data = True
                self.wfile.write(b"354 go on\r\n")
            elif verb == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp(settings):
    """A real SMTP backend pointed at a local port; `start()` brings the server up."""
    with socketserver.TCPServer(("127.0.0.1", 0), _SMTP) as probe:
        port = probe.server_address[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    servers = []

    class Control:
        received: list[str] = []

        def start(self):
            server = socketserver.ThreadingTCPServer(("127.0.0.1", port), _SMTP)
            server.received = self.received
            threading.Thread(target=server.serve_forever, daemon=True).start()
            servers.append(server)

    yield Control()
    for server in servers:
        server.shutdown()
        server.server_close()


def _due_reminder(bob):
    bob.email = "bob@example.org"
    bob.save()
    return DataRequestFactory(assignee=bob, due_on=timezone.localdate() + timedelta(days=2))


def test_a_reminder_waits_for_the_mail_server_and_is_sent_once_it_is_back(bob, smtp):
    dr = _due_reminder(bob)
    with committed():  # the mail server refuses: the reminder is queued, not lost
        assert reminders.send_reminders() == {"due_soon": 1, "overdue": 0}
    mail = StaffMail.objects.get()
    assert (mail.state, mail.attempts, mail.last_error) == ("pending", 1, "ConnectionRefusedError")
    assert mail.next_attempt_at > timezone.now()
    assert not AuditEvent.objects.filter(action="dsar.staff_mail.sent").exists()
    assert Reminder.objects.filter(data_request=dr).count() == 1
    figure = dashboard.job_problems(dashboard.Filters.default(timezone.localdate()), timezone.now())
    assert figure.mail_retrying == 1 and figure.mail_failed == 0
    # Nothing is tried before its time, and a second beat queues no second reminder.
    with committed():
        assert reminders.send_reminders() == {"due_soon": 0, "overdue": 0}
    assert staff_mail.send_due() == {"sent": 0, "failed": 0}
    smtp.start()
    with time_machine.travel(mail.next_attempt_at + timedelta(seconds=1)):
        assert staff_mail.send_due() == {"sent": 1, "failed": 0}
        assert staff_mail.send_due() == {"sent": 0, "failed": 0}
    mail.refresh_from_db()
    assert mail.state == "sent" and mail.sent_at and mail.attempts == 2
    assert len(smtp.received) == 1 and dr.reference in smtp.received[0]
    assert AuditEvent.objects.filter(action="dsar.staff_mail.sent", data_request=dr).count() == 1


def test_a_mail_that_never_goes_is_marked_failed_and_shown(bob, smtp, settings):
    settings.DSAR_STAFF_MAIL_ATTEMPTS = 3
    _due_reminder(bob)
    with committed():
        reminders.send_reminders()
    for _attempt in range(2):
        mail = StaffMail.objects.get()
        with time_machine.travel(mail.next_attempt_at + timedelta(seconds=1)):
            staff_mail.send_due()
    mail = StaffMail.objects.get()
    assert (mail.state, mail.attempts) == ("failed", 3)
    figure = dashboard.job_problems(dashboard.Filters.default(timezone.localdate()), timezone.now())
    assert figure.mail_failed == 1
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert staff_mail.send_due() == {"sent": 0, "failed": 0}  # given up: a person looks


def test_two_runs_never_send_the_same_mail(bob):
    _due_reminder(bob)
    reminders.send_reminders()  # queued; not sent (no commit)
    mail = StaffMail.objects.get()
    StaffMail.objects.filter(pk=mail.pk).update(state="sending")  # another run has it
    assert staff_mail.send_due() == {"sent": 0, "failed": 0}
