"""Give the application's PostgreSQL role its rights: the audit trail only to read and append.

    MIGRATE_DATABASE_URL=postgres://dsar_owner@… manage.py grant_app_role dsar_app

Runs as MIGRATE_DATABASE_URL's role (the owner of the tables) when it is set, else as
DATABASE_URL's. Run it after every `migrate`; it is safe to repeat (portal/dbroles.py).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal import dbroles


class Command(BaseCommand):
    help = (
        "Grant a PostgreSQL role ordinary rights on the portal's tables and only SELECT and "
        "INSERT on the audit trail (dsar_auditevent)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("role", help="the role gunicorn and Celery connect as (DATABASE_URL)")

    def handle(self, *args, role: str, **options) -> None:
        try:
            with dbroles.owner_connection(), transaction.atomic():
                grants = dbroles.grant_app_role(role=role)
        except dbroles.RoleRefused as e:
            raise CommandError(e.message) from None
        self.stdout.write(
            f"{grants.role} may SELECT, INSERT, UPDATE and DELETE on the portal's "
            f"{grants.tables} tables (and those {grants.owner}'s later migrations create), "
            f"but on {dbroles.AUDIT_TABLE} only SELECT and INSERT."
        )
