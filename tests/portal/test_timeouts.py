"""Every network call has a timeout: PostgreSQL, the Redis broker, the message gateway and
SMTP, each from the environment. A database that accepts connections and never answers
fails a customer's request with the portal's 503 page within seconds, not after gunicorn's
30-second kill."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.db import connections

from tests.portal.outage import hanging_server, run_portal

SHOW_DATABASES = """
import json
from django.conf import settings
print(json.dumps({alias: db.get("OPTIONS", {}) for alias, db in settings.DATABASES.items()}))
"""


def _options(tmp_path, **env: str) -> dict:
    r = run_portal(
        SHOW_DATABASES,
        VAR_DIR=str(tmp_path),
        DATABASE_URL="postgres://dsar@db.example:5432/dsar",
        CUSTOMER_SERVICE_DATABASE_URL="postgres://reader@cs.example:5432/cs",
        **env,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_it_gives_postgresql_a_connect_and_a_statement_timeout(tmp_path):
    options = _options(tmp_path)
    assert options["default"] == {"connect_timeout": 5, "options": "-c statement_timeout=30000"}
    assert options["customer_service"] == {
        "connect_timeout": 5,
        "options": "-c statement_timeout=300000",
    }


def test_it_reads_the_database_timeouts_from_the_environment(tmp_path):
    options = _options(
        tmp_path,
        DATABASE_CONNECT_TIMEOUT="3",
        DATABASE_STATEMENT_TIMEOUT="0",
        CUSTOMER_SERVICE_STATEMENT_TIMEOUT="60",
    )
    # 0: no statement timeout from us (behind PgBouncer, set it on the role instead).
    assert options["default"] == {"connect_timeout": 3}
    assert options["customer_service"]["options"] == "-c statement_timeout=60000"


@pytest.mark.django_db
def test_postgresql_applies_the_statement_timeout():
    if connections["default"].vendor != "postgresql":
        pytest.skip("PostgreSQL only (.ci/run's second phase)")
    with connections["default"].cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == f"{settings.DATABASE_STATEMENT_TIMEOUT}s"


def test_the_broker_has_socket_and_connect_timeouts():
    from portal.celery import app

    options = app.conf.broker_transport_options
    assert options["socket_timeout"] == options["socket_connect_timeout"] == 3
    assert options["socket_keepalive"] is True
    assert app.conf.broker_connection_timeout == 3
    assert app.conf.task_publish_retry_policy["max_retries"] == 1


def test_the_gateway_and_smtp_have_timeouts():
    assert settings.MESSAGING_TIMEOUT == 10
    assert settings.EMAIL_TIMEOUT == 10


SHOW_SMTP = """
import json
from django.core.mail import get_connection
c = get_connection()
print(json.dumps([c.host, c.port, c.username, c.password, c.use_tls, c.use_ssl, c.timeout]))
"""


def test_it_reads_the_smtp_server_from_the_environment(tmp_path):
    r = run_portal(
        SHOW_SMTP,
        VAR_DIR=str(tmp_path),
        EMAIL_HOST="smtp.example.com",
        EMAIL_PORT="587",
        EMAIL_HOST_USER="portal",
        EMAIL_HOST_PASSWORD="pw",
        EMAIL_USE_TLS="true",
        EMAIL_TIMEOUT="7",
    )
    assert r.returncode == 0, r.stderr[-3000:]
    assert json.loads(r.stdout.strip().splitlines()[-1]) == [
        "smtp.example.com",
        587,
        "portal",
        "pw",
        True,
        False,
        7,
    ]


def test_it_refuses_both_starttls_and_ssl(tmp_path):
    r = run_portal("", VAR_DIR=str(tmp_path), EMAIL_USE_TLS="true", EMAIL_USE_SSL="true")
    assert r.returncode != 0 and "not both" in r.stderr


CUSTOMER_REQUEST = """
import json, time
from django.test import Client
from django.urls import get_resolver
get_resolver().url_patterns  # import every view first: not what is measured
started = time.monotonic()
r = Client(raise_request_exception=False).post(
    "/verify/", {"number": "+31612345678"}, HTTP_ACCEPT_LANGUAGE="nl"
)
print(json.dumps({"status": r.status_code, "retry": r.get("Retry-After"),
                  "html": r.content.decode(), "seconds": time.monotonic() - started}))
"""


def test_a_customer_gets_a_503_page_within_seconds_when_postgresql_hangs(tmp_path):
    with hanging_server() as port:
        r = run_portal(
            CUSTOMER_REQUEST,
            VAR_DIR=str(tmp_path),
            STATIC_ROOT=str(tmp_path / "static"),
            DATABASE_URL=f"postgres://dsar@127.0.0.1:{port}/dsar",
            DATABASE_CONNECT_TIMEOUT="2",
        )
    assert r.returncode == 0, r.stderr[-3000:]
    answer = json.loads(r.stdout.strip().splitlines()[-1])
    assert answer["status"] == 503 and answer["retry"] == "120"
    assert '<html lang="nl">' in answer["html"] and "Tijdelijk niet beschikbaar" in answer["html"]
    # psycopg's connect timeout is at least 2 s; one attempt, then the page.
    assert answer["seconds"] < 4, answer["seconds"]
