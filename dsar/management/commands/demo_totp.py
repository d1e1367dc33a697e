"""Print the current TOTP code of a demo staff account (development only).

Staff sign in with a password and an authenticator code; in the demo you can ask this
command instead of setting up an app: `DEBUG=true .venv/bin/python manage.py demo_totp bob`
(`make run` sets DEBUG for its own commands; a fresh shell needs it). A code works once: when
the code of this 30-second window was already used, the command waits for the next window.
"""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def seconds_until_unused(device: TOTPDevice, now: float) -> float:
    """How long until the device's code is one it has not accepted yet (0: now)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = now
    if totp.t() > device.last_t:
        return 0.0
    # The first moment of the step after the last one used.
    starts = (device.last_t + 1 - device.drift) * device.step + device.t0
    return max(0.0, starts - now)


class Command(BaseCommand):
    help = "Print an unused authenticator code of a demo staff account (DEBUG only)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")

    def handle(self, *args, username: str, **options) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "Only for local development: DEBUG=true .venv/bin/python manage.py demo_totp "
                f"{username}"
            )
        user = get_user_model().objects.filter(username=username).first()
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() if user else None
        if device is None:
            raise CommandError(f"No demo account {username!r} with an authenticator.")
        wait = seconds_until_unused(device, time.time())
        if wait:
            self.stderr.write(
                f"This window's code was already used; the next one comes in {math.ceil(wait)} s."
            )
            time.sleep(wait + 0.05)
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():0{device.digits}d}")
