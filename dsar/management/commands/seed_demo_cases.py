"""Demo cases for the staff queue: requests from the demo numbers, spread over the calendar.

Development only. Uses the services (so dates, audit trail and flags are real) with the
in-memory message gateway, so the terminal is not flooded with notices.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test import override_settings
from django.utils import timezone

from dsar import services
from dsar.demo import DEMO_NUMBERS
from dsar.models import DataRequest

KINDS = [k for k, _ in DataRequest.Kind.choices]


class Command(BaseCommand):
    help = "Create demo requests (once): the demo numbers' requests plus older cases for the queue."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--cases", type=int, default=40)

    def handle(self, *args, cases: int, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("Demo cases are for local development only (DEBUG=true).")
        if DataRequest.objects.exists():
            self.stdout.write("Demo cases: the portal already has requests; nothing added.")
            return
        rng = random.Random(42)
        now = timezone.now()
        numbers = [n for key, n in DEMO_NUMBERS.items() if key != "unknown"]
        with override_settings(MESSAGING_GATEWAY="locmem"):
            services.open_request(
                number=DEMO_NUMBERS["first_contact"],
                kind="access",
                received_at=now - timedelta(days=3),
            )
            services.open_request(
                number=DEMO_NUMBERS["heavy"], kind="erasure", received_at=now - timedelta(days=12)
            )
            services.open_request(
                number=DEMO_NUMBERS["household"],
                kind="access",
                received_at=now - timedelta(days=26),
            )
            # The prize-draw prospect stops the marketing texts: carried out at once (the
            # suppression job runs on commit), the case closes itself.
            services.open_request(
                number=DEMO_NUMBERS["consent_only"],
                kind="objection",
                channel="all",
                language="nl",
                received_at=now - timedelta(minutes=40),
            )
            for i in range(cases):
                kind = rng.choice(KINDS)
                number = (
                    f"+316{rng.randrange(20000000, 99999999)}" if i % 3 else rng.choice(numbers)
                )
                ago = timedelta(days=rng.randrange(0, 45), hours=rng.randrange(0, 24))
                if kind in DataRequest.SELF_EXECUTING:
                    # Obeyed the moment they are filed, so the demo files them now, for
                    # numbers of their own: the demo's named customers keep their lists.
                    number = f"+316{rng.randrange(20000000, 99999999)}"
                    ago = timedelta(minutes=rng.randrange(1, 300))
                services.open_request(
                    number=number,
                    kind=kind,
                    channel=rng.choice(DataRequest.Channel.values),
                    language=rng.choice(["en", "nl"]),
                    received_at=now - ago,
                )
        self.stdout.write(f"Demo cases: {DataRequest.objects.count()} requests in the queue.")
