"""Create (or reset) the demo staff accounts and print their logins. Development only."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import roles

DEMO_STAFF = [
    ("bob", "Bob de Vries", [roles.PRIVACY_STAFF]),
    ("carol", "Carol Lindqvist", [roles.APPROVERS, roles.PRIVACY_STAFF]),
    ("maria", "Maria Jansen", [roles.MANAGERS]),
    ("admin", "Site administrator", []),
]


class Command(BaseCommand):
    help = "Create the demo staff accounts with fresh random passwords and print them."

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("Demo accounts are for local development only (DEBUG=true).")
        User = get_user_model()
        lines = []
        for username, name, groups in DEMO_STAFF:
            first, _, last = name.partition(" ")
            user, _ = User.objects.get_or_create(username=username)
            user.first_name, user.last_name = first, last
            user.is_staff = True
            user.is_superuser = username == "admin"
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            user.save()
            user.groups.set(Group.objects.filter(name__in=groups))
            # Demo accounts get an authenticator at once; `manage.py demo_totp NAME` prints
            # its current code, so nobody needs an app to try the staff pages.
            device, _ = TOTPDevice.objects.get_or_create(
                user=user, confirmed=True, defaults={"name": "demo authenticator"}
            )
            role = ", ".join(groups) or "superuser"
            lines.append(f"  {username:<6} {password:<18} {role}")
        self.stdout.write("Demo staff logins (new passwords each run), sign in at /staff/login/:")
        self.stdout.write("\n".join(lines))
        self.stdout.write(
            "Second factor: `DEBUG=true .venv/bin/python manage.py demo_totp bob` prints an unused "
            "code of bob's."
        )
