"""Create a member of staff (or update one) and print a one-time authenticator enrolment link.

    manage.py create_staff anna --role privacy-staff --role approver --name "Anna de Wit"

A new account gets a random password, printed once; an existing one keeps its password
unless --new-password is given. Roles are replaced only when --role is given. The link
works once, for ENROLMENT_LINK_HOURS (24), with the password; running the command again
for the same person issues a new link (the old one stops working), also to replace a lost
authenticator. Every link is audited (portal.enrolment.issued, via "command").
"""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from portal import enrolment, roles

ROLE_NAMES = {
    "privacy-staff": roles.PRIVACY_STAFF,
    "approver": roles.APPROVERS,
    "manager": roles.MANAGERS,
}


class Command(BaseCommand):
    help = "Create or update a staff account and print a one-time authenticator enrolment link."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--role", action="append", choices=sorted(ROLE_NAMES), default=None, dest="roles"
        )
        parser.add_argument("--name", default=None, help="first and last name")
        parser.add_argument("--email", default=None)
        parser.add_argument(
            "--new-password", action="store_true", help="give an existing account a new password"
        )

    def handle(self, *args, username: str, **options) -> None:
        User = get_user_model()
        with transaction.atomic():
            user, created = User.objects.get_or_create(username=username)
            if not user.is_active and not created:
                raise CommandError(f"{username} is deactivated; activate the account first.")
            password = None
            if created or options["new_password"]:
                password = secrets.token_urlsafe(15)
                user.set_password(password)
            if options["name"] is not None:
                first, _, last = options["name"].strip().partition(" ")
                user.first_name, user.last_name = first, last
            if options["email"] is not None:
                user.email = options["email"]
            user.is_staff = True
            user.save()
            if options["roles"] is not None:
                names = {ROLE_NAMES[r] for r in options["roles"]}
                user.groups.set(Group.objects.filter(name__in=names))
            link, url = enrolment.issue_link(user=user, by=None)
        self.stdout.write(f"{'Created' if created else 'Updated'} staff account {username}.")
        if password:
            self.stdout.write(f"Password (shown once): {password}")
        until = timezone.localtime(link.expires_at).strftime("%Y-%m-%d %H:%M")
        self.stdout.write(f"Enrolment link (one use, until {until}): {url}")
        self.stdout.write(
            "Give the link and the password through different channels you trust. The person "
            "opens the link, signs in with the password and sets up their authenticator app."
        )
