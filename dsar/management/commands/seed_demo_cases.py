"""Demo cases for the staff queue: requests from the demo numbers, spread over the calendar.

Development only. Uses the services (so dates, audit trail and flags are real) with the
in-memory message gateway, so the terminal is not flooded with notices. Each request is
filed at its own date of receipt (time-machine, a development dependency), oldest first, so
its audit trail and the flag for repeated requests read as a real history would.
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
        try:
            import time_machine
        except ImportError:
            raise CommandError(
                "Demo cases need the development extras: pip install -e '.[dev]'"
            ) from None
        rng = random.Random(42)
        now = timezone.now()
        numbers = [n for key, n in DEMO_NUMBERS.items() if key != "unknown"]
        # (number, kind, channel, language, received at)
        planned = [
            (DEMO_NUMBERS["first_contact"], "access", "whatsapp", "en", now - timedelta(days=3)),
            (DEMO_NUMBERS["heavy"], "erasure", "whatsapp", "en", now - timedelta(days=12)),
            (DEMO_NUMBERS["household"], "access", "whatsapp", "en", now - timedelta(days=26)),
            # The prize-draw prospect stops the marketing texts: carried out at once (the
            # suppression job runs on commit), the case closes itself.
            (DEMO_NUMBERS["consent_only"], "objection", "all", "nl", now - timedelta(minutes=40)),
        ]
        for i in range(cases):
            kind = rng.choice(KINDS)
            number = f"+316{rng.randrange(20000000, 99999999)}" if i % 3 else rng.choice(numbers)
            ago = timedelta(days=rng.randrange(0, 45), hours=rng.randrange(0, 24))
            if kind in DataRequest.SELF_EXECUTING:
                # Obeyed the moment they are filed, so the demo files them recently, for
                # numbers of their own: the demo's named customers keep their lists.
                number = f"+316{rng.randrange(20000000, 99999999)}"
                ago = timedelta(minutes=rng.randrange(1, 300))
            channel = rng.choice(DataRequest.Channel.values)
            planned.append((number, kind, channel, rng.choice(["en", "nl"]), now - ago))
        with override_settings(MESSAGING_GATEWAY="locmem"):
            for number, kind, channel, language, received_at in sorted(
                planned, key=lambda p: p[4]
            ):
                # The request, its audit events and its notice all happen on that day.
                with time_machine.travel(received_at, tick=False):
                    services.open_request(
                        number=number,
                        kind=kind,
                        channel=channel,
                        language=language,
                        received_at=received_at,
                    )
        self.stdout.write(f"Demo cases: {DataRequest.objects.count()} requests in the queue.")
