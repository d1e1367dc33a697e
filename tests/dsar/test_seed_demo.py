"""The demo customer-service database: sizes, realistic numbers, determinism, safety."""

from __future__ import annotations

import io
from collections import defaultdict

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connections

from dsar import datamap, demo
from dsar.demo import schema
from verification.phone import normalise_stored

pytestmark = pytest.mark.django_db(databases=["default", "customer_service"])

ALIAS = "customer_service"
N = demo.DEMO_NUMBERS


def rows(sql: str, params: tuple = ()) -> list[tuple]:
    with connections[ALIAS].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def dump() -> dict[str, list[tuple]]:
    return {table: rows(f"SELECT * FROM {table} ORDER BY 1") for table in schema.TABLES}  # noqa: S608


def e164(stored: str) -> str:
    number = normalise_stored(stored, region="NL")
    assert number, f"{stored!r} is not a valid number"
    return number


@pytest.fixture
def counts():
    return demo.seed(ALIAS, subjects=30, messages=600, seed=7)


def test_it_fills_every_table_with_the_sizes_asked_for(counts):
    assert counts["contacts"] == 30
    assert counts["messages"] == 600
    for table, n in counts.items():
        assert n > 0, table
        assert rows(f"SELECT COUNT(*) FROM {table}") == [(n,)]  # noqa: S608


def test_it_stores_numbers_in_mixed_real_world_formats(counts):
    stored = [n for (n,) in rows("SELECT number FROM contact_numbers")]
    stored += [n for (n,) in rows("SELECT caller_number FROM call_recordings")]
    assert sum(n.startswith("+") and " " not in n for n in stored) > len(stored) / 2
    assert any(n.startswith("06-") for n in stored)
    assert any(n.startswith("+31 6 ") for n in stored)
    assert any(n.startswith("0031") for n in stored)
    # Every stored number is valid once normalised, whatever its format.
    assert all(e164(n) for n in stored)
    consents = [n for (n,) in rows("SELECT number FROM channel_consents")]
    assert all(n == e164(n) for n in consents)


def test_it_has_households_and_contacts_with_two_numbers(counts):
    contacts_by_number = defaultdict(set)
    numbers_by_contact = defaultdict(set)
    for contact_id, number in rows("SELECT contact_id, number FROM contact_numbers"):
        contacts_by_number[e164(number)].add(contact_id)
        numbers_by_contact[contact_id].add(e164(number))
    assert contacts_by_number[N["household"]] == {2, 3}
    assert numbers_by_contact[4] == {N["two_numbers"], N["two_numbers_second"]}
    # The household's two rows hold the same number written differently.
    written = rows("SELECT number FROM contact_numbers WHERE contact_id IN (2, 3)")
    assert len({w for (w,) in written}) == 2


def test_its_known_numbers_lead_where_the_readme_says(counts):
    first = rows("SELECT contact_id FROM contact_numbers WHERE number = %s", (N["first_contact"],))
    assert first == [(1,)]
    for table in ("conversations", "marketing_list_members", "payments"):
        assert rows(f"SELECT COUNT(*) FROM {table} WHERE contact_id = 1")[0][0] > 0, table  # noqa: S608
    calls = [e164(n) for (n,) in rows("SELECT caller_number FROM call_recordings")]
    assert N["first_contact"] in calls
    scopes = rows("SELECT scope FROM channel_consents WHERE number = %s", (N["first_contact"],))
    assert {s for (s,) in scopes} == {"service", "marketing"}

    heavy = rows(
        "SELECT COUNT(*) FROM messages JOIN conversations c ON c.id = conversation_id "
        "WHERE c.contact_id = 5"
    )
    assert heavy[0][0] >= 600 // 20
    assert rows("SELECT number FROM contact_numbers WHERE contact_id = 6") == [("0610000006",)]
    russian = rows(
        "SELECT body FROM messages JOIN conversations c ON c.id = conversation_id "
        "WHERE c.contact_id = 6"
    )
    assert all(any("а" <= ch <= "я" for ch in body.lower()) for (body,) in russian)

    everywhere = {e164(n) for (n,) in rows("SELECT number FROM contact_numbers")}
    everywhere |= {n for (n,) in rows("SELECT number FROM channel_consents")}
    everywhere |= set(calls)
    assert N["consent_only"] in everywhere
    assert N["unknown"] not in everywhere


def test_it_is_deterministic_for_a_seed():
    demo.seed(ALIAS, subjects=12, messages=80, seed=3)
    first = dump()
    demo.seed(ALIAS, subjects=12, messages=80, seed=3)
    assert dump() == first
    demo.seed(ALIAS, subjects=12, messages=80, seed=4)
    assert dump() != first


def test_the_demo_datamap_validates_against_it(counts):
    dm = datamap.load(settings.BASE_DIR / "datamap.toml")
    assert datamap.validate(dm, connections=connections) == []


def test_it_refuses_tables_it_did_not_create():
    with connections[ALIAS].cursor() as cursor:
        cursor.execute("CREATE TABLE contacts (id INTEGER PRIMARY KEY, secret VARCHAR(20))")
        cursor.execute("INSERT INTO contacts (id, secret) VALUES (1, 'real customer')")
    with pytest.raises(demo.DemoRefused, match="contacts"):
        demo.seed(ALIAS, subjects=12, messages=10)
    assert rows("SELECT secret FROM contacts") == [("real customer",)]


def test_the_command_prints_counts_and_demo_numbers():
    out = io.StringIO()
    call_command("seed_demo", "--subjects", "12", "--messages", "50", stdout=out)
    assert "12 contacts" in out.getvalue() and "50 messages" in out.getvalue()
    assert N["first_contact"] in out.getvalue()
    assert rows("SELECT COUNT(*) FROM messages") == [(50,)]


def test_the_command_can_be_quiet():
    out = io.StringIO()
    call_command("seed_demo", "--subjects", "12", "--messages", "5", "--quiet", stdout=out)
    assert out.getvalue() == ""


@pytest.mark.parametrize(
    "args", [["--database", "default"], ["--subjects", "3"], ["--messages", "-1"]]
)
def test_the_command_refuses_bad_arguments(args):
    with pytest.raises(CommandError):
        call_command("seed_demo", *args, "--quiet")
