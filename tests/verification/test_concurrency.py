"""Two submissions of one code at the same moment: exactly one wins (row lock)."""

import threading

import pytest
from django.db import connection, connections

from verification import services
from verification.models import PhoneDevice

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_accepts_a_code_once_under_concurrency():
    if connection.vendor != "postgresql":
        pytest.skip("needs row locks across connections (PostgreSQL, in .ci/run)")
    device = PhoneDevice.objects.create(number="+31612345678", name="messaging number")
    device.bind("b")
    device.save()
    code = device.issue_code()
    barrier = threading.Barrier(4)
    results: list[str] = []

    def attempt():
        barrier.wait()
        try:
            services.confirm_code(
                device_id=device.pk, binding="b", code=code, ip="192.0.2.1", session_key="s"
            )
            results.append("ok")
        except services.VerificationError:
            results.append("rejected")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results) == ["ok", "rejected", "rejected", "rejected"]
