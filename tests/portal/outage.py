"""Servers that fail the way production's do: a closed port, and one that never answers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Enough for portal.settings with DEBUG=false (tests/portal/test_settings.py).
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k3y-" + "x7Qp9rT2vW5yZ8bC1dF4gH6jK0mN3sU" * 2,
    "DSAR_SUPPRESSION_KEY": "supp-" + "q8Wn3Lr6Tz1Xc4Vb7Mk0Hj2Gf5Ds9Ap" * 2,
    "ALLOWED_HOSTS": "testserver,privacy.example.com",
    "MESSAGING_GATEWAY": "whatsapp",
    "WHATSAPP_PHONE_NUMBER_ID": "1234567890",
    "WHATSAPP_ACCESS_TOKEN": "token",
    "SECURE_SSL_REDIRECT": "false",
}


def closed_port() -> int:
    """A local port nothing listens on: connecting is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def hanging_server() -> Iterator[int]:
    """A local port that accepts connections and never sends a byte (a hung PostgreSQL or
    Redis: the TCP handshake succeeds, the protocol does not). Yields the port."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except (TimeoutError, OSError):
                continue
            held.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(2)
        for conn in held:
            conn.close()
        server.close()


def run_portal(code: str, *, timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
    """Run `code` in a fresh Python with portal.settings (production unless `env` says
    otherwise) after django.setup()."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "MESSAGING", "DEBUG", "DATABASE_URL", "CELERY_"))
    }
    prelude = "import django\ndjango.setup()\n"
    return subprocess.run(
        [sys.executable, "-c", prelude + code],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "portal.settings", **PRODUCTION, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
