"""(Re)create the demo customer-service database. Development and benchmarks only."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from dsar import demo


class Command(BaseCommand):
    help = (
        "Drop and recreate the demo customer-service tables in a database alias and fill "
        "them with synthetic contacts, conversations, consents, calls and payments."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--subjects", type=int, default=200, help="contacts to create")
        parser.add_argument("--messages", type=int, default=4000, help="messages in total")
        parser.add_argument("--seed", type=int, default=1, help="same seed, same data")
        parser.add_argument("--database", default="customer_service", help="database alias")
        parser.add_argument("--quiet", action="store_true", help="print nothing")

    def handle(self, *args, **options) -> None:
        alias = options["database"]
        if alias == "default":
            raise CommandError("The demo data never goes into the portal's own database.")
        if options["subjects"] < demo.MIN_SUBJECTS or options["messages"] < 0:
            raise CommandError(
                f"Use --subjects {demo.MIN_SUBJECTS} or more and --messages 0 or more."
            )
        started = time.monotonic()
        try:
            counts = demo.seed(
                alias,
                subjects=options["subjects"],
                messages=options["messages"],
                seed=options["seed"],
            )
        except demo.DemoRefused as e:
            raise CommandError(str(e)) from None
        # The processing register lives in the portal's own database (idempotent).
        from dsar.demo.register import seed_register

        changed = seed_register()
        if options["quiet"]:
            return
        seconds = time.monotonic() - started
        rows = ", ".join(f"{n:,} {table}" for table, n in counts.items())
        self.stdout.write(f"Seeded {alias!r} in {seconds:.1f} s: {rows}.")
        self.stdout.write(f"Processing register: {changed} demo activities created or changed.")
        self.stdout.write(
            "Demo numbers: " + ", ".join(f"{k} {v}" for k, v in demo.DEMO_NUMBERS.items())
        )
