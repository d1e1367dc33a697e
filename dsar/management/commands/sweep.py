"""The beat's periodic work without a beat, for `make run` (Celery eager, no broker):
jobs that wait or whose worker died, notices and staff e-mails still due, reminders."""

import time

from django.core.management.base import BaseCommand

from dsar import tasks


class Command(BaseCommand):
    help = "Run the sweeper (and hourly reminders) once, or every N seconds with --every."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, default=0, help="seconds between passes")

    def handle(self, *args, every: int, **options):
        last_reminders = 0.0
        while True:
            tasks.requeue_stale_jobs_task()
            if time.monotonic() - last_reminders >= 3600:
                tasks.send_reminders_task()
                last_reminders = time.monotonic()
            if not every:
                return
            time.sleep(every)
