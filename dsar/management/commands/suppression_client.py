"""Give a client system (a marketing tool) a token for the suppression-list endpoint."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from dsar import suppression


class Command(BaseCommand):
    help = (
        "Create a client system of the suppression-list endpoint and print its token (shown "
        "once, only its hash is kept), give it a new token, or --revoke it."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", help="the client system, e.g. 'brevo' or 'crm-export'")
        parser.add_argument("--revoke", action="store_true", help="switch its token off")
        parser.add_argument(
            "--restrictions",
            action="store_true",
            help="let it also check restrictions of processing (POST /api/restriction/check/)",
        )

    def handle(self, *args, name: str, revoke: bool, restrictions: bool, **options) -> None:
        name = name.strip()
        if not name or len(name) > 100:
            raise CommandError("Give the client system a name of 1 to 100 characters.")
        if revoke:
            if not suppression.revoke_client(name=name):
                raise CommandError(f"No active client system called {name!r}.")
            self.stdout.write(f"The token of {name} no longer works.")
            return
        client, token = suppression.new_client(name=name, restrictions=restrictions)
        self.stdout.write(f"Client system {client.name}: token (shown once, keep it secret):")
        self.stdout.write(token)
        self.stdout.write(
            "Use it as `Authorization: Bearer <token>` on POST /api/suppression/check/."
        )
        if restrictions:
            self.stdout.write("It may also POST /api/restriction/check/.")
