"""The deployment files name real commands, and the README documents every setting.

deploy/Procfile (honcho, `make run-full`) and the systemd units start the same three
processes: gunicorn on portal.wsgi:application, `celery -A portal worker` and `celery -A
portal beat`. README's "Configuration" tables list every variable portal/settings.py and
deploy/gunicorn.conf.py read, and nothing else."""

from __future__ import annotations

import importlib
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent
UNITS = {"web": "dsar-web.service", "worker": "dsar-worker.service", "beat": "dsar-beat.service"}
EXPECTED = {
    "web": ["gunicorn", "portal.wsgi:application", "--config", "deploy/gunicorn.conf.py"],
    "worker": ["celery", "-A", "portal", "worker"],
    "beat": ["celery", "-A", "portal", "beat"],
}


def procfile() -> dict[str, list[str]]:
    processes = {}
    for line in (DEPLOY / "Procfile").read_text().splitlines():
        if m := re.match(r"^([A-Za-z0-9_-]+):\s*(.+)$", line):
            processes[m[1]] = shlex.split(m[2])
    return processes


def unit(name: str) -> dict[str, list[str]]:
    entries: dict[str, list[str]] = {}
    for line in (DEPLOY / name).read_text().splitlines():
        if "=" in line and not line.lstrip().startswith(("#", "[")):
            key, _, value = line.partition("=")
            entries.setdefault(key.strip(), []).append(value.strip())
    return entries


def test_the_procfile_starts_web_worker_and_beat():
    processes = procfile()
    assert set(processes) == {"web", "worker", "beat"}
    for name, argv in processes.items():
        assert argv[: len(EXPECTED[name])] == EXPECTED[name], argv


@pytest.mark.parametrize("process", ["web", "worker", "beat"])
def test_each_unit_runs_the_procfile_command_from_the_virtualenv(process):
    entries = unit(UNITS[process])
    (exec_start,) = entries["ExecStart"]
    argv = shlex.split(exec_start)
    assert argv[0] == f"/srv/dsar/.venv/bin/{EXPECTED[process][0]}"
    assert argv[1 : len(EXPECTED[process])] == EXPECTED[process][1:]
    # The same flags as the Procfile, with systemd's values for its shell defaults.
    flags = {a.split("=")[0] for a in argv if a.startswith("--")}
    assert flags == {a.split("=")[0] for a in procfile()[process] if a.startswith("--")}
    assert entries["WorkingDirectory"] == ["/srv/dsar"]
    assert entries["EnvironmentFile"] == ["/etc/dsar/dsar.env"]
    assert entries["User"] == ["dsar"] and entries["Restart"] == ["on-failure"]


def test_the_units_set_every_variable_they_use():
    for name in UNITS.values():
        entries = unit(name)
        used = set(re.findall(r"\$\{([A-Z_]+)\}", " ".join(entries["ExecStart"])))
        defaults = {v.split("=")[0] for v in entries.get("Environment", [])}
        assert used <= defaults, f"{name}: {used - defaults} may be unset"


def test_the_commands_and_modules_exist():
    for executable in ("gunicorn", "celery", "honcho"):
        assert (BIN / executable).exists(), executable
    module, _, attribute = "portal.wsgi:application".partition(":")
    assert callable(getattr(importlib.import_module(module), attribute))
    from celery import Celery

    assert isinstance(importlib.import_module("portal.celery").app, Celery)


def _env(tmp_path) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    return {**base, "DEBUG": "true", "VAR_DIR": str(tmp_path)}


def test_gunicorn_loads_the_portal_with_the_deploy_config(tmp_path):
    argv = procfile()["web"]
    r = subprocess.run(
        [str(BIN / argv[0]), *argv[1:], "--check-config"],
        cwd=ROOT,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_celery_finds_the_portal_app_and_its_beat_schedule(tmp_path):
    r = subprocess.run(
        [str(BIN / "celery"), "-A", "portal", "inspect", "--help"],
        cwd=ROOT,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    from portal.celery import app

    assert "dsar-requeue-stale-jobs" in app.conf.beat_schedule


def test_the_example_environment_file_is_production_ready():
    example = dict(
        line.split("=", 1)
        for line in (DEPLOY / "dsar.env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert example["DEBUG"] == "false"
    assert example["DATABASE_URL"].startswith("postgres://dsar_app")
    assert example["MIGRATE_DATABASE_URL"].startswith("postgres://dsar_owner")
    assert example["CELERY_BROKER_URL"].startswith("redis://")
    assert set(example) <= documented_variables(), set(example) - documented_variables()


def test_the_proxy_example_sends_the_headers_the_portal_trusts():
    nginx = (DEPLOY / "nginx.conf.example").read_text()
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in nginx
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in nginx


# --- the README's table of variables -----------------------------------------------------

READS = re.compile(
    r"""\b(?:env(?:str|bool|int|list)|os\.environ\.get|os\.getenv)\(\s*["']([A-Z][A-Z0-9_]*)["']"""
    r"""|os\.environ\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\]"""
)


def variables_read(path: Path) -> set[str]:
    return {a or b for a, b in READS.findall(path.read_text())}


def variables_used() -> set[str]:
    names = variables_read(ROOT / "portal/settings.py") | variables_read(
        DEPLOY / "gunicorn.conf.py"
    )
    # The Procfile's shell defaults: ${CELERY_CONCURRENCY:-2}.
    return names | set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", (DEPLOY / "Procfile").read_text()))


def documented_variables() -> set[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for line in section.splitlines():
        if line.startswith("| ") and not line.startswith("| ---"):
            first_cell = line.split("|")[1]
            names |= set(re.findall(r"`([A-Z][A-Z0-9_]*)`", first_cell))
    return names


def test_it_finds_what_settings_read():
    # The parser itself: one-line and multi-line calls, every helper.
    sample = 'A = envstr("ONE")\nB = envint(\n    "TWO", 3)\nC = os.environ.get("THREE")\n'
    path = Path(__file__).with_name("settings_sample.tmp")
    try:
        path.write_text(sample)
        assert variables_read(path) == {"ONE", "TWO", "THREE"}
    finally:
        path.unlink()
    assert {"SECRET_KEY", "DATABASE_STATEMENT_TIMEOUT", "DSAR_SUPERVISORY_AUTHORITY_URL"} <= (
        variables_used()
    )


def test_the_readme_documents_every_variable_the_settings_read():
    missing = variables_used() - documented_variables()
    assert not missing, f"README's Configuration tables lack: {sorted(missing)}"


def test_the_readme_documents_no_variable_nobody_reads():
    unknown = documented_variables() - variables_used()
    assert not unknown, f"README documents variables nothing reads: {sorted(unknown)}"
