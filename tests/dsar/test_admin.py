"""The admin shows subjects and requests but cannot change what the services guard."""

import pytest

from dsar import services
from dsar.models import AuditEvent, DataRequest, Subject
from tests.conftest import ALICE, MALLORY, Client, staff_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(django_user_model):
    root = django_user_model.objects.create_superuser("root", password="s3cret-pass-word")
    return staff_login(Client(), root)


def test_a_superuser_cannot_move_a_subject_to_another_number(admin_client):
    dr = services.open_request(number=ALICE, kind="access")
    subject = dr.subject
    page = admin_client.get(f"/admin/dsar/subject/{subject.pk}/change/")
    assert page.status_code == 200  # shown, read-only
    assert b'name="number"' not in page.content
    r = admin_client.post(
        f"/admin/dsar/subject/{subject.pk}/change/", {"number": MALLORY, "language": "en"}
    )
    assert r.status_code == 403
    subject.refresh_from_db()
    assert subject.number == ALICE
    assert admin_client.post("/admin/dsar/subject/add/", {"number": MALLORY}).status_code == 403
    assert not Subject.objects.filter(number=MALLORY).exists()


@pytest.mark.parametrize(
    "field",
    [
        "kind",
        "status",
        "due_on",
        "initial_due_on",
        "extended_at",
        "refusal_ground",
        "closed_at",
        "policy",
    ],
)
def test_a_superuser_cannot_change_a_requests_decisions(admin_client, field):
    dr = services.open_request(number=ALICE, kind="access")
    before = {f.name: getattr(dr, f.name) for f in DataRequest._meta.fields}
    page = admin_client.get(f"/admin/dsar/datarequest/{dr.pk}/change/")
    assert page.status_code == 200
    assert f'name="{field}"'.encode() not in page.content
    r = admin_client.post(
        f"/admin/dsar/datarequest/{dr.pk}/change/", {field: "2030-01-01", "kind": "erasure"}
    )
    assert r.status_code == 403
    dr.refresh_from_db()
    assert {f.name: getattr(dr, f.name) for f in DataRequest._meta.fields} == before
    assert admin_client.post(f"/admin/dsar/datarequest/{dr.pk}/delete/").status_code == 403
    assert not AuditEvent.objects.exclude(action="dsar.request.received").exists()
