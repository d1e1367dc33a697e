"""The code-send and code-check paths are light: pinned statement counts (issue 11, item 6).

Counted as production runs them: the code is sent by a worker (the broker is mocked, so the
eager task does not run in the request), and the SAVEPOINT lines the test's own transaction
adds are left out. Before: a code send was 20 statements (28 with savepoints, 36 with the
send) and a refused one 7; each bucket was a SELECT … FOR UPDATE, an INSERT and an UPDATE.
Now each bucket is one INSERT … ON CONFLICT DO UPDATE … RETURNING, spent only until the
first refuses, and the service's statements run in one transaction.
"""

import threading
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dsar.models import Subject
from tests.conftest import ALICE, MALLORY, Client, last_code
from verification.models import RateLimit
from verification.tasks import send_code_task

pytestmark = pytest.mark.django_db

SEND = 10  # session: SELECT, INSERT; 3 buckets; device: INSERT, SELECT, UPDATE; log; session UPDATE
SEND_AGAIN = 9  # the session exists: one SELECT instead of SELECT + INSERT
SEND_REFUSED = 5  # session: SELECT, INSERT; the refusing bucket; log; session UPDATE
CHECK_WRONG = 7  # session SELECT; 2 buckets; device SELECT, UPDATE; log; failure-cap COUNT
CHECK_RIGHT = 11  # session SELECT; 2 buckets; device SELECT, UPDATE; log; new session key (5)
CHECK_REFUSED = 2  # session SELECT; the refusing bucket


def _statements(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]


def _post(client, url, data, **extra) -> tuple[int, list[str]]:
    with mock.patch.object(send_code_task, "apply_async"):
        with CaptureQueriesContext(connection) as ctx:
            r = client.post(url, data, **extra)
    return r.status_code, _statements(ctx)


def _shape(statements: list[str]) -> list[str]:
    """Verb and table of each statement, without values."""
    shapes = []
    for sql in statements:
        words = sql.replace('"', "").split()
        table = next((w for w in words if w.startswith(("verification_", "django_"))), "")
        shapes.append(f"{words[0]} {table}")
    return shapes


def test_a_code_send_is_ten_statements(client):
    status, statements = _post(client, "/verify/", {"number": ALICE})
    assert status == 302
    assert len(statements) == SEND, "\n".join(statements)
    assert sum("verification_ratelimit" in s for s in statements) == 3
    # Again from the same session after the cooldown: the session row exists.
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        status, statements = _post(client, "/verify/", {"number": ALICE})
    assert status == 302
    assert len(statements) == SEND_AGAIN, "\n".join(statements)


def test_the_service_runs_in_one_transaction(client):
    with mock.patch.object(send_code_task, "apply_async"):
        with CaptureQueriesContext(connection) as ctx:
            client.post("/verify/", {"number": ALICE})
    sql = [q["sql"] for q in ctx.captured_queries]
    first = next(i for i, s in enumerate(sql) if "verification_ratelimit" in s)
    last = max(i for i, s in enumerate(sql) if "verification_verificationlog" in s)
    inside = sql[first : last + 1]
    # From the first bucket to the log line: no savepoint (inside a test) nor commit between.
    assert not any("SAVEPOINT" in s for s in inside)
    assert sql[first - 1].startswith("SAVEPOINT") and sql[last + 1].startswith("RELEASE")


def test_a_known_and_an_unknown_number_take_the_same_statements():
    Subject.objects.create(number=ALICE)  # we hold data on alice, not on mallory
    _, known = _post(Client(), "/verify/", {"number": ALICE})
    _, unknown = _post(Client(), "/verify/", {"number": MALLORY})
    assert _shape(known) == _shape(unknown)
    # A number that asked before (its device exists) too, after the resend cooldown.
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        _, again = _post(Client(), "/verify/", {"number": MALLORY})
    assert _shape(again) == _shape(unknown)


def test_a_refused_send_stops_at_the_first_bucket(settings):
    settings.VERIFICATION_RATE_IP = (1, 3600)
    assert _post(Client(), "/verify/", {"number": ALICE})[0] == 302
    buckets = {b.key: (b.tokens, b.stamp) for b in RateLimit.objects.all()}
    status, statements = _post(Client(), "/verify/", {"number": MALLORY})
    assert status == 429
    assert len(statements) == SEND_REFUSED, "\n".join(statements)
    # The address's bucket refused: no session or number bucket was made or spent, and
    # the refusing bucket itself is unchanged.
    assert {b.key: (b.tokens, b.stamp) for b in RateLimit.objects.all()} == buckets


def test_checking_a_code_is_light(client):
    assert _post(client, "/verify/", {"number": ALICE})[0] == 302
    from verification import services
    from verification.models import PhoneDevice

    services.send_pending_code(device_id=PhoneDevice.objects.get().pk, language="en")
    code = last_code(ALICE)
    status, statements = _post(
        client, "/verify/code/", {"code": "000000" if code != "000000" else "1" * 6}
    )
    assert status == 400
    assert len(statements) == CHECK_WRONG, "\n".join(statements)
    with time_machine.travel(timezone.now() + timedelta(seconds=2)):
        status, statements = _post(client, "/verify/code/", {"code": code})
    assert status == 302
    assert len(statements) == CHECK_RIGHT, "\n".join(statements)


def test_a_refused_check_stops_at_the_first_bucket(client, settings):
    assert _post(client, "/verify/", {"number": ALICE})[0] == 302
    settings.VERIFICATION_RATE_VERIFY_IP = (1, 3600)
    assert _post(client, "/verify/code/", {"code": "123456"})[0] == 400
    buckets = RateLimit.objects.count()
    status, statements = _post(client, "/verify/code/", {"code": "123456"})
    assert status == 429
    assert len(statements) == CHECK_REFUSED, "\n".join(statements)
    assert RateLimit.objects.count() == buckets


def test_a_bucket_refills_and_a_refusal_changes_nothing():
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert [RateLimit.authorize("t", "v", capacity=5, per_seconds=3600) for _ in range(6)] == [
            True, True, True, True, True, False,
        ]  # fmt: skip
        before = RateLimit.objects.values_list("tokens", "stamp", "updated").get()
        assert RateLimit.authorize("t", "v", capacity=5, per_seconds=3600) is False
        assert RateLimit.objects.values_list("tokens", "stamp", "updated").get() == before
    # One token back after a fifth of the hour, not before.
    with time_machine.travel(start + timedelta(minutes=11), tick=False):
        assert RateLimit.authorize("t", "v", capacity=5, per_seconds=3600) is False
    with time_machine.travel(start + timedelta(minutes=12, seconds=1), tick=False):
        assert RateLimit.authorize("t", "v", capacity=5, per_seconds=3600) is True
        assert RateLimit.authorize("t", "v", capacity=5, per_seconds=3600) is False
    # A full hour later the bucket is full again, never fuller.
    with time_machine.travel(start + timedelta(hours=5), tick=False):
        spent = [RateLimit.authorize("t", "v", capacity=5, per_seconds=3600) for _ in range(6)]
    assert spent == [True] * 5 + [False]


@pytest.mark.django_db(transaction=True)
def test_concurrent_spends_never_overdraw_a_bucket():
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent connections (PostgreSQL, in .ci/run)")
    barrier = threading.Barrier(8)
    results: list[bool] = []

    def spend():
        barrier.wait()
        try:
            results.append(RateLimit.authorize("t", "shared", capacity=5, per_seconds=3600))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=spend) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results) == [False] * 3 + [True] * 5
