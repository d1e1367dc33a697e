"""The embedded default (SQLite, eager Celery) survives customers arriving at once."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("embedded_concurrency.py")
# What points the suite at a server; the embedded default is what runs without them.
SERVERS = {"DATABASE_URL", "CUSTOMER_SERVICE_DATABASE_URL", "CELERY_BROKER_URL"}


def test_eight_parallel_verifications_give_no_server_error(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in SERVERS}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        PYTHONPATH=str(ROOT),
        VAR_DIR=str(tmp_path),
        TEST_MESSAGING_GATEWAY="locmem",
    )
    r = subprocess.run(
        [sys.executable, str(SCRIPT)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    result = json.loads(r.stdout.strip().splitlines()[-1])
    assert result == {"asked": [302] * 8, "typed": [302] * 8}, r.stderr[-3000:]
