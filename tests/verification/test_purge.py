from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from verification import services
from verification.models import PhoneDevice, RateLimit, VerificationLog

pytestmark = pytest.mark.django_db


def test_it_forgets_numbers_that_have_been_idle_for_30_days():
    old = PhoneDevice.objects.create(number="+31611111111", name="n")
    with time_machine.travel(timezone.now() - timedelta(days=31)):
        old.bind("b")
        old.issue_code()
        VerificationLog.objects.create(event="sent", device=old)
        RateLimit.authorize("send-ip", "192.0.2.1", capacity=5, per_seconds=3600)
    recent = PhoneDevice.objects.create(number="+31622222222", name="n")
    recent.bind("b")
    recent.issue_code()
    assert services.purge_stale() == {"devices": 1, "rate_limits": 1}
    assert list(PhoneDevice.objects.values_list("number", flat=True)) == ["+31622222222"]
    assert VerificationLog.objects.get().device is None  # the figure stays, the number goes


def test_it_keeps_a_device_with_recent_failures():
    device = PhoneDevice.objects.create(number="+31611111111", name="n")
    with time_machine.travel(timezone.now() - timedelta(days=40)):
        device.issue_code()
    device.throttle_increment()
    assert services.purge_stale()["devices"] == 0
