"""`manage.py demo_totp bob`: an unused code, from a fresh shell."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from dsar.management.commands import demo_totp

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


@pytest.fixture
def device(bob):
    return TOTPDevice.objects.create(user=bob, name="demo", confirmed=True)


def _totp(device):
    return TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)


def test_it_prints_the_current_code(settings, device):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("demo_totp", "bob", stdout=out)
    assert out.getvalue().strip() == f"{_totp(device).token():06d}"


def test_it_waits_for_the_next_window_when_this_ones_code_was_used(settings, device, monkeypatch):
    settings.DEBUG = True
    start = 1_800_000_010  # 10 s into a 30-second window
    with time_machine.travel(start, tick=False) as traveller:
        used = _totp(device)
        device.last_t, used_code = used.t(), f"{used.token():06d}"
        device.save()
        slept = []

        def sleep(seconds):
            slept.append(seconds)
            traveller.shift(seconds)

        monkeypatch.setattr(demo_totp.time, "sleep", sleep)
        out, err = io.StringIO(), io.StringIO()
        call_command("demo_totp", "bob", stdout=out, stderr=err)
        assert 20 <= slept[0] <= 20.1
        assert "already used" in err.getvalue()
        code = out.getvalue().strip()
        assert code != used_code
        # The code it printed is one the sign-in accepts.
        assert device.verify_token(code)


def test_it_says_how_to_run_it_without_debug(settings, device):
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=true .venv/bin/python manage.py demo_totp bob"):
        call_command("demo_totp", "bob")


def test_the_readme_command_runs_in_a_fresh_shell(tmp_path):
    # A shell with nothing set but the PATH and what the README's command sets: it gets as
    # far as the (here empty) database, not stopping at "SECRET_KEY must be set".
    readme = (ROOT / "README.md").read_text()
    assert "DEBUG=true .venv/bin/python manage.py demo_totp bob" in readme
    env = {"PATH": os.environ.get("PATH", ""), "DEBUG": "true", "VAR_DIR": str(tmp_path)}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "demo_totp", "bob"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert "SECRET_KEY" not in result.stderr
    assert "no such table" in result.stderr
