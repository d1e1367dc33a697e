"""Run a real Celery worker process against the test database and the configured broker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

from portal.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent


def _db_url(alias: str) -> str:
    s = connections[alias].settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{s['NAME']}"
    return f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def require_worker_tests() -> None:
    if os.environ.get("CELERY_WORKER_TESTS") != "1":
        pytest.skip(
            "real-worker test: set CELERY_WORKER_TESTS=1 with PostgreSQL and Redis (.ci/run does)"
        )
    if connections["default"].vendor != "postgresql":
        pytest.fail("CELERY_WORKER_TESTS=1 needs DATABASE_URL pointing at PostgreSQL")


@contextmanager
def celery_worker(extra_env: dict[str, str] | None = None, *, pool: str = "solo"):
    """Start `celery worker` on a private queue; the test process sends to it (not eager).

    Yields the Popen; kills the worker afterwards. The worker uses the test databases.
    `pool="prefork"` runs one child process under the worker, as production does.
    """
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": _db_url("default"),
        "CUSTOMER_SERVICE_DATABASE_URL": _db_url("customer_service"),
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "PYTHONPATH": str(ROOT),
        **(extra_env or {}),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            f"--pool={pool}",
            "--concurrency=1",
            "--loglevel=INFO",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"{queue}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    old = (celery_app.conf.task_always_eager, celery_app.conf.task_default_queue)
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    settings.CELERY_TASK_ALWAYS_EAGER = False
    try:
        yield proc
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = old
        settings.CELERY_TASK_ALWAYS_EAGER = True
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def wait_for(predicate, *, timeout: float = 60, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")
