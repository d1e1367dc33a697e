"""PhoneDevice: hashing, expiry, single use, throttling, cooldown (django-otp's own tests too)."""

from datetime import timedelta

import pytest
import time_machine
from django.test import TestCase, override_settings
from django.utils import timezone
from django_otp.test_utils import CooldownTestMixin, ThrottlingTestMixin

from verification.models import PhoneDevice

pytestmark = pytest.mark.django_db


@pytest.fixture
def device():
    return PhoneDevice.objects.create(number="+31612345678", name="messaging number")


def test_it_stores_only_a_hash_of_the_code(device):
    code = device.issue_code()
    device.refresh_from_db()
    assert len(code) == 6 and code.isdigit()
    assert code not in device.token
    assert len(device.token) == 64


def test_it_accepts_the_code_once(device):
    code = device.issue_code()
    assert device.verify_token(code)
    assert not device.verify_token(code)  # replay


def test_it_refuses_an_expired_code(device):
    code = device.issue_code()
    with time_machine.travel(timezone.now() + timedelta(minutes=10, seconds=1)):
        assert not device.verify_token(code)


def test_it_accepts_a_code_just_before_expiry(device):
    code = device.issue_code()
    with time_machine.travel(timezone.now() + timedelta(minutes=9, seconds=59)):
        assert device.verify_token(code)


def test_it_binds_the_code_to_the_binding(device):
    device.bind("session-a")
    code = device.issue_code()
    assert device.binding_matches("session-a")
    assert not device.binding_matches("session-b")
    device.bind("session-b")  # another session asks: the first code no longer works
    assert not device.verify_token(code)


def test_it_kills_the_code_after_five_failures(device):
    code = device.issue_code()
    start = timezone.now()
    for i in range(5):
        with time_machine.travel(start + timedelta(seconds=100 * (i + 1)), tick=False):
            assert not device.verify_token("000000" if code != "000000" else "111111")
    assert device.throttling_failure_count == 5
    with time_machine.travel(start + timedelta(seconds=1000), tick=False):
        assert not device.verify_token(code)
    device.refresh_from_db()
    assert device.token is None


def test_it_imposes_a_growing_delay_after_failures(device):
    code = device.issue_code()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        device.verify_token("999999" if code != "999999" else "888888")
    with time_machine.travel(start + timedelta(seconds=0.5), tick=False):
        assert not device.verify_token(code)  # within 1 s: refused without counting
        assert device.throttling_failure_count == 1
    with time_machine.travel(start + timedelta(seconds=1.1), tick=False):
        device.verify_token("999999" if code != "999999" else "888888")
    allowed, info = device.verify_is_allowed()
    assert not allowed and info["failure_count"] == 2


def test_it_keeps_the_failure_count_when_a_new_code_is_issued(device):
    code = device.issue_code()
    start = timezone.now()
    for i in range(3):
        with time_machine.travel(start + timedelta(seconds=30 * (i + 1)), tick=False):
            device.verify_token("000000" if code != "000000" else "111111")
    with time_machine.travel(start + timedelta(seconds=200), tick=False):
        device.issue_code()
    assert device.throttling_failure_count == 3


def test_it_forgets_failures_after_the_lockout_period(device, settings):
    code = device.issue_code()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        device.verify_token("000000" if code != "000000" else "111111")
    with time_machine.travel(start + timedelta(seconds=settings.VERIFICATION_LOCKOUT + 1)):
        device.issue_code()
    assert device.throttling_failure_count == 0


def test_it_refuses_non_digit_tokens(device):
    device.issue_code()
    for bad in ["", "abcdef", "12345", "1234567", None, "١٢٣٤٥٦"]:
        device.refresh_from_db()
        device.throttle_reset()
        assert not device.verify_token(bad)


class _Common:
    def setUp(self):
        self.device = PhoneDevice.objects.create(number="+31687654321", name="messaging number")
        self._code = self.device.issue_code()

    def valid_token(self):
        if self.device.token is None:
            self._code = self.device.issue_code()
        return self._code

    def invalid_token(self):
        return "000000" if self._code != "000000" else "111111"


@override_settings(MESSAGING_GATEWAY="locmem")
class DjangoOtpThrottlingTests(_Common, ThrottlingTestMixin, TestCase):
    """django-otp's generic throttling tests, run against PhoneDevice."""


@override_settings(MESSAGING_GATEWAY="locmem", VERIFICATION_RESEND_COOLDOWN=10)
class DjangoOtpCooldownTests(_Common, CooldownTestMixin, TestCase):
    """django-otp's generic cooldown tests, run against PhoneDevice."""

    def valid_token(self):
        from verification import gateways

        return gateways.outbox[-1].params["code"]
