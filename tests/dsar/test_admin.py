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


@pytest.mark.parametrize(
    "model", ["dsar/notification", "dsar/job", "dsar/accesspackage", "dsar/auditevent"]
)
def test_the_admin_cannot_add_what_the_services_make(admin_client, model):
    services.open_request(number=ALICE, kind="access")
    assert admin_client.get(f"/admin/{model}/").status_code == 200
    assert admin_client.get(f"/admin/{model}/add/").status_code == 403


def test_a_notice_cannot_be_marked_sent_in_the_admin(admin_client):
    from dsar.models import Notification

    dr = services.open_request(number=ALICE, kind="access")
    notice = Notification.objects.create(data_request=dr, kind="request-received")
    r = admin_client.post(
        f"/admin/dsar/notification/{notice.pk}/change/", {"state": "sent", "kind": notice.kind}
    )
    assert r.status_code == 403
    notice.refresh_from_db()
    assert notice.state != "sent"


def test_a_staff_authenticators_key_is_never_shown_nor_typed_in_the_admin(
    admin_client, django_user_model
):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    bob = django_user_model.objects.create_user("bobby", password="s3cret-pass-word")
    device = TOTPDevice.objects.create(user=bob, name="phone", confirmed=True)
    page = admin_client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/")
    assert page.status_code == 200 and device.key.encode() not in page.content
    for view in ("qrcode", "config"):  # django-otp's own admin views are not there
        r = admin_client.get(f"/admin/otp_totp/totpdevice/{device.pk}/{view}/", follow=True)
        assert r["Content-Type"].startswith("text/html")
        assert device.key.encode() not in r.content and b"otpauth://" not in r.content
    assert admin_client.get("/admin/otp_totp/totpdevice/add/").status_code == 403
    r = admin_client.post(
        f"/admin/otp_totp/totpdevice/{device.pk}/change/", {"key": "00" * 20, "user": bob.pk}
    )
    assert r.status_code == 403
    assert TOTPDevice.objects.get(pk=device.pk).key == device.key
