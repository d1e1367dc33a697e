"""Send this week's compliance summary to the managers now (once per ISO week)."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from dsar.weekly_summary import send_weekly_summary


class Command(BaseCommand):
    help = "E-mail the weekly compliance summary to the managers, unless this week's went out."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--today", help="Pretend today is this date (YYYY-MM-DD).")

    def handle(self, *args, today: str | None = None, **options) -> None:
        try:
            day = date.fromisoformat(today) if today else None
        except ValueError:
            raise CommandError("--today must be a date as YYYY-MM-DD.") from None
        sent = send_weekly_summary(today=day)
        if sent:
            self.stdout.write(f"Weekly summary sent to {sent} manager(s).")
        else:
            self.stdout.write(
                "Nothing sent: this week's summary already went out, or no manager has an e-mail address."
            )
