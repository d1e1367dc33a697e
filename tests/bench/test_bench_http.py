"""Issue 11: requests per second through gunicorn, each next to a bare Django view.

gunicorn runs as deployed (deploy/gunicorn.conf.py, WEB_CONCURRENCY=3 sync workers) with
DEBUG=false, the Redis broker (BENCH_BROKER_URL, default database 11; a private queue that
no worker reads, emptied afterwards) and TRUSTED_PROXY_COUNT=1, against the bench's portal
database (an SQLite file, or PostgreSQL when DATABASE_URL says so). URL conf and static
files: tests/bench/http_settings.py. The bare view (`/bench/bare/`, "ok") passes the same
middleware. The load: BENCH_HTTP_CLIENTS processes (4), each one request at a time on a
fresh connection, for BENCH_HTTP_SECONDS (5) per figure (tests/bench/http_load.py).

- `http_landing`: GET / (goal ≥ 0.6× the bare view);
- `http_code_send`: POST /verify/ as a new customer sends it: CSRF cookie and token, no
  session yet, a distinct number and client address each, so the rate limits do not
  refuse (they are still spent); the code goes to the broker (goal ≥ 0.3×);
- `http_code_check`: POST /verify/code/ with the right code, each from its own session
  that asked for a code (made beforehand, as the send leaves them) (goal ≥ 0.4×).
The figure's `ratio` is the page's requests/s over the bare view's, measured right before
it (so above 1 means faster here, unlike the other benches' time ratios).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from tests.bench import http_load
from tests.bench.report import emit
from tests.worker import _db_url
from verification import session as subject_session
from verification.models import PhoneDevice, _digest

# Committed data, no test transaction: SQLite's write lock must stay free for gunicorn.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(900)]

ROOT = Path(__file__).resolve().parents[2]
SECONDS = float(os.environ.get("BENCH_HTTP_SECONDS", "5"))
CLIENTS = int(os.environ.get("BENCH_HTTP_CLIENTS", "4"))
BROKER = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/11")
PORT = int(os.environ.get("BENCH_HTTP_PORT", "18311"))
CHECK_SESSIONS = 6000


def _redis():
    import redis

    client = redis.Redis.from_url(BROKER, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as e:
        pytest.skip(f"the HTTP bench needs Redis at {BROKER}: {e}")
    return client


def _wait_until_up(port: int, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"gunicorn stopped: {log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/bare/", timeout=2) as r:  # noqa: S310
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"gunicorn did not answer: {log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker, bench_dir):
    broker = _redis()
    queue = f"bench-http-{os.getpid()}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.bench.http_settings",
        "DEBUG": "false",
        "SECRET_KEY": settings.SECRET_KEY,  # the sessions and codes made here must verify there
        "DSAR_SUPPRESSION_KEY": "bench-suppression-key-not-secret",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "TRUSTED_PROXY_COUNT": "1",
        "DATABASE_URL": _db_url("default"),
        "CUSTOMER_SERVICE_DATABASE_URL": _db_url("customer_service"),
        "CELERY_BROKER_URL": BROKER,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "MESSAGING_GATEWAY": "sms",
        "SMS_ACCOUNT_SID": "bench",
        "SMS_AUTH_TOKEN": "bench",
        "SMS_FROM": "+3197000000000",
        "WEB_CONCURRENCY": "3",
        "PORT": str(PORT),
        "LOG_LEVEL": "WARNING",
        "VAR_DIR": str(bench_dir / "http-var"),
        "PYTHONPATH": str(ROOT),
    }
    log = bench_dir / "gunicorn.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "portal.wsgi:application",
             "--config", "deploy/gunicorn.conf.py", "--access-logfile", "/dev/null"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        _wait_until_up(PORT, proc, log)
        csrf = _csrf_token(PORT)
        yield {"port": PORT, "csrf": csrf, "sessions": [], "first_number": 0, "log": log}
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        broker.delete(queue)


def _csrf_token(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/verify/", timeout=5) as r:  # noqa: S310
        for header in r.headers.get_all("Set-Cookie"):
            if header.startswith("csrftoken="):
                return header.split(";", 1)[0].split("=", 1)[1]
    raise AssertionError("no CSRF cookie on /verify/")


def _check_sessions(count: int) -> list[tuple[str, str]]:
    """`count` sessions that each asked for a code to their own number, and the code: what
    POST /verify/ leaves behind once the worker has sent the code."""
    now = timezone.now()
    bindings = [secrets.token_urlsafe(24) for _ in range(count)]
    devices = PhoneDevice.objects.bulk_create(
        [
            PhoneDevice(
                number=f"+3162{i:07d}",
                name="messaging number",
                binding=_digest("binding", binding),
                last_generated_timestamp=now,
            )  # fmt: skip
            for i, binding in enumerate(bindings)
        ],
        batch_size=1000,
    )
    codes = [f"{secrets.randbelow(10**6):06d}" for _ in devices]
    for device, code in zip(devices, codes, strict=True):
        device.token = device._hash(code)
        device.valid_until = now + timedelta(hours=1)
    PhoneDevice.objects.bulk_update(devices, ["token", "valid_until"], batch_size=1000)
    store = SessionStore()
    rows, keys = [], []
    for device, binding in zip(devices, bindings, strict=True):
        key = secrets.token_hex(16)
        pending = {
            "number": device.number, "binding": binding, "device_id": device.pk,
            "resend_at": (now + timedelta(seconds=60)).timestamp(), "next": "/my/requests/",
        }  # fmt: skip
        data = store.encode({subject_session.PENDING: pending})
        rows.append(
            Session(session_key=key, session_data=data, expire_date=now + timedelta(hours=8))
        )
        keys.append(key)
    Session.objects.bulk_create(rows, batch_size=1000)
    return list(zip(keys, codes, strict=True))


def _figure(server, name: str, kind: str, expected: int, goal: float, **limits) -> None:
    # Warm-up of every worker: the bare view, and the page (not the code check, whose
    # sessions are used once; code sends to numbers the measured run does not use).
    http_load.run("bare", server, seconds=1, clients=CLIENTS)
    if kind != "check":
        http_load.run(kind, {**server, "first_number": 5_000_000}, seconds=1, clients=CLIENTS)
    bare = http_load.run("bare", server, seconds=SECONDS, clients=CLIENTS)
    page = http_load.run(kind, server, seconds=SECONDS, clients=CLIENTS, **limits)
    assert set(bare["statuses"]) == {200}, bare
    assert set(page["statuses"]) == {expected}, (page, server["log"].read_text()[-3000:])
    line = emit(
        name,
        db=_db_url("default").split(":", 1)[0],
        value=page["per_s"],
        unit="requests/s",
        reference="bare_django_view",
        reference_value=bare["per_s"],
        goal_ratio=goal,
        requests=page["requests"],
        reference_requests=bare["requests"],
        clients=CLIENTS,
        workers=3,
        seconds=SECONDS,
    )
    assert line["ratio"] is not None


def test_landing(server):
    _figure(server, "http_landing", "landing", 200, 0.6)


def test_code_send(server):
    _figure(server, "http_code_send", "send", 302, 0.3)


def test_code_check(server):
    server["sessions"] = _check_sessions(CHECK_SESSIONS)
    _figure(server, "http_code_check", "check", 302, 0.4, limit=CHECK_SESSIONS)
