"""Restriction of processing (Art. 18): filed with a listed reason, placed after four-eyes,
recorded in a register other systems query (a keyed hash, never the number), lifted after
four-eyes; the customer and the recipients are told each time."""

from __future__ import annotations

import json

import pytest
from django.core import mail
from django.core.management import call_command

from dsar import restriction, suppression
from dsar.demo import DEMO_NUMBERS
from dsar.models import AuditEvent, DataRequest, Notification, Restriction
from tests.conftest import Client, staff_login, text, verify

pytestmark = pytest.mark.django_db(databases=["default", "customer_service"])
FIRST = DEMO_NUMBERS["first_contact"]
URL = "/my/requests/new/restriction/"
API = "/api/restriction/check/"


def ask(client, reason="accuracy"):
    verify(client, FIRST)
    r = client.post("/my/requests/new/", {"kind": "restriction"})
    assert r.status_code == 302 and r["Location"] == URL
    token = client.get(URL).context["form"]["token"].value()
    return client.post(URL, {"reason": reason, "token": token})


def place(client, bob, carol) -> DataRequest:
    assert ask(client).status_code == 302
    dr = DataRequest.objects.get(kind="restriction")
    staff = staff_login(Client(), bob)
    staff.post(f"/staff/cases/{dr.reference}/claim/")
    staff.post(f"/staff/cases/{dr.reference}/submit/")
    approver = staff_login(Client(), carol)
    assert "Restrict processing" in text(approver.get(f"/staff/cases/{dr.reference}/review/"))
    approver.post(f"/staff/cases/{dr.reference}/approve/")
    dr.refresh_from_db()
    return dr


def api(numbers, token):
    return Client().post(
        API,
        json.dumps({"numbers": numbers}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def test_a_restriction_is_placed_queried_and_lifted_with_four_eyes(
    client, bob, carol, django_user_model, demo_db
):
    mail.outbox.clear()
    dr = place(client, bob, carol)
    assert dr.status == "completed"
    r = Restriction.objects.get()
    assert r.in_force and r.reason == "accuracy"
    assert r.digest == suppression.digest(FIRST)
    assert FIRST not in json.dumps(list(Restriction.objects.values()), default=str)
    assert dr.notifications.filter(kind=Notification.Kind.RESTRICTED, state="sent").exists()
    told = set(dr.recipient_notices.values_list("action", flat=True))
    assert told == {"restriction"} and mail.outbox
    page = text(client.get(f"/my/requests/{dr.reference}/"))
    assert "Since" in page and str(Restriction.Reason.ACCURACY.label) in page
    # Other systems ask the register, in any spelling of the number.
    _c, token = suppression.new_client(name="crm", restrictions=True)
    res = api(["06-10000001", "+31 6 12345678", "bel me"], token).json()["results"]
    assert res[0]["restricted"] is True and res[0]["since"] == r.placed_on.isoformat()
    assert res[1]["restricted"] is False
    assert res[2] == {"number": "bel me", "error": "not a phone number"}
    event = AuditEvent.objects.get(action="dsar.restriction.checked")
    assert event.data == {"client": _c.pk, "numbers": 3, "restricted": 1}
    # bob proposes lifting it; he cannot approve it himself, carol can after the review.
    staff = staff_login(Client(), bob)
    staff.post(f"/staff/cases/{dr.reference}/restriction/lift/")
    staff.get(f"/staff/cases/{dr.reference}/review/")
    staff.post(f"/staff/cases/{dr.reference}/approve/")
    r.refresh_from_db()
    assert r.in_force
    approver = staff_login(Client(), carol)
    approver.post(f"/staff/cases/{dr.reference}/approve/")
    r.refresh_from_db()
    assert r.in_force  # not reviewed yet
    approver.get(f"/staff/cases/{dr.reference}/review/")
    approver.post(f"/staff/cases/{dr.reference}/approve/")
    r.refresh_from_db()
    dr.refresh_from_db()
    assert r.lifted_at and dr.status == "completed"
    assert dr.notifications.filter(kind=Notification.Kind.RESTRICTION_LIFTED, state="sent").exists()
    assert "restriction_lifted" in set(dr.recipient_notices.values_list("action", flat=True))
    assert api(["06-10000001"], token).json()["results"][0]["restricted"] is False
    assert "until" in text(client.get(f"/my/requests/{dr.reference}/"))
    actions = list(AuditEvent.objects.filter(data_request=dr).values_list("action", flat=True))
    assert "dsar.restriction.placed" in actions and "dsar.restriction.lifted" in actions


def test_a_lift_sent_back_keeps_it_in_force(client, bob, carol, demo_db):
    dr = place(client, bob, carol)
    staff_login(Client(), bob).post(f"/staff/cases/{dr.reference}/restriction/lift/")
    staff_login(Client(), carol).post(f"/staff/cases/{dr.reference}/send-back/")
    assert Restriction.objects.get().in_force
    assert not dr.approvals.filter(state="pending").exists()


def test_the_lift_needs_the_role_a_post_and_a_restriction(client, bob, carol, maria, demo_db):
    assert ask(client).status_code == 302
    dr = DataRequest.objects.get()
    url = f"/staff/cases/{dr.reference}/restriction/lift/"
    staff = staff_login(Client(), bob)
    r = staff.post(url, follow=True)
    assert "no restriction in force" in text(r)
    assert staff.get(url).status_code == 405
    assert staff_login(Client(), maria).post(url).status_code == 403
    assert staff.post("/staff/cases/R-XXXX-XXXX-XX/restriction/lift/").status_code == 404


@pytest.mark.parametrize("reason", ["", "because", "accuracy'--"])
def test_a_reason_off_the_list_is_refused(client, demo_db, reason):
    r = ask(client, reason)
    assert r.status_code == 400
    assert "Choose why" in text(r)
    assert not DataRequest.objects.exists()


def test_without_a_session_or_csrf_nothing_is_filed(demo_db):
    r = Client().post(URL, {"reason": "accuracy"})
    assert r.status_code == 302 and "/verify/" in r["Location"]
    verified = Client()
    verify(verified, FIRST)
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = verified.cookies
    assert strict.post(URL, {"reason": "accuracy"}).status_code == 403
    assert not DataRequest.objects.exists()


def test_another_customer_cannot_see_the_request(client, mallory_client, demo_db):
    ask(client)
    dr = DataRequest.objects.get()
    assert mallory_client.get(f"/my/requests/{dr.reference}/").status_code == 404


def test_the_endpoint_refuses_bad_tokens_clients_without_the_right_and_bad_bodies(db, settings):
    _c, marketing = suppression.new_client(name="brevo")
    assert api(["0612345678"], marketing).status_code == 403
    assert api(["0612345678"], "sup_nope").status_code == 401
    assert Client().get(API).status_code == 405
    _c, token = suppression.new_client(name="crm", restrictions=True)
    auth = {"Authorization": f"Bearer {token}"}
    bad = Client().post(API, "{nope", content_type="application/json", headers=auth)
    assert bad.status_code == 400
    assert api("0612345678", token).status_code == 400
    assert api([], token).status_code == 400
    assert api([1, 2], token).status_code == 400
    assert api(["x"] * 1001, token).status_code == 400
    settings.DSAR_SUPPRESSION_API_RATE = 2
    _c, fresh = suppression.new_client(name="erp", restrictions=True)
    assert api(["0612345678"], fresh).status_code == 200
    assert api(["0612345678"], fresh).status_code == 200
    r = api(["0612345678"], fresh)
    assert r.status_code == 429 and r["Retry-After"] == "60"


def test_the_command_gives_a_client_the_right(db, capsys):
    call_command("suppression_client", "crm", "--restrictions")
    assert "/api/restriction/check/" in capsys.readouterr().out
    from dsar.models import SuppressionClient

    assert SuppressionClient.objects.get(name="crm").restrictions


def test_check_reads_numbers_as_lists_write_them(db):
    assert restriction.check(["06 12345678"])[0].restricted is False
