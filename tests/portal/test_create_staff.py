"""manage.py create_staff: a real staff account and a one-time enrolment link."""

import io
import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from dsar.models import AuditEvent
from portal.models import EnrolmentLink
from tests.conftest import Client

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.portal.staff_auth_urls")]


def create_staff(*args: str) -> str:
    out = io.StringIO()
    call_command("create_staff", *args, stdout=out)
    return out.getvalue()


def _password(output: str) -> str:
    return re.search(r"Password \(shown once\): (\S+)", output)[1]


def _link(output: str) -> str:
    return re.search(r"Enrolment link \(one use, until [^)]+\): (\S+)", output)[1]


def test_it_creates_an_account_that_enrols_through_the_link():
    output = create_staff(
        "anna", "--role", "privacy-staff", "--role", "approver", "--name", "Anna de Wit"
    )
    anna = get_user_model().objects.get(username="anna")
    assert anna.is_staff and not anna.is_superuser
    assert anna.get_full_name() == "Anna de Wit"
    assert sorted(anna.groups.values_list("name", flat=True)) == ["Approvers", "Privacy staff"]
    password = _password(output)
    assert anna.check_password(password)

    browser = Client()
    r = browser.get(_link(output).removeprefix(settings.SITE_URL))
    assert r.status_code == 302 and r["Location"] == "/staff/login/"
    r = browser.post("/staff/login/", {"username": "anna", "password": password})
    assert r["Location"] == "/staff/login/setup/"
    assert browser.get("/staff/login/setup/").status_code == 200

    event = AuditEvent.objects.get(action="portal.enrolment.issued")
    assert event.actor is None and event.actor_kind == "system"
    assert event.data["via"] == "command" and event.data["user"] == anna.pk


def test_it_keeps_an_existing_password_and_roles_unless_asked(bob):
    output = create_staff("bob")
    bob.refresh_from_db()
    assert "Password" not in output
    assert bob.check_password("s3cret-pass-word")
    assert list(bob.groups.values_list("name", flat=True)) == ["Privacy staff"]
    assert EnrolmentLink.objects.filter(user=bob).count() == 1

    output = create_staff("bob", "--new-password", "--role", "manager")
    bob.refresh_from_db()
    assert bob.check_password(_password(output))
    assert list(bob.groups.values_list("name", flat=True)) == ["Managers"]
    # The second link replaced the first.
    assert [link.is_usable() for link in EnrolmentLink.objects.order_by("pk")] == [False, True]


def test_it_refuses_a_deactivated_account(bob):
    bob.is_active = False
    bob.save()
    with pytest.raises(CommandError):
        create_staff("bob")
    assert not EnrolmentLink.objects.exists()


def test_it_refuses_an_unknown_role():
    with pytest.raises(CommandError, match="invalid choice"):
        create_staff("anna", "--role", "overlord")
    assert not get_user_model().objects.filter(username="anna").exists()
