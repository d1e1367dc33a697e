"""The code send outlives the broker: the device row is the outbox, the sweeper the retry.

With the broker down, asking for a code answers as usual and leaves the send pending; the
sweeper hands it to a worker once it has sat past VERIFICATION_SEND_GRACE_SECONDS, and it
goes out exactly once. A send asked for longer ago than a code lives is dropped, not sent.
"""

from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.utils import timezone
from kombu.exceptions import OperationalError

from tests.conftest import ALICE, MALLORY, Client, committed, last_code
from verification import services
from verification.models import PhoneDevice, VerificationLog
from verification.tasks import send_block_notice_task, send_code_task

pytestmark = pytest.mark.django_db


def broker_down(task=send_code_task):
    return mock.patch.object(
        task, "apply_async", side_effect=OperationalError("Error 111 connecting: refused")
    )


def _sweep(at) -> int:
    with time_machine.travel(at, tick=False), committed():
        return services.resend_pending()


def _codes(outbox) -> int:
    return sum(m.kind == "verification-code" for m in outbox)


def test_asking_for_a_code_with_the_broker_down_answers_as_usual(client, outbox, caplog):
    with broker_down():
        r = client.post("/verify/", {"number": ALICE})
    # The same answer as with the broker up: the code page, no error.
    assert r.status_code == 302 and r.url == "/verify/code/"
    assert client.get("/verify/code/").status_code == 200
    device = PhoneDevice.objects.get(number=ALICE)
    assert device.send_pending and outbox == []
    assert "left for the sweeper" in caplog.text


def test_the_sweeper_sends_a_pending_code_exactly_once(client, outbox, settings):
    settings.VERIFICATION_SEND_GRACE_SECONDS = 30
    start = timezone.now()
    with time_machine.travel(start, tick=False), broker_down():
        client.post("/verify/", {"number": ALICE}, HTTP_ACCEPT_LANGUAGE="nl")
    # Within the grace period it is left to the broker's own delivery.
    assert _sweep(start + timedelta(seconds=20)) == 0
    assert outbox == []
    # The broker is back: the sweeper hands it over, in the language it was asked in.
    assert _sweep(start + timedelta(seconds=40)) == 1
    assert _codes(outbox) == 1 and outbox[0].language == "nl"
    assert not PhoneDevice.objects.get(number=ALICE).send_pending
    # Later passes, and the original task arriving late, send nothing more.
    assert _sweep(start + timedelta(seconds=80)) == 0
    with time_machine.travel(start + timedelta(seconds=90), tick=False):
        send_code_task(PhoneDevice.objects.get(number=ALICE).pk, "nl")
    assert _codes(outbox) == 1
    # And the code works in the session that asked for it.
    with time_machine.travel(start + timedelta(seconds=100), tick=False):
        r = client.post("/verify/code/", {"code": last_code(ALICE)})
    assert r.status_code == 302 and r.url == "/my/requests/"


def test_a_sweeper_hand_over_lost_too_waits_another_grace_period(client, outbox, settings):
    settings.VERIFICATION_SEND_GRACE_SECONDS = 30
    start = timezone.now()
    with time_machine.travel(start, tick=False), broker_down():
        client.post("/verify/", {"number": ALICE})
    with broker_down():
        assert _sweep(start + timedelta(seconds=31)) == 1  # handed over, and lost again
    assert _sweep(start + timedelta(seconds=50)) == 0  # not every pass: its grace again
    assert _sweep(start + timedelta(seconds=62)) == 1
    assert _codes(outbox) == 1


def test_a_code_asked_for_longer_ago_than_it_lives_is_dropped_not_sent(client, outbox, settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False), broker_down():
        client.post("/verify/", {"number": ALICE})
        Client().post("/verify/", {"number": MALLORY})
    late = start + timedelta(seconds=settings.VERIFICATION_CODE_VALIDITY + 1)
    # The broker delivers MALLORY's task late (it kept it): nothing is sent either.
    with time_machine.travel(late, tick=False):
        send_code_task(PhoneDevice.objects.get(number=MALLORY).pk, "en")
    assert _sweep(late) == 0
    assert outbox == []
    assert not PhoneDevice.objects.filter(send_pending=True).exists()
    assert VerificationLog.objects.filter(event="send_failed").count() == 2
    # The customer simply asks again, and that code goes out.
    with time_machine.travel(late + timedelta(seconds=1), tick=False):
        assert client.post("/verify/resend/").status_code == 302
    assert _codes(outbox) == 1


def test_a_block_notice_outlives_the_broker_too(outbox, settings):
    device = PhoneDevice.objects.create(number=ALICE, name="messaging number")
    start = timezone.now()
    with time_machine.travel(start, tick=False), broker_down(send_block_notice_task), committed():
        services._block(device)
    assert PhoneDevice.objects.get(pk=device.pk).notice_pending and outbox == []
    assert _sweep(start + timedelta(seconds=settings.VERIFICATION_SEND_GRACE_SECONDS + 1)) == 1
    assert [m.kind for m in outbox] == ["verification-blocked"]
    assert _sweep(start + timedelta(minutes=5)) == 0
    assert len(outbox) == 1


def test_the_dsar_sweeper_runs_the_verification_outbox(client, outbox, settings):
    from dsar.tasks import requeue_stale_jobs_task

    start = timezone.now()
    with time_machine.travel(start, tick=False), broker_down():
        client.post("/verify/", {"number": ALICE})
    later = start + timedelta(seconds=settings.VERIFICATION_SEND_GRACE_SECONDS + 1)
    with time_machine.travel(later, tick=False), committed():
        requeue_stale_jobs_task()
    assert _codes(outbox) == 1
