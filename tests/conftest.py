"""Personas and shared fixtures.

- alice: a customer (subject) with the number ALICE; sees only her own requests.
- mallory: another customer (MALLORY) who tries to reach alice's requests.
- bob: privacy staff, prepares responses.
- carol: approver (and privacy staff); may approve what someone else prepared.
- maria: manager, reads everything, changes nothing.
- dave: staff without any role.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client as DjangoClient
from django.test import TestCase

from portal import roles
from verification import gateways

ALICE = "+31612345678"
MALLORY = "+31687654321"


def committed():
    """A block that commits as production does: what it enqueues on commit (the tasks) runs
    at its end. Django's on-commit callbacks never run inside a test's transaction; this
    runs them (TestCase.captureOnCommitCallbacks), so a task runs after the service's
    transaction, not inside it. Do not nest it, nor wrap a `Client` request in it."""
    return TestCase.captureOnCommitCallbacks(execute=True)


class Client(DjangoClient):
    """A test client whose every request commits, as each request does in production: what
    the request enqueues on commit (sending a code, running a job) runs when it returns."""

    def request(self, **request):
        with committed():
            return super().request(**request)


@pytest.fixture
def client():
    return Client()


@pytest.fixture(autouse=True)
def outbox():
    gateways.outbox.clear()
    yield gateways.outbox
    gateways.outbox.clear()


@pytest.fixture(autouse=True)
def _english_between_tests():
    # LocaleMiddleware leaves the last request's language active in the thread.
    from django.utils import translation

    translation.activate("en")
    yield
    translation.activate("en")


def last_code(to: str) -> str:
    """The code in the newest verification message to `to` (locmem gateway)."""
    for message in reversed(gateways.outbox):
        if message.to == to and message.kind == "verification-code":
            return message.params["code"]
    raise AssertionError(f"no code was sent to {to}")


def verify(client, number: str, typed: str | None = None) -> None:
    """Walk the real verification flow for `number` with the test client."""
    r = client.post("/verify/", {"number": typed or number})
    assert r.status_code == 302, r.content[:500]
    r = client.post("/verify/code/", {"code": last_code(number)})
    assert r.status_code == 302, r.content[:500]


@pytest.fixture
def alice_client(client, db):
    verify(client, ALICE)
    return client


@pytest.fixture
def mallory_client(db):
    c = Client()
    verify(c, MALLORY)
    return c


def _staff(django_user_model, username: str, *groups: str):
    user = django_user_model.objects.create_user(
        username, password="s3cret-pass-word", is_staff=True
    )
    user.groups.set(Group.objects.filter(name__in=groups))
    return user


@pytest.fixture
def bob(db, django_user_model):
    return _staff(django_user_model, "bob", roles.PRIVACY_STAFF)


@pytest.fixture
def carol(db, django_user_model):
    return _staff(django_user_model, "carol", roles.APPROVERS, roles.PRIVACY_STAFF)


@pytest.fixture
def maria(db, django_user_model):
    return _staff(django_user_model, "maria", roles.MANAGERS)


@pytest.fixture
def dave(db, django_user_model):
    return _staff(django_user_model, "dave")


def text(response) -> str:
    """The visible text of a response, tags stripped and white space folded."""
    body = response.content.decode()
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).strip()


def staff_login(client, user):
    """Sign `user` in with a confirmed TOTP device, as the staff login would (OTP verified)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="phone", defaults={"confirmed": True}
    )
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
