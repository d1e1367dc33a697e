"""Least privilege on PostgreSQL: an owner role migrates, the application's role may only
read and append the audit trail (`manage.py grant_app_role`, portal/dbroles.py).

A fresh database per module: `migrate` runs with MIGRATE_DATABASE_URL's owner role, then
`grant_app_role`; the checks connect as the application's role. Skipped on SQLite; .ci/run's
second phase runs them."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connections

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    connections["default"].vendor != "postgresql",
    reason="PostgreSQL only (.ci/run's second phase)",
)


def _server() -> dict:
    s = connections["default"].settings_dict
    return {"host": s["HOST"] or "127.0.0.1", "port": s["PORT"] or 5432, "user": s["USER"]}


def _connect(dbname: str, user: str | None = None):
    import psycopg

    server = _server()
    return psycopg.connect(
        host=server["host"],
        port=server["port"],
        user=user or server["user"],
        password=connections["default"].settings_dict["PASSWORD"] if user is None else None,
        dbname=dbname,
        autocommit=True,
        connect_timeout=5,
    )


class Deployment:
    def __init__(self, tmp: Path) -> None:
        suffix = uuid.uuid4().hex[:8]
        self.owner, self.app, self.db = (
            f"dsar_owner_{suffix}",
            f"dsar_app_{suffix}",
            f"dsar_roles_{suffix}",
        )
        self.tmp = tmp

    def url(self, role: str) -> str:
        server = _server()
        return f"postgres://{role}@{server['host']}:{server['port']}/{self.db}"

    def manage(self, *args: str, role: str | None = None) -> subprocess.CompletedProcess:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
        env = {
            **base,
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "DEBUG": "true",
            "VAR_DIR": str(self.tmp),
            "DATABASE_URL": self.url(role or self.app),
            "MIGRATE_DATABASE_URL": self.url(self.owner),
            "CUSTOMER_SERVICE_DATABASE_URL": f"sqlite:///{self.tmp / 'cs.sqlite3'}",
        }
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )


@pytest.fixture(scope="module")
def deployment(tmp_path_factory, django_db_blocker):
    with django_db_blocker.unblock():
        d = Deployment(tmp_path_factory.mktemp("roles"))
        with _connect("postgres") as admin:
            admin.execute(f'CREATE ROLE "{d.owner}" LOGIN')
            admin.execute(f'CREATE ROLE "{d.app}" LOGIN')
            admin.execute(f'CREATE DATABASE "{d.db}" OWNER "{d.owner}"')
        try:
            r = d.manage("migrate", "--noinput")
            assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
            r = d.manage("grant_app_role", d.app)
            assert r.returncode == 0, r.stderr[-3000:]
            d.granted = r.stdout
            yield d
        finally:
            with _connect("postgres") as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{d.db}" WITH (FORCE)')
                admin.execute(f'DROP ROLE IF EXISTS "{d.app}"')
                admin.execute(f'DROP ROLE IF EXISTS "{d.owner}"')


def test_migrate_runs_as_the_owner_role(deployment):
    with _connect(deployment.db) as conn:
        owners = conn.execute(
            "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
    assert owners == [(deployment.owner,)]
    assert "but on dsar_auditevent only SELECT and INSERT" in deployment.granted


APPEND = """
from django.db import transaction
from dsar import audit
for n in range(3):
    with transaction.atomic():
        audit.record(None, "portal.test.app_role", data={"n": n})
"""


def test_the_app_role_appends_to_and_reads_the_trail(deployment):
    r = deployment.manage("shell", "-c", APPEND)
    assert r.returncode == 0, r.stderr[-3000:]
    r = deployment.manage("verify_audit")
    assert r.returncode == 0 and "chain intact" in r.stdout, r.stdout + r.stderr
    with _connect(deployment.db, user=deployment.app) as conn:
        conn.execute(
            "INSERT INTO dsar_auditevent (seq, action, actor_kind, data, created_at, "
            "prev_hash, hash) VALUES (1000, 'portal.test.raw', 'system', '{}', now(), 'x', 'y')"
        )
        assert conn.execute("SELECT count(*) FROM dsar_auditevent").fetchone()[0] >= 4


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE dsar_auditevent SET action = 'forged'",
        "DELETE FROM dsar_auditevent",
        "TRUNCATE dsar_auditevent",
        "ALTER TABLE dsar_auditevent DISABLE TRIGGER dsar_auditevent_no_update_delete",
        "ALTER TABLE dsar_auditevent DISABLE TRIGGER ALL",
        "DROP TRIGGER dsar_auditevent_no_update_delete ON dsar_auditevent",
        "CREATE TRIGGER t BEFORE INSERT ON dsar_auditevent "
        "FOR EACH ROW EXECUTE FUNCTION dsar_audit_append_only()",
        "DROP TABLE dsar_auditevent",
        "SELECT * FROM dsar_auditevent FOR UPDATE",
    ],
)
def test_the_app_role_cannot_change_or_empty_the_trail(deployment, statement):
    import psycopg

    with _connect(deployment.db, user=deployment.app) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(statement)


def test_the_app_role_has_ordinary_rights_on_the_other_tables(deployment):
    with _connect(deployment.db, user=deployment.app) as conn:
        conn.execute(
            "INSERT INTO django_session (session_key, session_data, expire_date) "
            "VALUES ('roles-test', 'x', now())"
        )
        conn.execute(
            "UPDATE django_session SET session_data = 'y' WHERE session_key = 'roles-test'"
        )
        conn.execute("DELETE FROM django_session WHERE session_key = 'roles-test'")


def test_grant_app_role_refuses_the_owner_and_an_unknown_role(deployment):
    r = deployment.manage("grant_app_role", deployment.owner)
    assert r.returncode != 0 and "must be another one" in r.stderr
    r = deployment.manage("grant_app_role", "no_such_role_here")
    assert r.returncode != 0 and "There is no role no_such_role_here" in r.stderr
