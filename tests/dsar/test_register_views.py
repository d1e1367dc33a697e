"""The manager pages of the processing register: the list and its PDFs, and who may see them.

- maria (manager) keeps the register: sees the list, gets the PDFs, has an Edit link.
- bob, carol (privacy staff) lack `view_processingactivity`: 403.
- alice (customer), anonymous users and password-only sessions go to the staff sign-in.
"""

from __future__ import annotations

import io

import pypdf
import pytest

from dsar import register
from dsar.demo.register import seed_register
from dsar.models import ProcessingActivity
from tests.conftest import Client, staff_login, text

pytestmark = pytest.mark.django_db

LIST = "/staff/register/"
WHOLE = "/staff/register/register.pdf"


def _one(code="payments") -> str:
    return f"/staff/register/{code}/activity.pdf"


@pytest.fixture
def activities(db, maria):
    seed_register(by=maria)
    return ProcessingActivity.objects.order_by("name")


def _pdf_text(response) -> str:
    data = b"".join(response) if response.streaming else response.content
    return " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)


def test_it_lists_the_activities_with_their_pdfs_and_edit_links(client, maria, activities):
    r = staff_login(client, maria).get(LIST)
    assert r.status_code == 200
    page = text(r)
    for a in activities:
        assert a.name in page and a.code in page
        assert f'href="{_one(a.code)}"' in r.content.decode()
        assert f'href="/admin/dsar/processingactivity/{a.pk}/change/"' in r.content.decode()
    assert f"version {register.current_version()}" in page
    assert "by maria" in page
    assert f'href="{WHOLE}"' in r.content.decode()


def test_it_hides_the_edit_link_without_the_change_permission(client, maria, activities):
    from django.contrib.auth.models import Permission

    maria.groups.clear()
    maria.user_permissions.add(Permission.objects.get(codename="view_processingactivity"))
    r = staff_login(client, maria).get(LIST)
    assert r.status_code == 200 and "/admin/dsar/processingactivity/" not in r.content.decode()


def test_a_manager_gets_the_whole_register_as_a_pdf(client, maria, activities):
    r = staff_login(client, maria).get(WHOLE)
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    version = register.current_version()
    assert r["Content-Disposition"] == f'attachment; filename="processing-register-v{version}.pdf"'
    pdf = _pdf_text(r)
    assert all(a.name in pdf for a in activities)


def test_a_manager_gets_one_activity_as_a_pdf(client, maria, activities):
    r = staff_login(client, maria).get(_one("payments"))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert 'filename="processing-activity-payments-v1.pdf"' in r["Content-Disposition"]
    pdf = _pdf_text(r)
    assert "Belastingdienst" in pdf and "Complaints handling" not in pdf


def test_an_unknown_activity_is_404(client, maria, activities):
    assert staff_login(client, maria).get(_one("no-such-thing")).status_code == 404


@pytest.mark.parametrize("url", [LIST, WHOLE, _one()])
def test_privacy_staff_without_the_permission_get_403(client, bob, carol, activities, url):
    assert staff_login(client, bob).get(url).status_code == 403
    client.logout()
    assert staff_login(client, carol).get(url).status_code == 403


@pytest.mark.parametrize("url", [LIST, WHOLE, _one()])
def test_customers_and_anonymous_users_go_to_the_staff_login(alice_client, maria, activities, url):
    for c in (Client(), alice_client):
        r = c.get(url)
        assert r.status_code == 302 and r.url.startswith("/staff/login/")
    # A password alone (no second factor) is not enough either.
    password_only = Client()
    password_only.force_login(maria)
    r = password_only.get(url)
    assert r.status_code == 302 and r.url.startswith("/staff/login/")


@pytest.mark.parametrize("url", [LIST, WHOLE, _one()])
def test_it_refuses_post(client, maria, activities, url):
    assert staff_login(client, maria).post(url).status_code == 405
