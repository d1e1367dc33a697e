"""Sending the code: a temporary gateway failure keeps it sendable; no lock while sending."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from tests.conftest import ALICE, last_code
from verification import gateways, services
from verification.models import PhoneDevice, VerificationLog

pytestmark = pytest.mark.django_db

locmem_send = gateways.LocmemGateway.send


@pytest.fixture
def flaky(monkeypatch):
    """The locmem gateway, failing temporarily the first `failures[0]` times."""
    failures = [1]

    def send(self, message):
        if failures[0] > 0:
            failures[0] -= 1
            raise gateways.TemporaryFailure("whatsapp: HTTP 503 after 3 attempts")
        return locmem_send(self, message)

    monkeypatch.setattr(gateways.LocmemGateway, "send", send)
    return failures


def _pending_device() -> PhoneDevice:
    device = PhoneDevice.objects.create(number=ALICE, name="messaging number")
    device.bind("b")
    return device


def test_a_temporary_failure_leaves_the_code_sendable(flaky, outbox):
    device = _pending_device()
    with pytest.raises(gateways.TemporaryFailure):
        services.send_pending_code(device_id=device.pk, language="en")
    device.refresh_from_db()
    assert device.send_pending
    assert outbox == []

    assert services.send_pending_code(device_id=device.pk, language="en") is True
    assert [m.kind for m in outbox] == ["verification-code"]
    device.refresh_from_db()
    assert not device.send_pending
    assert services.confirm_code(
        device_id=device.pk, binding="b", code=last_code(ALICE), ip="192.0.2.1", session_key="s"
    )


def test_a_permanent_failure_drops_the_send(monkeypatch, outbox):
    def refuse(self, message):
        raise gateways.PermanentFailure("sms: refused with HTTP 400, Twilio error 21211")

    monkeypatch.setattr(gateways.LocmemGateway, "send", refuse)
    device = _pending_device()
    assert services.send_pending_code(device_id=device.pk, language="en") is False
    device.refresh_from_db()
    assert not device.send_pending
    assert VerificationLog.objects.filter(event="send_failed").count() == 1


def test_a_temporary_failure_does_not_fail_the_customers_request(client, flaky, outbox):
    r = client.post("/verify/", {"number": ALICE})
    assert r.status_code == 302 and r.url == "/verify/code/"
    assert outbox == []
    assert PhoneDevice.objects.get(number=ALICE).send_pending
    # The send is still pending: the re-send after the cooldown delivers a code.
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        assert client.post("/verify/resend/").status_code == 302
        r = client.post("/verify/code/", {"code": last_code(ALICE)})
    assert r.status_code == 302 and r.url == "/my/requests/"


def test_a_worker_retries_a_temporary_failure(flaky, outbox):
    from verification.tasks import send_code_task

    device = _pending_device()
    # Called as a worker would (not eagerly): the failure goes to Celery's retry.
    with pytest.raises(gateways.TemporaryFailure):
        send_code_task(device.pk, "en")
    send_code_task(device.pk, "en")
    assert [m.kind for m in outbox] == ["verification-code"]


@pytest.mark.django_db(transaction=True)
def test_no_transaction_or_row_lock_is_held_while_the_gateway_sends(monkeypatch, outbox):
    device = _pending_device()
    seen = {}

    def lock_from_elsewhere():
        # Another worker (another connection) must be able to lock the row at once.
        try:
            with transaction.atomic():
                PhoneDevice.objects.select_for_update(nowait=True).get(pk=device.pk)
            seen["elsewhere"] = "locked"
        except DatabaseError as e:
            seen["elsewhere"] = f"refused: {e}"
        finally:
            connections.close_all()

    def send(self, message):
        seen["in_transaction"] = connection.in_atomic_block
        if connection.vendor == "postgresql":
            other = threading.Thread(target=lock_from_elsewhere)
            other.start()
            other.join(timeout=10)
        return locmem_send(self, message)

    monkeypatch.setattr(gateways.LocmemGateway, "send", send)
    assert services.send_pending_code(device_id=device.pk, language="en") is True
    assert seen["in_transaction"] is False
    if connection.vendor == "postgresql":
        assert seen["elsewhere"] == "locked"
    assert len(outbox) == 1
