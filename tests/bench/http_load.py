"""A small HTTP load client for the bench: processes (not threads: no shared GIL) that each
send one request at a time on a fresh connection (gunicorn's sync workers close it) until
the deadline, and count answers by status. Requests come from `make_request(kind, n)`:
each request can differ (a number, an address, a session), as customers' do."""

from __future__ import annotations

import multiprocessing
import socket
import time
from collections import Counter
from urllib.parse import urlencode


def make_request(kind: str, n: int, ctx: dict) -> bytes:
    host = f"127.0.0.1:{ctx['port']}"
    # A distinct client address per request, through the one trusted proxy.
    xff = f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"
    head = {"Host": host, "X-Forwarded-For": xff, "Connection": "close"}
    body = b""
    if kind in ("bare", "landing"):
        method, path = "GET", "/bench/bare/" if kind == "bare" else "/"
    elif kind == "send":
        method, path = "POST", "/verify/"
        number = f"+3161{ctx['first_number'] + n:07d}"
        body = urlencode({"csrfmiddlewaretoken": ctx["csrf"], "number": number}).encode()
        head["Cookie"] = f"csrftoken={ctx['csrf']}"
    elif kind == "check":
        method, path = "POST", "/verify/code/"
        session, code = ctx["sessions"][n]
        body = urlencode({"csrfmiddlewaretoken": ctx["csrf"], "code": code}).encode()
        head["Cookie"] = f"csrftoken={ctx['csrf']}; sessionid={session}"
    else:
        raise ValueError(kind)
    if body:
        head["Content-Type"] = "application/x-www-form-urlencoded"
        head["Content-Length"] = str(len(body))
    lines = [f"{method} {path} HTTP/1.1", *(f"{k}: {v}" for k, v in head.items()), "", ""]
    return "\r\n".join(lines).encode() + body


def _one(port: int, request: bytes) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(request)
        chunks = []
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    status_line = b"".join(chunks).split(b"\r\n", 1)[0]
    return int(status_line.split()[1])


def _client(kind: str, ctx: dict, start: int, step: int, deadline: float, limit: int, out) -> None:
    counts: Counter = Counter()
    n = start
    while time.time() < deadline and n < limit:
        counts[_one(ctx["port"], make_request(kind, n, ctx))] += 1
        n += step
    out.put((dict(counts), time.time()))


def run(kind: str, ctx: dict, *, seconds: float, clients: int, limit: int = 10**9) -> dict:
    """Requests per second of `kind` for `seconds` with `clients` concurrent clients."""
    mp = multiprocessing.get_context("spawn")
    out = mp.Queue()
    start_at = time.time() + 1.0  # after the processes have started
    deadline = start_at + seconds
    procs = [
        mp.Process(target=_delayed, args=(kind, ctx, i, clients, start_at, deadline, limit, out))
        for i in range(clients)
    ]
    for p in procs:
        p.start()
    results = [out.get(timeout=seconds + 120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    elapsed = max(finished for _, finished in results) - start_at
    statuses: Counter = Counter()
    for counts, _ in results:
        statuses.update(counts)
    total = sum(statuses.values())
    return {
        "requests": total,
        "seconds": elapsed,
        "per_s": total / elapsed,
        "statuses": dict(statuses),
    }


def _delayed(kind, ctx, start, step, start_at, deadline, limit, out) -> None:
    time.sleep(max(0.0, start_at - time.time()))
    _client(kind, ctx, start, step, deadline, limit, out)
