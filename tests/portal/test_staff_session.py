"""Staff sessions: the 30-minute idle timeout and `Cache-Control: no-store` on staff pages."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.utils import timezone

from dsar import services
from tests.conftest import ALICE, staff_login, text

pytestmark = pytest.mark.django_db


def test_it_signs_staff_out_after_30_idle_minutes(client, bob):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        staff_login(client, bob)
        assert client.get("/staff/").status_code == 200
    # Activity keeps the session alive, for longer than 30 minutes in all.
    for minutes in (20, 40, 60):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert client.get("/staff/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=91), tick=False):
        r = client.get("/staff/?kind=access", follow=True)
    assert r.redirect_chain == [("/staff/login/?next=/staff/%3Fkind%3Daccess", 302)]
    assert "You were signed out after 30 minutes without activity." in text(r)
    assert SESSION_KEY not in client.session


def test_the_admin_keeps_the_same_idle_timeout(client, bob, settings):
    settings.STAFF_SESSION_IDLE = 60
    bob.is_superuser = True
    bob.save()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        staff_login(client, bob)
        assert client.get("/admin/").status_code == 200
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        r = client.get("/admin/")
    assert r.status_code == 302 and "login" in r["Location"]


def _staff_pages(case) -> list[str]:
    return [
        "/staff/",
        f"/staff/cases/{case.reference}/",
        "/staff/dashboard/",
        "/staff/dashboard/cases/?figure=overdue",
        "/staff/register/",
        "/staff/team/",
        "/admin/",
        "/admin/dsar/datarequest/",
    ]


def test_every_staff_page_says_no_store(client, maria, carol, django_user_model):
    case = services.open_request(number=ALICE, kind="access", channel="whatsapp")
    admin = django_user_model.objects.create_user("root", is_staff=True, is_superuser=True)
    staff_login(client, admin)
    for url in _staff_pages(case):
        r = client.get(url)
        assert r.status_code == 200, url
        assert "no-store" in r["Cache-Control"], url
        assert "private" in r["Cache-Control"], url


def test_sign_in_pages_and_refusals_say_no_store_too(client, dave):
    for url in ("/staff/login/", "/staff/", "/staff/team/", "/staff/enrol/nothing/"):
        r = client.get(url)
        assert "no-store" in r["Cache-Control"], url
    staff_login(client, dave)
    r = client.get("/staff/dashboard/")
    assert r.status_code == 403 and "no-store" in r["Cache-Control"]
