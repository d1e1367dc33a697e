"""/health/ answers JSON: 200 when the database and the broker answer within a second, 503
naming the one that did not. A server that accepts connections and never answers costs the
probe a second, not a hung gunicorn worker."""

from __future__ import annotations

import json
import time

import pytest

from portal import health
from tests.portal.outage import closed_port, hanging_server, run_portal

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_check_left_running():
    yield
    # A timed-out check finishes on its own timeout; the next test starts afresh.
    for thread in list(health._running.values()):
        thread.join(15)


def test_it_answers_ok_with_the_broker_not_used_in_eager_mode(client):
    r = client.get("/health/")
    assert r.status_code == 200
    assert r["Content-Type"] == "application/json"
    assert r.json() == {
        "status": "ok",
        "failed": [],
        "checks": {"database": "ok", "broker": "not used"},
    }
    assert "no-cache" in r["Cache-Control"]


def test_it_names_a_broker_that_refuses_connections(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"
    r = client.get("/health/")
    assert r.status_code == 503
    body = r.json()
    assert body["status"] == "unavailable" and body["failed"] == ["broker"]
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"].startswith("failed: ")


def test_it_answers_within_two_seconds_when_the_broker_never_answers(client, settings):
    client.get("/health/")  # the first request imports every view: not what is measured
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with hanging_server() as port:
        settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{port}/0"
        started = time.monotonic()
        r = client.get("/health/")
        elapsed = time.monotonic() - started
    assert r.status_code == 503
    assert r.json()["checks"] == {"database": "ok", "broker": "timed out"}
    assert elapsed < 2, f"/health/ took {elapsed:.2f} s"


def test_it_does_not_pile_up_checks_while_the_broker_hangs(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with hanging_server() as port:
        settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{port}/0"
        client.get("/health/")
        first = health._running.get("broker")
        r = client.get("/health/")
        assert health._running.get("broker") is first
    assert r.json()["checks"]["broker"] == "timed out"


def test_it_answers_ok_with_a_real_broker(client, settings):
    import os

    url = os.environ.get("CELERY_BROKER_URL", "")
    if not url.startswith("redis://"):
        pytest.skip("needs CELERY_BROKER_URL=redis://… (.ci/run's second phase)")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = url
    r = client.get("/health/")
    assert r.status_code == 200
    assert r.json()["checks"] == {"database": "ok", "broker": "ok"}


HEALTH = """
import json, time
from django.test import Client
from django.urls import get_resolver
get_resolver().url_patterns  # import every view first: not what is measured
started = time.monotonic()
r = Client(raise_request_exception=False).get("/health/")
print(json.dumps({"status": r.status_code, "body": r.json(), "seconds": time.monotonic() - started}))
"""


def _health_in_production(tmp_path, database_url: str) -> dict:
    r = run_portal(
        HEALTH,
        VAR_DIR=str(tmp_path),
        STATIC_ROOT=str(tmp_path / "static"),
        DATABASE_URL=database_url,
        DATABASE_CONNECT_TIMEOUT="2",
    )
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_it_answers_503_within_two_seconds_when_postgresql_never_answers(tmp_path):
    with hanging_server() as port:
        answer = _health_in_production(tmp_path, f"postgres://dsar@127.0.0.1:{port}/dsar")
    assert answer["status"] == 503
    assert answer["body"]["failed"] == ["database"]
    assert answer["body"]["checks"] == {"database": "timed out", "broker": "not used"}
    assert answer["seconds"] < 2


def test_it_answers_503_when_postgresql_refuses_connections(tmp_path):
    answer = _health_in_production(tmp_path, f"postgres://dsar@127.0.0.1:{closed_port()}/dsar")
    assert answer["status"] == 503
    assert answer["body"]["checks"]["database"] == "failed: OperationalError"
