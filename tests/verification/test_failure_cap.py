"""The number's failure cap, and tries from sessions the code was not sent to.

An attacker rotates sessions and addresses and waits out every short lock; the cap counts
every wrong code for the number, whatever the session, and nothing but time refills it.
"""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tests.conftest import ALICE, Client, committed, last_code, text
from verification import services
from verification.models import PhoneDevice, VerificationLog

pytestmark = pytest.mark.django_db


def _ask(round_: int) -> str:
    """A new session asks for a code to ALICE; returns its binding."""
    binding = f"binding-{round_}"
    with committed():
        services.start_verification(
            number=ALICE, binding=binding, ip=f"198.51.100.{round_ + 1}", session_key=f"s{round_}"
        )
    return binding


def _try(binding: str, code: str, round_: int = 0) -> str:
    # A rejection commits its count (and the owner's notice) before it is raised.
    with committed():
        return services.confirm_code(
            device_id=PhoneDevice.objects.get(number=ALICE).pk,
            binding=binding,
            code=code,
            ip=f"198.51.100.{round_ + 1}",
            session_key=f"s{round_}",
        )


def _wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def _guess_five(start, round_: int) -> None:
    """Round `round_`, 20 minutes apart (past the 15-minute lock): a code, five wrong tries."""
    at = start + timedelta(minutes=20 * round_)
    with time_machine.travel(at, tick=False):
        binding = _ask(round_)
        code = last_code(ALICE)
    for i in range(5):
        with time_machine.travel(at + timedelta(seconds=40 * (i + 1)), tick=False):
            with pytest.raises(services.CodeRejected):
                _try(binding, _wrong(code), round_)


def _codes(outbox) -> int:
    return sum(m.kind == "verification-code" for m in outbox)


def test_it_blocks_the_number_for_a_day_after_20_wrong_codes(outbox):
    start = timezone.now()
    for round_ in range(4):
        _guess_five(start, round_)

    device = PhoneDevice.objects.get(number=ALICE)
    blocked_at = start + timedelta(minutes=60, seconds=200)
    assert device.blocked_until == blocked_at + timedelta(days=1)
    assert device.token is None
    assert VerificationLog.objects.filter(event="blocked").count() == 1
    # The owner is told on the channel, once, without a code.
    notices = [m for m in outbox if m.kind == "verification-blocked"]
    assert len(notices) == 1 and notices[0].to == ALICE
    assert "wrong codes" in notices[0].text and "nobody got in" in notices[0].text
    assert _codes(outbox) == 4

    # No code for a day, whoever asks.
    with time_machine.travel(blocked_at + timedelta(hours=23), tick=False):
        with pytest.raises(services.Blocked) as refused:
            _ask(9)
    assert "we send no codes to it until" in refused.value.message
    assert _codes(outbox) == 4

    # After the day, the owner gets a code that works.
    with time_machine.travel(blocked_at + timedelta(days=1, minutes=1), tick=False):
        binding = _ask(10)
        assert _try(binding, last_code(ALICE), 10) == ALICE


def test_a_new_code_or_a_right_one_does_not_reset_the_cap(outbox):
    start = timezone.now()
    for round_ in range(3):
        _guess_five(start, round_)
    # Four more wrong tries and then the owner's right code: 19 failures so far.
    at = start + timedelta(minutes=60)
    with time_machine.travel(at, tick=False):
        binding = _ask(3)
        code = last_code(ALICE)
    for i in range(4):
        with time_machine.travel(at + timedelta(seconds=40 * (i + 1)), tick=False):
            with pytest.raises(services.CodeRejected):
                _try(binding, _wrong(code), 3)
    with time_machine.travel(at + timedelta(seconds=200), tick=False):
        assert _try(binding, code, 3) == ALICE
    assert not PhoneDevice.objects.get(number=ALICE).is_blocked()

    # One more wrong code, with a fresh one, reaches the cap.
    at += timedelta(minutes=20)
    with time_machine.travel(at, tick=False):
        binding = _ask(4)
        code = last_code(ALICE)
    with time_machine.travel(at + timedelta(seconds=40), tick=False):
        with pytest.raises(services.CodeRejected) as refused:
            _try(binding, _wrong(code), 4)
    assert "we send no codes to it until" in refused.value.message
    with time_machine.travel(at + timedelta(seconds=80), tick=False):
        with pytest.raises(services.CodeRejected):
            _try(binding, code, 4)
    assert PhoneDevice.objects.get(number=ALICE).is_blocked(at + timedelta(hours=23))


def test_it_never_opens_a_session_for_a_guesser_through_the_pages(outbox):
    """The attack of issue 10: a new session every 20 minutes, five guesses each."""
    start = timezone.now()
    statuses = []
    for round_ in range(6):
        at = start + timedelta(minutes=20 * round_)
        attacker = Client(REMOTE_ADDR=f"198.51.100.{round_ + 1}")
        with time_machine.travel(at, tick=False):
            r = attacker.post("/verify/", {"number": ALICE})
            statuses.append(r.status_code)
        if r.status_code != 302:
            break
        for i in range(5):
            with time_machine.travel(at + timedelta(seconds=40 * (i + 1)), tick=False):
                r = attacker.post("/verify/code/", {"code": _wrong(last_code(ALICE))})
                assert r.status_code == 400
                assert attacker.get("/my/requests/").status_code == 302
    assert statuses == [302, 302, 302, 302, 429]
    assert "we send no codes to it until" in text(r)
    assert [m.kind for m in outbox].count("verification-blocked") == 1


def test_tries_from_another_session_leave_the_owner_alone(outbox):
    binding = _ask(0)
    code = last_code(ALICE)
    device = PhoneDevice.objects.get(number=ALICE)
    start = timezone.now()
    for i in range(12):
        with time_machine.travel(start + timedelta(seconds=20 * (i + 1)), tick=False):
            with pytest.raises(services.CodeRejected):
                services.confirm_code(
                    device_id=device.pk,
                    binding="someone-else",
                    code=f"{i:06d}",
                    ip="203.0.113.9",
                    session_key="intruder",
                )
    device.refresh_from_db()
    assert device.throttling_failure_count == 0 and device.token is not None
    with time_machine.travel(start + timedelta(seconds=300), tick=False):
        assert _try(binding, code) == ALICE


def test_tries_from_another_session_count_against_that_session(settings):
    settings.VERIFICATION_RATE_VERIFY_SESSION = (3, 3600)
    _ask(0)
    device = PhoneDevice.objects.get(number=ALICE)
    errors = []
    for i in range(4):
        try:
            services.confirm_code(
                device_id=device.pk,
                binding="someone-else",
                code="123456",
                ip=f"203.0.113.{i + 1}",  # a new address each time: the session still counts
                session_key="intruder",
            )
        except services.VerificationError as e:
            errors.append(type(e).__name__)
    assert errors == ["CodeRejected", "CodeRejected", "CodeRejected", "RateLimited"]


def test_an_intruder_cannot_lock_the_owner_out_through_the_pages(client):
    client.post("/verify/", {"number": ALICE})
    code = last_code(ALICE)
    # Within the resend cooldown the intruder's request sends nothing and binds nothing.
    intruder = Client(REMOTE_ADDR="203.0.113.9")
    assert intruder.post("/verify/", {"number": ALICE}).status_code == 302
    start = timezone.now()
    for i in range(5):
        with time_machine.travel(start + timedelta(seconds=20 * (i + 1)), tick=False):
            assert intruder.post("/verify/code/", {"code": f"{i:06d}"}).status_code == 400
    with time_machine.travel(start + timedelta(seconds=120), tick=False):
        r = client.post("/verify/code/", {"code": code})
    assert r.status_code == 302 and r.url == "/my/requests/"
    assert PhoneDevice.objects.get(number=ALICE).throttling_failure_count == 0
