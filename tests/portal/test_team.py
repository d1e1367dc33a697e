"""The staff list and enrolment links: managers and administrators issue them for others."""

import pytest
from django.conf import settings

from dsar.models import AuditEvent
from portal.models import EnrolmentLink
from tests.conftest import staff_login, text

pytestmark = pytest.mark.django_db

TEAM = "/staff/team/"


def link_url(user) -> str:
    return f"/staff/team/{user.pk}/enrolment-link/"


@pytest.fixture
def admin(django_user_model):
    return django_user_model.objects.create_user(
        "root", password="s3cret-pass-word", is_staff=True, is_superuser=True
    )


def test_a_manager_sees_who_has_an_authenticator(client, maria, bob, dave):
    staff_login(client, maria)  # maria has an authenticator; bob and dave do not
    r = client.get(TEAM)
    assert r.status_code == 200
    page = text(r)
    assert "Staff and authenticators" in page
    assert "bob Privacy staff Not set up Create enrolment link" in page
    assert "maria Managers Set up" in page
    assert "no-store" in r["Cache-Control"]


def test_a_manager_issues_a_link_shown_once(client, maria, dave):
    staff_login(client, maria)
    r = client.post(link_url(dave))
    assert r.status_code == 200
    link = EnrolmentLink.objects.get(user=dave)
    assert link.created_by == maria and link.used_at is None
    url = next(w for w in text(r).split() if w.startswith(settings.SITE_URL + "/staff/enrol/"))
    assert "no-store" in r["Cache-Control"]
    # Only a hash of the token is kept.
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert token not in link.token_hash
    event = AuditEvent.objects.get(action="portal.enrolment.issued")
    assert event.actor == maria and event.data == {"user": dave.pk, "link": link.pk, "via": "page"}
    assert token not in str(event.data)


def test_a_manager_cannot_issue_for_herself_or_an_administrator(client, maria, admin):
    staff_login(client, maria)
    for member in (maria, admin):
        r = client.post(link_url(member), follow=True)
        assert r.redirect_chain == [(TEAM, 302)]
        assert "You cannot issue an enrolment link for this person." in text(r)
    assert not EnrolmentLink.objects.exists()
    assert "Create enrolment link" not in text(client.get(TEAM))


def test_an_administrator_issues_for_a_manager(client, admin, maria):
    staff_login(client, admin)
    assert client.post(link_url(maria)).status_code == 200
    assert EnrolmentLink.objects.get().user == maria


@pytest.mark.parametrize("persona", ["bob", "carol", "dave"])
def test_staff_without_the_manager_role_get_403(client, request, persona, maria):
    staff_login(client, request.getfixturevalue(persona))
    assert client.get(TEAM).status_code == 403
    assert client.post(link_url(maria)).status_code == 403
    assert not EnrolmentLink.objects.exists()


def test_it_needs_a_verified_staff_session(client, maria, dave, alice_client):
    client.force_login(maria)  # a password alone
    for c in (client, alice_client):
        assert c.get(TEAM).status_code == 302
        assert c.post(link_url(dave)).status_code == 302
    assert not EnrolmentLink.objects.exists()


def test_it_issues_only_by_post(client, maria, dave):
    staff_login(client, maria)
    assert client.get(link_url(dave)).status_code == 405
    assert client.post(TEAM).status_code == 405


@pytest.mark.parametrize("user_id", ["999999", "9" * 25])
def test_an_unknown_member_is_a_404(client, maria, user_id):
    staff_login(client, maria)
    assert client.post(f"/staff/team/{user_id}/enrolment-link/").status_code == 404


def test_an_inactive_member_gets_no_link(client, maria, dave):
    dave.is_active = False
    dave.save()
    staff_login(client, maria)
    assert client.post(link_url(dave), follow=True).status_code == 200
    assert not EnrolmentLink.objects.exists()


def test_the_queue_links_to_the_staff_list_for_managers_only(client, maria, bob):
    assert "Staff and authenticators" in text(staff_login(client, maria).get("/staff/"))
    client.logout()
    assert "Staff and authenticators" not in text(staff_login(client, bob).get("/staff/"))
