"""Run by test_embedded_database.py in a fresh process on a file SQLite database: eight
customers at once ask for a code, then all eight type it at once. Prints the statuses.

Each thread has its own database connection, as the threads of `runserver` or gunicorn do.
"""

import json
import threading

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402

from verification import gateways  # noqa: E402

CUSTOMERS = 8


def at_once(step) -> list[int]:
    barrier = threading.Barrier(CUSTOMERS)
    statuses = [0] * CUSTOMERS

    def run(i: int) -> None:
        try:
            barrier.wait()
            statuses[i] = step(i).status_code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(CUSTOMERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return statuses


def main() -> None:
    call_command("migrate", verbosity=0)
    connections.close_all()
    numbers = [f"+3161000{i:04d}" for i in range(CUSTOMERS)]
    clients = []
    for i in range(CUSTOMERS):
        client = Client(REMOTE_ADDR=f"198.51.100.{i + 1}", HTTP_HOST="localhost")
        client.raise_request_exception = False
        clients.append(client)

    asked = at_once(lambda i: clients[i].post("/verify/", {"number": numbers[i]}))
    codes = {m.to: m.params["code"] for m in gateways.outbox}
    typed = at_once(
        lambda i: clients[i].post("/verify/code/", {"code": codes.get(numbers[i], "000000")})
    )
    print(json.dumps({"asked": asked, "typed": typed}))


main()
