"""What `/health/` asks: do the database and the broker answer, each within a second.

Each check runs in its own daemon thread, so a server that accepts connections but never
answers costs the probe one second, not a gunicorn worker. A check still running from an
earlier probe is not started again (a hung server does not pile up threads); its own
timeouts (DATABASE_CONNECT_TIMEOUT, CELERY_BROKER_TIMEOUT) end it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import connections

OK = "ok"
NOT_USED = "not used"
TIMED_OUT = "timed out"

_running: dict[str, threading.Thread] = {}
_lock = threading.Lock()


def check_database() -> str:
    """`SELECT 1` on a fresh connection of this thread, closed afterwards."""
    connection = connections["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()
    return OK


def check_broker() -> str:
    """Connect to the Celery broker (Redis answers a PING); eager mode has none."""
    url = settings.CELERY_BROKER_URL
    if settings.CELERY_TASK_ALWAYS_EAGER or url.startswith("memory://"):
        return NOT_USED
    from portal.celery import app

    with app.connection_for_write(url) as conn:
        # One attempt, with the transport's socket timeouts (CELERY_BROKER_TIMEOUT).
        conn.ensure_connection(max_retries=0)
    return OK


CHECKS: dict[str, Callable[[], str]] = {"database": check_database, "broker": check_broker}


def run_checks(timeout: float = 1.0) -> dict[str, str]:
    """Every check's answer ("ok", "not used", "timed out" or "failed: <error>")."""
    results = dict.fromkeys(CHECKS, TIMED_OUT)

    def run(name: str, check: Callable[[], str]) -> None:
        try:
            results[name] = check()
        except Exception as e:
            results[name] = f"failed: {type(e).__name__}"
        finally:
            with _lock:
                _running.pop(name, None)

    threads = []
    with _lock:
        for name, check in CHECKS.items():
            if name in _running:
                continue
            thread = threading.Thread(
                target=run, args=(name, check), name=f"health-{name}", daemon=True
            )
            _running[name] = thread
            threads.append(thread)
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return dict(results)
