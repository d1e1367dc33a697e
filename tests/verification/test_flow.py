"""The number → code → verified session flow, through the views, with its bad inputs."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from dsar.models import Subject
from tests.conftest import ALICE, MALLORY, Client, last_code, text, verify
from verification.models import PhoneDevice, VerificationLog

pytestmark = pytest.mark.django_db


def test_it_sends_a_code_and_opens_a_verified_session(client, outbox):
    r = client.post("/verify/", {"number": "06 12345678"})
    assert r.status_code == 302 and r.url == "/verify/code/"
    assert len(outbox) == 1
    message = outbox[0]
    assert message.to == ALICE and message.kind == "verification-code"
    assert message.params["code"] in message.text
    r = client.post("/verify/code/", {"code": message.params["code"]})
    assert r.status_code == 302 and r.url == "/my/requests/"
    assert client.get("/my/requests/").status_code == 200
    assert list(VerificationLog.objects.values_list("event", flat=True)) == [
        "requested",
        "sent",
        "verified",
    ]


def test_it_shows_the_number_page(client):
    r = client.get("/verify/")
    assert r.status_code == 200
    assert 'autocomplete="tel"' in r.content.decode()


def test_it_refuses_a_malformed_number_with_a_message_tied_to_the_field(client, outbox):
    r = client.post("/verify/", {"number": "12ab"})
    assert r.status_code == 400
    body = r.content.decode()
    assert 'aria-invalid="true"' in body and 'id="id_number_error"' in body
    assert "Enter a valid mobile phone number" in text(r)
    assert outbox == []


@pytest.mark.parametrize(
    "typed",
    ["1" * 10_000, "06 1234\r\n5678", "06\x0012345678", "+1 202 555 0143", "0900 1234567", ""],
)
def test_it_refuses_bad_numbers_without_sending(client, outbox, typed):
    r = client.post("/verify/", {"number": typed})
    assert r.status_code == 400
    assert outbox == []
    assert PhoneDevice.objects.count() == 0


def test_it_answers_known_and_unknown_numbers_identically(client, outbox):
    Subject.objects.create(number=ALICE)  # we hold data on alice, not on mallory
    # Frozen: the pages show the resend time to the second, the same for both.
    with time_machine.travel(timezone.now(), tick=False):
        known = client.post("/verify/", {"number": ALICE})
        other = Client()
        unknown = other.post("/verify/", {"number": MALLORY})
        assert known.status_code == unknown.status_code == 302
        assert known.url == unknown.url
        page_known = client.get("/verify/code/")
        page_unknown = other.get("/verify/code/")
    assert page_known.status_code == page_unknown.status_code == 200
    strip = lambda r, n: text(r).replace(n, "NUMBER")  # noqa: E731
    assert strip(page_known, "+31 6 12345678") == strip(page_unknown, "+31 6 87654321")
    assert {m.to for m in outbox} == {ALICE, MALLORY}


def test_it_refuses_a_wrong_code(client):
    client.post("/verify/", {"number": ALICE})
    good = last_code(ALICE)
    r = client.post("/verify/code/", {"code": "000000" if good != "000000" else "111111"})
    assert r.status_code == 400
    assert "not right or has expired" in text(r)
    assert client.get("/my/requests/").status_code == 302


@pytest.mark.parametrize("bad", ["12345", "abcdef", "1234567890123", "12\r\n3456", "x" * 10_000])
def test_it_refuses_malformed_codes_without_counting_them(client, bad):
    client.post("/verify/", {"number": ALICE})
    r = client.post("/verify/code/", {"code": bad})
    assert r.status_code == 400
    assert "6-digit code" in text(r)
    assert PhoneDevice.objects.get(number=ALICE).throttling_failure_count == 0


def test_it_accepts_a_code_typed_with_spaces_or_other_digits(client):
    client.post("/verify/", {"number": ALICE})
    code = last_code(ALICE)
    spaced = f"{code[:3]} {code[3:]}"
    arabic = "".join("٠١٢٣٤٥٦٧٨٩"[int(d)] for d in spaced if d != " ")
    r = client.post("/verify/code/", {"code": arabic if len(arabic) == 6 else spaced})
    assert r.status_code == 302


def test_it_refuses_an_expired_code(client):
    client.post("/verify/", {"number": ALICE})
    code = last_code(ALICE)
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        r = client.post("/verify/code/", {"code": code})
    assert r.status_code == 400


def test_it_refuses_a_replayed_code(client):
    client.post("/verify/", {"number": ALICE})
    code = last_code(ALICE)
    assert client.post("/verify/code/", {"code": code}).status_code == 302
    client.post("/sign-out/")
    other = Client()
    other.post("/verify/", {"number": ALICE})  # a new challenge
    r = other.post("/verify/code/", {"code": code})
    assert r.status_code == 400 or last_code(ALICE) == code


def test_it_refuses_a_code_from_another_session(client):
    client.post("/verify/", {"number": ALICE})
    code = last_code(ALICE)
    attacker = Client()
    # The attacker can only reach the code page by asking a code themselves, which
    # rebinds the device to their session within the cooldown only if allowed.
    attacker.post("/verify/", {"number": ALICE})
    r = attacker.post("/verify/code/", {"code": code})
    assert r.status_code == 400
    assert attacker.get("/my/requests/").status_code == 302


def test_it_locks_after_five_wrong_codes_and_a_resend_does_not_reset(client, settings):
    client.post("/verify/", {"number": ALICE})
    code = last_code(ALICE)
    wrong = "000000" if code != "000000" else "111111"
    start = timezone.now()
    for i in range(5):
        with time_machine.travel(start + timedelta(seconds=40 * (i + 1)), tick=False):
            client.post("/verify/code/", {"code": wrong})
    with time_machine.travel(start + timedelta(seconds=300), tick=False):
        r = client.post("/verify/code/", {"code": code})
        assert r.status_code == 400 and "Too many wrong codes" in text(r)
        client.post("/verify/resend/")
        new_code = last_code(ALICE)
    with time_machine.travel(start + timedelta(seconds=400), tick=False):
        r = client.post("/verify/code/", {"code": new_code})
    assert r.status_code == 400 and "Too many wrong codes" in text(r)
    assert PhoneDevice.objects.get(number=ALICE).throttling_failure_count == 5


def test_it_throttles_quick_retries(client):
    client.post("/verify/", {"number": ALICE})
    code = last_code(ALICE)
    wrong = "000000" if code != "000000" else "111111"
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.post("/verify/code/", {"code": wrong})
        r = client.post("/verify/code/", {"code": code})
    assert r.status_code == 400 and "wait" in text(r).lower()
    with time_machine.travel(start + timedelta(seconds=2), tick=False):
        assert client.post("/verify/code/", {"code": code}).status_code == 302


def test_it_does_not_resend_within_the_cooldown(client, outbox):
    client.post("/verify/", {"number": ALICE})
    r = client.post("/verify/resend/")
    assert r.status_code == 302
    assert len(outbox) == 1
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        client.post("/verify/resend/")
    assert len(outbox) == 2


def test_it_limits_codes_per_number(settings, outbox):
    settings.VERIFICATION_RATE_NUMBER = (3, 3600)
    start = timezone.now()
    statuses = []
    for i in range(5):
        with time_machine.travel(start + timedelta(seconds=61 * i), tick=False):
            statuses.append(Client().post("/verify/", {"number": ALICE}).status_code)
    assert statuses == [302, 302, 302, 429, 429]
    assert len(outbox) == 3


def test_it_limits_codes_per_ip(settings, outbox):
    settings.VERIFICATION_RATE_IP = (2, 3600)
    numbers = ["+31611111111", "+31622222222", "+31633333333"]
    statuses = [Client().post("/verify/", {"number": n}).status_code for n in numbers]
    assert statuses == [302, 302, 429]
    assert len(outbox) == 2


def test_it_limits_codes_per_session(settings, client, outbox):
    settings.VERIFICATION_RATE_SESSION = (2, 3600)
    statuses = [
        client.post("/verify/", {"number": n}).status_code
        for n in ["+31611111111", "+31622222222", "+31633333333"]
    ]
    assert statuses == [302, 302, 429]
    assert len(outbox) == 2


def test_it_limits_code_guesses_per_ip_across_numbers(settings):
    settings.VERIFICATION_RATE_VERIFY_IP = (3, 3600)
    statuses = []
    for n in ["+31611111111", "+31622222222", "+31633333333", "+31644444444"]:
        c = Client()
        c.post("/verify/", {"number": n})
        statuses.append(c.post("/verify/code/", {"code": "123456"}).status_code)
    assert statuses[-1] == 429


def test_it_rotates_the_session_key_on_success(client):
    client.post("/verify/", {"number": ALICE})
    before = client.cookies["sessionid"].value
    client.post("/verify/code/", {"code": last_code(ALICE)})
    assert client.cookies["sessionid"].value != before


def test_it_ignores_a_fixed_session_id(client):
    # An attacker plants a session id, the victim verifies: the planted id stays anonymous.
    attacker = Client()
    attacker.get("/verify/")
    attacker.post("/verify/", {"number": MALLORY})
    planted = attacker.cookies["sessionid"].value
    client.cookies["sessionid"] = planted
    client.post("/verify/", {"number": ALICE})
    client.post("/verify/code/", {"code": last_code(ALICE)})
    attacker.cookies["sessionid"] = planted
    assert attacker.get("/my/requests/").status_code == 302


def test_it_ends_the_session_after_15_idle_minutes(alice_client):
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        r = alice_client.get("/my/requests/")
    assert r.status_code == 302 and r.url.startswith("/verify/")


def test_it_ends_the_session_after_one_hour_even_when_active(alice_client):
    start = timezone.now()
    for minutes in range(10, 60, 10):
        with time_machine.travel(start + timedelta(minutes=minutes)):
            assert alice_client.get("/my/requests/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=61)):
        assert alice_client.get("/my/requests/").status_code == 302


def test_it_refuses_a_tampered_marker(alice_client):
    session = alice_client.session
    value = session["verification.subject"]
    session["verification.subject"] = value[:-2] + ("AA" if not value.endswith("AA") else "BB")
    session.save()
    assert alice_client.get("/my/requests/").status_code == 302


def test_it_signs_out(alice_client):
    r = alice_client.post("/sign-out/")
    assert r.status_code == 302
    assert alice_client.get("/my/requests/").status_code == 302


def test_it_refuses_get_on_post_only_endpoints(client):
    assert client.get("/sign-out/").status_code == 405
    assert client.get("/verify/resend/").status_code == 405


def test_it_needs_a_pending_challenge_for_the_code_page(client):
    r = client.get("/verify/code/")
    assert r.status_code == 302 and r.url == "/verify/"


def test_it_enforces_csrf(db, outbox):
    c = Client(enforce_csrf_checks=True)
    assert c.post("/verify/", {"number": ALICE}).status_code == 403
    assert outbox == []


def test_it_ignores_an_offsite_next(client):
    client.post("/verify/", {"number": ALICE, "next": "https://evil.example/"})
    r = client.post("/verify/code/", {"code": last_code(ALICE)})
    assert r.url == "/my/requests/"


def test_it_follows_a_local_next(client):
    client.get("/my/requests/new/")
    client.post("/verify/", {"number": ALICE, "next": "/my/requests/new/"})
    r = client.post("/verify/code/", {"code": last_code(ALICE)})
    assert r.url == "/my/requests/new/"


def test_it_serialises_concurrent_tries_of_one_code(client):
    # A code can be accepted once, whatever the order of two submissions.
    verify(client, ALICE)
    from verification import services

    device = PhoneDevice.objects.get(number=ALICE)
    device.bind("b")
    code = device.issue_code()
    ok = 0
    for _ in range(2):
        try:
            services.confirm_code(
                device_id=device.pk, binding="b", code=code, ip="1.2.3.4", session_key="s"
            )
            ok += 1
        except services.CodeRejected:
            pass
    assert ok == 1


def test_a_refused_request_spends_no_later_bucket(settings, outbox):
    # One address floods: its own bucket refuses it, and the number's and the session's
    # buckets, checked after it, are left for their owners.
    settings.VERIFICATION_RATE_IP = (1, 3600)
    settings.VERIFICATION_RATE_NUMBER = (1, 3600)
    flood = Client(REMOTE_ADDR="203.0.113.9")
    assert flood.post("/verify/", {"number": MALLORY}).status_code == 302
    assert flood.post("/verify/", {"number": ALICE}).status_code == 429
    assert Client(REMOTE_ADDR="192.0.2.1").post("/verify/", {"number": ALICE}).status_code == 302
    assert [m.to for m in outbox] == [MALLORY, ALICE]


def test_a_refused_try_spends_no_later_bucket(settings):
    from verification import services

    settings.VERIFICATION_RATE_VERIFY_IP = (1, 3600)
    settings.VERIFICATION_RATE_VERIFY_SESSION = (2, 3600)
    device = PhoneDevice.objects.create(number=ALICE, name="messaging number")
    device.bind("b")
    code = device.issue_code()
    attempt = {"device_id": device.pk, "binding": "b", "session_key": "s"}
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(services.CodeRejected):
        services.confirm_code(**attempt, code=wrong, ip="203.0.113.9")
    with pytest.raises(services.RateLimited):
        services.confirm_code(**attempt, code=code, ip="203.0.113.9")
    # The address's bucket refused the second try before the session's was touched, so
    # the session has one try left, from another address.
    with time_machine.travel(timezone.now() + timedelta(seconds=2)):
        assert services.confirm_code(**attempt, code=code, ip="192.0.2.1") == ALICE


def test_it_rotates_the_csrf_token_on_verification(db):
    browser = Client(enforce_csrf_checks=True)
    browser.get("/verify/")
    before = browser.cookies["csrftoken"].value
    browser.post("/verify/", {"number": ALICE, "csrfmiddlewaretoken": before})
    r = browser.post("/verify/code/", {"code": last_code(ALICE), "csrfmiddlewaretoken": before})
    assert r.status_code == 302 and r.url == "/my/requests/"
    after = browser.cookies["csrftoken"].value
    assert after != before
    # A token seen before verification (a planted or leaked one) no longer works.
    assert browser.post("/sign-out/", {"csrfmiddlewaretoken": before}).status_code == 403
    assert browser.get("/my/requests/").status_code == 200
    assert browser.post("/sign-out/", {"csrfmiddlewaretoken": after}).status_code == 302


def test_behind_the_proxy_the_limits_count_per_client_not_per_proxy(settings, outbox):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.VERIFICATION_RATE_IP = (1, 3600)

    def via_proxy(address: str) -> Client:
        return Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=address)

    assert via_proxy("198.51.100.7").post("/verify/", {"number": ALICE}).status_code == 302
    assert via_proxy("198.51.100.7").post("/verify/", {"number": MALLORY}).status_code == 429
    assert via_proxy("203.0.113.20").post("/verify/", {"number": MALLORY}).status_code == 302
    assert [m.to for m in outbox] == [ALICE, MALLORY]
