"""The suppression list outlives erasure: `check_suppression` and the JSON endpoint drop a
number that objected, after everything else about it was erased."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from dsar import suppression
from dsar.demo import DEMO_NUMBERS
from dsar.models import AuditEvent, DataRequest, Suppression, SuppressionClient
from tests.conftest import Client, staff_login, verify

pytestmark = pytest.mark.django_db(databases=["default", "customer_service"])
FIRST = DEMO_NUMBERS["first_contact"]
OTHER = "+31612345678"
URL = "/api/suppression/check/"


def cs(sql: str, params=None) -> list[tuple]:
    with connections["customer_service"].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def objected_then_erased(client, bob, carol, settings) -> None:
    """FIRST objects, then asks for erasure; staff carry it out through the pages."""
    settings.DSAR_ERASURE_COOLING_OFF_HOURS = 0
    verify(client, FIRST)
    client.post("/my/requests/new/", {"kind": "objection", "channel": "all"})
    r = client.post("/my/requests/new/erasure/", {"confirm": "on"})
    assert r.status_code == 302
    dr = DataRequest.objects.get(kind="erasure")
    staff = staff_login(Client(), bob)
    staff.post(f"/staff/cases/{dr.reference}/claim/")
    staff.post(f"/staff/cases/{dr.reference}/run/discover/")
    staff.post(f"/staff/cases/{dr.reference}/submit/")
    approver = staff_login(Client(), carol)
    approver.get(f"/staff/cases/{dr.reference}/review/")
    approver.post(f"/staff/cases/{dr.reference}/approve/")
    dr.refresh_from_db()
    assert dr.status == "completed", dr.jobs.first().error
    # Nothing in the customer-service database holds the number any more.
    assert cs("SELECT COUNT(*) FROM contact_numbers WHERE number LIKE '%10000001'") == [(0,)]
    assert cs("SELECT COUNT(*) FROM channel_consents WHERE number = %s", [FIRST]) == [(0,)]


@pytest.fixture
def marketing_list(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text(
        "Naam;Telefoonnummer;Bron\n"
        "A. Jansen;06-10000001;beurs 2024\n"
        "B. de Vries;+31 6 12345678;webshop\n"
        "C. Bakker;bel me maar;beurs 2024\n"
        "D. Visser;0031 6 1000 0001;oude import\n",
        encoding="utf-8",
    )
    return path


def test_an_erased_customer_who_objected_is_dropped_from_a_reimported_list(
    client, bob, carol, demo_db, settings, marketing_list
):
    objected_then_erased(client, bob, carol, settings)
    out = StringIO()
    call_command("check_suppression", str(marketing_list), stdout=out)
    lines = out.getvalue().splitlines()
    assert any(line.startswith("row 2: DROP 06-10000001") for line in lines)
    assert any(line.startswith("row 5: DROP 0031 6 1000 0001") for line in lines)
    assert "row 4: 'bel me maar' is not a phone number" in out.getvalue()
    assert not any("12345678" in line for line in lines if "DROP" in line)
    assert "4 row(s) checked: 2 to drop, 1 without a phone number, 1 fine." in lines


def test_the_endpoint_drops_it_too(client, bob, carol, demo_db, settings):
    objected_then_erased(client, bob, carol, settings)
    _client, token = suppression.new_client(name="brevo")
    r = Client().post(
        URL,
        json.dumps({"numbers": ["06-10000001", OTHER, "nonsense"], "channel": "whatsapp"}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 200
    results = r.json()["results"]
    assert results[0]["suppressed"] is True and results[0]["channels"] == ["all"]
    assert results[1]["suppressed"] is False
    assert results[2] == {"number": "nonsense", "error": "not a phone number"}
    event = AuditEvent.objects.filter(action="dsar.suppression.checked").get()
    assert event.data == {"client": _client.pk, "numbers": 3, "suppressed": 1}


def test_the_list_holds_no_number(client, demo_db):
    verify(client, FIRST)
    client.post("/my/requests/new/", {"kind": "objection", "channel": "all"})
    row = Suppression.objects.values().get()
    assert FIRST not in json.dumps(row, default=str)
    assert "610000001" not in json.dumps(row, default=str)


def test_the_key_changes_every_hash(settings):
    a = suppression.digest(FIRST)
    settings.DSAR_SUPPRESSION_KEY = "another-key-of-at-least-32-characters!!"
    assert suppression.digest(FIRST) != a


# --- the command's bad input -------------------------------------------------------------------


def test_the_command_reports_an_unreadable_file(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("check_suppression", str(tmp_path / "missing.csv"))
    latin = tmp_path / "latin.csv"
    latin.write_bytes("naam,nummer\nJos\xe9,0612345678\n".encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("check_suppression", str(latin))
    empty = tmp_path / "empty.csv"
    empty.write_text("\n\n")
    with pytest.raises(CommandError, match="no rows"):
        call_command("check_suppression", str(empty))


def test_the_command_takes_a_named_or_numbered_column_and_writes_what_stays(tmp_path, db):
    suppression.record(number=OTHER, channel="sms", reason="objection", since="2026-01-02")
    path = tmp_path / "list.csv"
    path.write_text("06 12345678,x\n06 87654321,y\n")
    keep = tmp_path / "keep.csv"
    out = StringIO()
    call_command("check_suppression", str(path), "--column", "1", "--keep", str(keep), stdout=out)
    assert "row 1: DROP 06 12345678 (suppressed since 2026-01-02)" in out.getvalue()
    assert keep.read_text().splitlines() == ["06 87654321,y"]
    out = StringIO()
    call_command("check_suppression", str(path), "--channel", "whatsapp", stdout=out)
    assert "0 to drop" in out.getvalue()
    with pytest.raises(CommandError, match="No column"):
        call_command("check_suppression", str(path), "--column", "telefoon")


# --- the endpoint's bad input ------------------------------------------------------------------


@pytest.fixture
def token(db):
    return suppression.new_client(name="crm")[1]


def post(body, token=None, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return Client(enforce_csrf_checks=True).post(
        URL, data, content_type="application/json", headers=headers, **kwargs
    )


@pytest.mark.parametrize("bad", [None, "sup_nope", "Basic abc", "x" * 500])
def test_the_endpoint_needs_a_valid_token(bad):
    r = post({"numbers": [OTHER]}, token=bad)
    assert r.status_code == 401 and "error" in r.json()


def test_a_revoked_token_stops_working(token):
    assert post({"numbers": [OTHER]}, token=token).status_code == 200
    suppression.revoke_client(name="crm")
    assert post({"numbers": [OTHER]}, token=token).status_code == 401
    assert not SuppressionClient.objects.get().active


def test_a_new_token_replaces_the_old(token):
    _client, fresh = suppression.new_client(name="crm")
    assert post({"numbers": [OTHER]}, token=token).status_code == 401
    assert post({"numbers": [OTHER]}, token=fresh).status_code == 200
    assert SuppressionClient.objects.get().token_sha256 not in (token, fresh)


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        b"\xff\xfe",
        [OTHER],
        {"numbers": OTHER},
        {"numbers": [1, 2]},
        {"numbers": []},
        {"numbers": [OTHER] * 1001},
        {"numbers": [OTHER], "channel": "fax"},
    ],
)
def test_the_endpoint_refuses_malformed_input(token, body):
    r = post(body, token=token)
    assert r.status_code == 400 and "error" in r.json()


def test_the_endpoint_refuses_get(token):
    r = Client().get(URL, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 405


def test_the_endpoint_is_rate_limited_per_client(token, settings):
    settings.DSAR_SUPPRESSION_API_RATE = 3
    codes = [post({"numbers": [OTHER]}, token=token).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    # Another client system has its own allowance.
    other = suppression.new_client(name="other")[1]
    assert post({"numbers": [OTHER]}, token=other).status_code == 200


def test_guessing_tokens_is_slowed_per_address(db):
    codes = {post({"numbers": [OTHER]}, token=f"sup_{i}").status_code for i in range(21)}
    assert codes == {401, 429}


def test_the_command_issues_and_revokes_tokens(db):
    out = StringIO()
    call_command("suppression_client", "brevo", stdout=out)
    token = out.getvalue().splitlines()[1]
    assert token.startswith("sup_") and post({"numbers": [OTHER]}, token=token).status_code == 200
    call_command("suppression_client", "brevo", "--revoke", stdout=StringIO())
    assert post({"numbers": [OTHER]}, token=token).status_code == 401
    with pytest.raises(CommandError):
        call_command("suppression_client", "nobody", "--revoke")
