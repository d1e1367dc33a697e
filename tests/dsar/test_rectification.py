"""Rectification (Art. 16): the customer sees their own values of the columns the data map
marks rectifiable, types a corrected value checked for its type, staff submit, another
person approves after seeing old → new, and the source holds the new value; the customer
and the recipients are told; the trail holds no value."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connections

from dsar import datamap
from dsar.demo import DEMO_NUMBERS
from dsar.models import AuditEvent, DataRequest, Notification, Rectification
from tests.conftest import Client, staff_login, text, verify

pytestmark = pytest.mark.django_db(databases=["default", "customer_service"])
FIRST = DEMO_NUMBERS["first_contact"]
SHARED = DEMO_NUMBERS["household"]
URL = "/my/requests/new/rectification/"


def cs(sql: str, params=None) -> list[tuple]:
    with connections["customer_service"].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def first_contact() -> int:
    return cs(
        "SELECT contact_id FROM contact_numbers WHERE number LIKE '%%10000001'",
    )[0][0]


def field(column: str) -> str:
    return f"customer-service:contacts:{column}:{first_contact()}"


def file(client, column: str, value: str):
    r = client.get(f"{URL}?field={field(column)}")
    assert r.status_code == 200
    token = r.context["form"]["token"].value()
    return client.post(URL, {"field": field(column), "corrected": value, "token": token})


def approve(dr, bob, carol):
    staff = staff_login(Client(), bob)
    staff.post(f"/staff/cases/{dr.reference}/claim/")
    r = staff.post(f"/staff/cases/{dr.reference}/submit/", follow=True)
    dr.refresh_from_db()
    assert dr.status == "awaiting_approval", text(r)
    approver = staff_login(Client(), carol)
    review = approver.get(f"/staff/cases/{dr.reference}/review/")
    approver.post(f"/staff/cases/{dr.reference}/approve/")
    dr.refresh_from_db()
    return review


def test_a_customer_corrects_their_name_and_it_changes_at_the_source(client, bob, carol, demo_db):
    contact = first_contact()
    (old,) = cs("SELECT full_name FROM contacts WHERE id = %s", [contact])[0]
    verify(client, FIRST)
    r = client.post("/my/requests/new/", {"kind": "rectification"})
    assert r.status_code == 302 and r["Location"] == URL
    page = client.get(URL)
    assert old in text(page) and "Date of birth" in text(page)
    # The field is labelled with the value it corrects.
    assert "Name: the correct value" in text(client.get(f"{URL}?field={field('full_name')}"))
    r = file(client, "full_name", "  Anna   de Vries-Bakker ")
    assert r.status_code == 302, text(r)
    dr = DataRequest.objects.get(kind="rectification")
    assert dr.status == "received"
    assert Rectification.objects.get().new_value == "Anna de Vries-Bakker"
    # The customer's page names what they asked to correct, and to what.
    assert "Name: Anna de Vries-Bakker" in text(client.get(f"/my/requests/{dr.reference}/"))
    assert "Name: Anna de Vries-Bakker" in text(client.get("/my/requests/"))
    # The source is unchanged until a second person approves.
    assert cs("SELECT full_name FROM contacts WHERE id = %s", [contact]) == [(old,)]
    mail.outbox.clear()
    review = approve(dr, bob, carol)
    assert old in text(review) and "Anna de Vries-Bakker" in text(review)
    assert dr.status == "completed"
    assert cs("SELECT full_name FROM contacts WHERE id = %s", [contact]) == [
        ("Anna de Vries-Bakker",)
    ]
    r = Rectification.objects.get()
    assert r.applied_at and r.new_value == ""
    # Told on the channel; the recipients of the customer administration by e-mail.
    assert dr.notifications.filter(kind=Notification.Kind.DATA_CORRECTED, state="sent").exists()
    notices = list(dr.recipient_notices.all())
    assert notices and all(n.action == "rectification" for n in notices)
    assert any("Anna de Vries-Bakker" in m.body for m in mail.outbox)
    # The trail names the column and the row, never a value.
    for e in AuditEvent.objects.filter(data_request=dr):
        assert "Vries" not in str(e.data) and old not in str(e.data)
    applied = AuditEvent.objects.get(data_request=dr, action="dsar.rectification.applied")
    assert applied.data["column"] == "full_name" and applied.data["row"] == contact
    assert "Who we told" in text(client.get(f"/my/requests/{dr.reference}/"))


@pytest.mark.parametrize(
    ("column", "value", "stored"),
    [
        ("email", "Anna@Example.COM", "Anna@example.com"),
        ("postal_code", "1234 AB", "1234 AB"),
        ("date_of_birth", "1981-02-03", "1981-02-03"),
    ],
)
def test_each_type_is_applied(client, bob, carol, demo_db, column, value, stored):
    verify(client, FIRST)
    assert file(client, column, value).status_code == 302
    dr = DataRequest.objects.get(kind="rectification")
    approve(dr, bob, carol)
    assert dr.status == "completed"
    (got,) = cs(f"SELECT {column} FROM contacts WHERE id = %s", [first_contact()])[0]  # noqa: S608
    assert str(got)[: len(stored)] == stored


@pytest.mark.parametrize(
    ("column", "value", "error"),
    [
        ("full_name", "R2-D2", "letters, spaces"),
        ("full_name", "", "Type the corrected value"),
        ("full_name", "x" * 201, "at most 200"),
        ("full_name", "Anna\u202eBob", "special characters"),
        ("email", "not-an-address", "valid email"),
        ("postal_code", "<script>", "letters, digits"),
        ("date_of_birth", "2999-01-01", "between 1900 and today"),
        ("date_of_birth", "1981-02-30", "valid date"),
        ("date_of_birth", "yesterday", "valid date"),
    ],
)
def test_bad_values_are_refused_per_type(client, demo_db, column, value, error):
    verify(client, FIRST)
    r = file(client, column, value)
    assert r.status_code == 400
    assert error.lower() in text(r).lower()
    assert not DataRequest.objects.exists()


def test_the_same_value_is_no_correction(client, demo_db):
    (old,) = cs("SELECT full_name FROM contacts WHERE id = %s", [first_contact()])[0]
    verify(client, FIRST)
    r = file(client, "full_name", old)
    assert r.status_code == 400 and "what we have already" in text(r)


def test_another_customers_row_or_a_made_up_field_is_a_404(client, demo_db):
    verify(client, FIRST)
    other = cs("SELECT id FROM contacts WHERE id <> %s ORDER BY id", [first_contact()])[0][0]
    for token in (
        f"customer-service:contacts:full_name:{other}",
        f"customer-service:contacts:customer_no:{first_contact()}",
        f"customer-service:messages:body:{first_contact()}",
        "nonsense",
    ):
        assert client.get(f"{URL}?field={token}").status_code == 404
        r = client.post(URL, {"field": token, "corrected": "Eve"})
        assert r.status_code == 404
    assert not DataRequest.objects.exists()


def test_without_verification_csrf_or_the_right_method_nothing_is_filed(demo_db):
    anonymous = Client()
    r = anonymous.get(URL)
    assert r.status_code == 302 and "/verify/" in r["Location"]
    verified = Client()
    verify(verified, FIRST)
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = verified.cookies
    r = strict.post(URL, {"field": field("full_name"), "corrected": "Anna"})
    assert r.status_code == 403
    assert Client().put(URL).status_code in (302, 405)
    assert not DataRequest.objects.exists()


def test_a_shared_number_shows_nothing_that_may_be_the_others(client, demo_db):
    verify(client, SHARED)
    page = client.get(URL)
    assert page.status_code == 200
    assert page.context["values"] == []
    assert "shared with someone else" in text(page)


def test_the_filer_cannot_approve_and_a_manager_cannot_work_it(client, bob, carol, maria, demo_db):
    verify(client, FIRST)
    file(client, "full_name", "Anna Jansen")
    dr = DataRequest.objects.get()
    # carol prepares it herself: she may not approve it.
    staff = staff_login(Client(), carol)
    staff.post(f"/staff/cases/{dr.reference}/claim/")
    staff.post(f"/staff/cases/{dr.reference}/submit/")
    staff.get(f"/staff/cases/{dr.reference}/review/")
    r = staff.post(f"/staff/cases/{dr.reference}/approve/", follow=True)
    dr.refresh_from_db()
    assert dr.status == "awaiting_approval"
    assert "cannot approve" in text(r) or "another approver" in text(r)
    assert (
        staff_login(Client(), maria).post(f"/staff/cases/{dr.reference}/approve/").status_code
        == 403
    )
    assert not Rectification.objects.get().applied_at


def test_the_map_refuses_a_free_text_or_a_wrong_type(tmp_path, demo_db):
    from django.conf import settings

    raw = open(settings.DSAR_DATAMAP_PATH, encoding="utf-8").read()
    bad = raw.replace('rectifiable = "date"', 'rectifiable = "name"', 1).replace(
        'rectifiable = "address"', 'rectifiable = "free-text"', 1
    )
    errors = datamap.validate(datamap.parse(bad), connections=connections)
    assert any(
        "date_of_birth" in e and "needs a CharField or TextField column" in e for e in errors
    )
    assert any("'free-text' is not a type" in e for e in errors)
    message_body = raw.replace(
        "[tables.columns.body]\n", '[tables.columns.body]\nrectifiable = "name"\n', 1
    )
    errors = datamap.validate(datamap.parse(message_body), connections=connections)
    assert any("identity or contact data" in e for e in errors)


def test_a_package_built_before_a_correction_is_flagged_to_its_approver(
    client, bob, carol, demo_db
):
    from dsar import casework, services
    from dsar.models import Job
    from tests.conftest import committed

    access = services.open_request(number=FIRST, kind="access")
    casework.claim(data_request=access, user=bob)
    with committed():
        casework.start_job(data_request=access, kind=Job.Kind.PACKAGE, by=bob)
    verify(client, FIRST)
    client.post("/my/requests/new/", {"kind": "rectification"})
    file(client, "full_name", "Anna de Vries-Bakker")
    approve(DataRequest.objects.get(kind="rectification"), bob, carol)
    casework.submit_for_approval(data_request=access, by=bob)
    review = text(staff_login(Client(), carol).get(f"/staff/cases/{access.reference}/review/"))
    assert "corrected after this package was built: it still holds the old values" in review
    assert "contacts.full_name" in review


def test_load_datamap_refuses_a_free_text_type_and_a_rectifiable_message(tmp_path, demo_db):
    """The operator's path: `manage.py load_datamap` with a map that would correct free text."""
    import io

    from django.conf import settings
    from django.core.management import CommandError, call_command

    raw = open(settings.DSAR_DATAMAP_PATH, encoding="utf-8").read()
    bad = raw.replace('rectifiable = "address"', 'rectifiable = "free-text"', 1).replace(
        "[tables.columns.body]\n", '[tables.columns.body]\nrectifiable = "name"\n', 1
    )
    path = tmp_path / "map.toml"
    path.write_text(bad, encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("load_datamap", str(path), stderr=err)
    assert "'free-text' is not a type" in err.getvalue()
    assert "body" in err.getvalue()
