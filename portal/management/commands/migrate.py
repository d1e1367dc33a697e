"""Django's `migrate`, connected as MIGRATE_DATABASE_URL's role when it is set.

The owner role creates and alters the tables; the application's role (DATABASE_URL) is
not their owner, so it cannot disable the audit trail's trigger (portal/dbroles.py).
"""

from __future__ import annotations

from django.core.management.base import CommandError
from django.core.management.commands.migrate import Command as MigrateCommand

from portal import dbroles


class Command(MigrateCommand):
    help = MigrateCommand.help + " Connects as MIGRATE_DATABASE_URL's role when it is set."

    def handle(self, *args, **options):
        try:
            with dbroles.owner_connection(options["database"]):
                return super().handle(*args, **options)
        except dbroles.RoleRefused as e:
            raise CommandError(e.message) from None
