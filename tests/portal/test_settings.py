"""Production settings: `check --deploy` is clean, unsafe gateways are refused at start-up."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k3y-" + "x7Qp9rT2vW5yZ8bC1dF4gH6jK0mN3sU" * 2,
    "DSAR_SUPPRESSION_KEY": "supp-" + "q8Wn3Lr6Tz1Xc4Vb7Mk0Hj2Gf5Ds9Ap" * 2,
    "ALLOWED_HOSTS": "privacy.example.com",
    "MESSAGING_GATEWAY": "whatsapp",
    "WHATSAPP_PHONE_NUMBER_ID": "1234567890",
    "WHATSAPP_ACCESS_TOKEN": "token",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "MESSAGING", "DEBUG"))
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "portal.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_passes_the_deployment_checks_without_warnings(tmp_path):
    # A deployment runs collectstatic (52 s with compression): its manifest stands in here.
    (tmp_path / "staticfiles").mkdir()
    (tmp_path / "staticfiles" / "staticfiles.json").write_text('{"paths": {}, "version": "1.1"}')
    r = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        VAR_DIR=str(tmp_path),
        STATIC_ROOT=str(tmp_path / "staticfiles"),
        **PRODUCTION,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "no issues (0 silenced)" in r.stdout


@pytest.mark.parametrize("gateway", ["console", "file", ""])
def test_it_refuses_a_development_gateway_in_production(tmp_path, gateway):
    r = manage("check", VAR_DIR=str(tmp_path), **{**PRODUCTION, "MESSAGING_GATEWAY": gateway})
    assert r.returncode != 0
    assert "is for local development only" in r.stderr


def test_it_refuses_a_gateway_without_credentials(tmp_path):
    env = {**PRODUCTION, "MESSAGING_GATEWAY": "sms"}
    r = manage("check", VAR_DIR=str(tmp_path), **env)
    assert r.returncode != 0 and "SMS_ACCOUNT_SID" in r.stderr


def test_it_needs_a_secret_key_in_production(tmp_path):
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    r = manage("check", VAR_DIR=str(tmp_path), **env)
    assert r.returncode != 0 and "SECRET_KEY must be set" in r.stderr


def test_it_needs_a_suppression_key_in_production(tmp_path):
    env = {k: v for k, v in PRODUCTION.items() if k != "DSAR_SUPPRESSION_KEY"}
    r = manage("check", VAR_DIR=str(tmp_path), **env)
    assert r.returncode != 0 and "DSAR_SUPPRESSION_KEY must be set" in r.stderr
    r = manage("check", VAR_DIR=str(tmp_path), **{**env, "DSAR_SUPPRESSION_KEY": "short"})
    assert r.returncode != 0 and "at least 32 random characters" in r.stderr


def test_it_refuses_an_unreadable_boolean(tmp_path):
    r = manage("check", VAR_DIR=str(tmp_path), **{**PRODUCTION, "DEBUG": "maybe"})
    assert r.returncode != 0 and "DEBUG must be true or false" in r.stderr
