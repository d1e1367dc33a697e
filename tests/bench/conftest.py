"""Fixtures for `make bench`: the seeded customer-service databases and a file test database.

- `cs_db`: the demo customer-service data (10,000 subjects / 1,000,000 messages, or
  1,000 / 100,000 with BENCH_SCALE=small), seeded once per session in a fresh process
  into an SQLite FILE under a temporary folder and, when PostgreSQL answers at
  BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres) and
  BENCH_POSTGRES is not "0", into a database created for the run and dropped after it
  (BENCH_PG_SCALE picks its size; default BENCH_SCALE). The data-map figures run against
  these in their own processes (tests/bench/cs_run.py), outside pytest-django's test
  transaction, as the jobs do.
- The portal's own test database is an SQLite file too (tests.settings would give an
  in-memory one), so the queue is timed as it is served.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.bench.cs_run import spawn
from tests.bench.report import SCALES, emit, scale_name

POSTGRES_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def pytest_report_teststatus(report, config):
    """No progress dots: with -s they would start the next JSON line (".{"bench": …}")."""
    if report.passed and report.when == "call":
        return "passed", "", "PASSED"
    if report.skipped:
        return "skipped", "", "SKIPPED"
    return None


@pytest.fixture(scope="session")
def bench_dir():
    path = Path(tempfile.mkdtemp(prefix="dsar-bench-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(bench_dir):
    """The portal's test database as a file in the bench folder (SQLite only)."""
    from django.conf import settings

    default = settings.DATABASES["default"]
    if default["ENGINE"] == "django.db.backends.sqlite3":
        default.setdefault("TEST", {})["NAME"] = str(bench_dir / "portal-test.sqlite3")


def _seed(db: str, url: str, bench_dir: Path, scale: str) -> dict:
    size = SCALES[scale]
    result = spawn(
        "seed", url=url, var_dir=bench_dir, subjects=size["subjects"], messages=size["messages"]
    )
    rows = sum(result["counts"].values())
    emit(
        "seed_demo_customer_service",
        db=db,
        value=result["seconds"],
        unit="s",
        reference=None,
        reference_value=None,
        rows=rows,
        subjects=size["subjects"],
        messages=size["messages"],
        rows_per_s=rows / result["seconds"],
        analyse_s=result["analyse_seconds"],
        scale=scale,
    )
    assert result["counts"]["messages"] == size["messages"]
    return result


def _postgres_admin():
    """A psycopg connection to the maintenance database, or the reason there is none."""
    if os.environ.get("BENCH_POSTGRES", "1") == "0":
        return None, "BENCH_POSTGRES=0"
    import psycopg

    url = os.environ.get("BENCH_POSTGRES_URL", POSTGRES_ADMIN_URL)
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=3), url
    except psycopg.Error as e:
        return None, f"PostgreSQL is not reachable at {urlsplit(url).hostname}: {e}"


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def cs_db(request, bench_dir):
    """{"db", "url", "scale", "counts"} of one seeded customer-service database."""
    if request.param == "sqlite":
        scale = scale_name()
        url = f"sqlite:///{bench_dir / 'customer_service.sqlite3'}"
        result = _seed("sqlite", url, bench_dir, scale)
        yield {"db": "sqlite", "url": url, "scale": scale, "counts": result["counts"]}
        return
    admin, url = _postgres_admin()
    if admin is None:
        pytest.skip(url)
    scale = scale_name("BENCH_PG_SCALE")
    name = f"dsar_bench_cs_{os.getpid()}_{int(time.time())}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        parts = urlsplit(url)
        db_url = urlunsplit(parts._replace(path=f"/{name}"))
        result = _seed("postgresql", db_url, bench_dir, scale)
        yield {"db": "postgresql", "url": db_url, "scale": scale, "counts": result["counts"]}
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
