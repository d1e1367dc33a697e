import pytest

from tests.conftest import text

pytestmark = pytest.mark.django_db


def test_it_shows_the_landing_page(client):
    r = client.get("/")
    assert r.status_code == 200
    assert "Your personal data, your rights" in text(r)
    assert 'name="viewport"' in r.content.decode()


def test_it_shows_the_landing_page_in_dutch(client):
    r = client.get("/", HTTP_ACCEPT_LANGUAGE="nl")
    assert "Uw persoonsgegevens, uw rechten" in text(r)
    assert '<html lang="nl">' in r.content.decode()


def test_it_reports_health(client):
    r = client.get("/health/")
    assert r.status_code == 200 and r.json()["status"] == "ok"  # more: test_health.py


def test_it_sends_security_headers(client):
    r = client.get("/")
    assert r["X-Frame-Options"] == "DENY"
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["Referrer-Policy"] == "same-origin"


def test_it_creates_the_staff_roles(db):
    from django.contrib.auth.models import Group

    perms = {g.name: sorted(p.codename for p in g.permissions.all()) for g in Group.objects.all()}
    assert perms["Approvers"] == ["approve_datarequest", "view_datarequest"]
    assert perms["Privacy staff"] == ["view_datarequest", "work_datarequest"]
    assert {"view_compliance", "view_datarequest", "change_processingactivity"} <= set(
        perms["Managers"]
    )
    assert (
        "work_datarequest" not in perms["Managers"]
        and "approve_datarequest" not in perms["Managers"]
    )
