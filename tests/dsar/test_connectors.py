"""Connectors: finding one subject's rows through the data map, and reading them back."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.conf import settings
from django.db import connections
from django.test.utils import CaptureQueriesContext

from dsar import connectors, datamap, demo
from dsar.connectors import SharedNumber
from verification.phone import normalise_stored

pytestmark = pytest.mark.django_db(databases=["default", "customer_service"])

ALIAS = "customer_service"
CS = "customer-service"
N = demo.DEMO_NUMBERS
# Not in the demo data (its random mobiles start with 063-065): tests store it themselves.
NEW = "+31612345678"
NUMBER_TABLES = ("contact_numbers", "channel_consents", "call_recordings")
CONTACT_TABLES = ("contacts", "conversations", "messages", "marketing_list_members", "payments")
TS = "2026-01-05 10:00:00+00:00"


@pytest.fixture(autouse=True)
def seeded():
    return demo.seed(ALIAS, subjects=30, messages=600, seed=7)


@pytest.fixture
def dm():
    dm = datamap.load(settings.BASE_DIR / "datamap.toml")
    assert datamap.validate(dm, connections=connections) == []
    return dm


def rows(sql: str, params: tuple = ()) -> list[tuple]:
    with connections[ALIAS].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def ids(sql: str, params: tuple = ()) -> tuple[int, ...]:
    return tuple(sorted(row[0] for row in rows(sql, params)))


def insert(table: str, **values) -> None:
    columns, marks = ", ".join(values), ", ".join(["%s"] * len(values))
    with connections[ALIAS].cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(values.values()))  # noqa: S608


def add_contact(contact_id: int, *numbers: str) -> None:
    insert(
        "contacts",
        id=contact_id,
        customer_no=f"CN{contact_id}",
        full_name="Test Person",
        locale="nl_NL",
        contract_start="2024-01-01",
        created_at=TS,
    )
    for i, stored in enumerate(numbers):
        add_number(contact_id * 10 + i, contact_id, stored)


def add_number(row_id: int, contact_id: int, stored: str) -> None:
    insert(
        "contact_numbers", id=row_id, contact_id=contact_id, number=stored, channel="sms",
        is_primary=True,
    )  # fmt: skip


def add_recording(row_id: int, stored: str) -> None:
    insert(
        "call_recordings", id=row_id, caller_number=stored, started_at=TS, duration_s=60,
        recording_uri=f"s3://test/{row_id}.wav",
    )  # fmt: skip


def add_messages(conversation_id: int, first_id: int, count: int) -> None:
    with connections[ALIAS].cursor() as cursor:
        cursor.executemany(
            "INSERT INTO messages (id, conversation_id, sent_at, direction, body, status) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            [(first_id + i, conversation_id, TS, "in", "hello", "read") for i in range(count)],
        )


def stored_with(table: str, column: str, number: str) -> tuple[int, ...]:
    """The oracle for number tables: every row, normalised in Python."""
    found = rows(f"SELECT id, {column} FROM {table}")  # noqa: S608
    return tuple(sorted(i for i, n in found if normalise_stored(n, region="NL") == number))


def of_contacts(*contact_ids: int) -> dict[str, tuple[int, ...]]:
    """The oracle for contact tables: hand-written SQL with a join."""
    marks = ", ".join(["%s"] * len(contact_ids))
    joined = "messages m JOIN conversations c ON c.id = m.conversation_id"
    return {
        "contacts": ids(f"SELECT id FROM contacts WHERE id IN ({marks})", contact_ids),  # noqa: S608
        "conversations": ids(
            f"SELECT id FROM conversations WHERE contact_id IN ({marks})",  # noqa: S608
            contact_ids,
        ),
        "messages": ids(f"SELECT m.id FROM {joined} WHERE c.contact_id IN ({marks})", contact_ids),  # noqa: S608
        "marketing_list_members": ids(
            f"SELECT id FROM marketing_list_members WHERE contact_id IN ({marks})",  # noqa: S608
            contact_ids,
        ),
        "payments": ids(f"SELECT id FROM payments WHERE contact_id IN ({marks})", contact_ids),  # noqa: S608
    }


def keys(found: connectors.Discovery) -> dict[str, tuple[int, ...]]:
    return {hit.table: hit.keys for hit in found.hits}


def statements(dm, number: str) -> tuple[connectors.Discovery, int]:
    with CaptureQueriesContext(connections[ALIAS]) as queries:
        found = connectors.discover(dm, number)
    return found, len(queries)


# number_match_values


def test_it_lists_the_forms_a_dutch_number_is_stored_in():
    assert set(connectors.number_match_values("+31612345678", region="NL")) == {
        "+31612345678",
        "31612345678",
        "0031612345678",
        "+310612345678",
        "310612345678",
        "00310612345678",
        "0612345678",
        "612345678",
    }


def test_it_lists_no_national_forms_for_a_foreign_number():
    forms = connectors.number_match_values("+46701234567", region="NL")
    assert "0701234567" not in forms and "701234567" not in forms
    assert {"+46701234567", "0046701234567", "+460701234567"} <= set(forms)
    assert "0701234567" in connectors.number_match_values("+46701234567", region="SE")


@pytest.mark.parametrize("bad", ["0612345678", "+31 6 12345678", "+3161234", "", "'; --"])
def test_it_refuses_what_is_not_a_valid_e164_number(bad):
    with pytest.raises(ValueError):
        connectors.number_match_values(bad, region="NL")


# discover: link kinds and formats


def test_it_finds_the_first_contact_in_every_table(dm):
    found = connectors.discover(dm, N["first_contact"])

    assert [(h.source, h.table) for h in found.hits] == [(t.source, t.name) for t in dm.tables]
    assert all(h.count == len(h.keys) > 0 for h in found.hits)
    assert found.shared == ()
    # Number columns; via links with to_column (contacts); the id chain down to messages.
    expected = of_contacts(1) | {
        "contact_numbers": stored_with("contact_numbers", "number", N["first_contact"]),
        "channel_consents": stored_with("channel_consents", "number", N["first_contact"]),
        "call_recordings": stored_with("call_recordings", "caller_number", N["first_contact"]),
    }
    assert keys(found) == expected
    assert found.total_rows == sum(len(v) for v in expected.values())


def test_it_finds_numbers_stored_in_other_formats(dm):
    add_contact(901, "06-12345678")
    for row_id, stored in enumerate(
        ["+31 6 1234 5678", "0031612345678", "+31 (0)6 1234 5678", "06.12.34.56.78", "612345678"],
        start=9001,
    ):
        add_recording(row_id, stored)
    # Near misses: another number, in the same formats.
    add_recording(9101, "+31 6 1234 5679")
    add_recording(9102, "06-12345677")
    insert("conversations", id=9001, contact_id=901, channel="sms", started_at=TS, topic="x")
    add_messages(9001, 900_001, 3)

    found = connectors.discover(dm, NEW)

    assert found.hit(CS, "contact_numbers").keys == (9010,)
    assert found.hit(CS, "call_recordings").keys == (9001, 9002, 9003, 9004, 9005)
    assert found.hit(CS, "contacts").keys == (901,)
    assert found.hit(CS, "messages").keys == (900_001, 900_002, 900_003)


@pytest.mark.parametrize(
    ("name", "stored", "contact"),
    [("national_format", "0610000006", 6), ("two_numbers_second", "0031610000004", 4)],
)
def test_it_finds_the_demo_numbers_stored_nationally(dm, name, stored, contact):
    assert rows("SELECT contact_id FROM contact_numbers WHERE number = %s", (stored,)) == [
        (contact,)
    ]
    found = connectors.discover(dm, N[name])
    assert found.hit(CS, "contacts").keys == (contact,)
    assert found.hit(CS, "messages").keys == of_contacts(contact)["messages"]


def test_it_confirms_every_candidate_after_the_digit_match(dm, monkeypatch):
    add_contact(902, "06-12345679")
    real = connectors.number_match_values
    # A careless digit match that would also take +31612345679.
    monkeypatch.setattr(
        connectors,
        "number_match_values",
        lambda e164, *, region: (*real(e164, region=region), "0612345679"),
    )

    found = connectors.discover(dm, NEW)

    assert found.total_rows == 0


def test_it_finds_one_contact_through_either_of_its_two_numbers(dm):
    first = connectors.discover(dm, N["two_numbers"])
    second = connectors.discover(dm, N["two_numbers_second"])

    for table in CONTACT_TABLES:
        assert first.hit(CS, table).keys == second.hit(CS, table).keys == of_contacts(4)[table]
    assert first.hit(CS, "contacts").keys == (4,)
    one, other = first.hit(CS, "contact_numbers").keys, second.hit(CS, "contact_numbers").keys
    assert len(one) == len(other) == 1 and one != other
    assert first.shared == second.shared == ()


def test_it_finds_only_the_consent_of_a_prospect(dm):
    found = connectors.discover(dm, N["consent_only"])

    assert {h.table: h.count for h in found.hits if h.count} == {"channel_consents": 1}


def test_it_finds_nothing_for_a_number_stored_nowhere(dm):
    found, count = statements(dm, N["unknown"])

    assert found.number == N["unknown"]
    assert [(h.table, h.count, h.keys, h.excluded_shared) for h in found.hits] == [
        (t.name, 0, (), 0) for t in dm.tables
    ]
    assert found.shared == ()
    # The same path as a known number: every number table is searched; nothing to follow.
    assert count == len(NUMBER_TABLES)


# shared numbers


def test_it_flags_a_household_number_and_excludes_the_contacts(dm):
    household = of_contacts(2, 3)

    found = connectors.discover(dm, N["household"])

    assert found.shared == (SharedNumber(CS, "contact_numbers", "contacts", 2),)
    for table in CONTACT_TABLES:
        hit = found.hit(CS, table)
        assert hit.keys == () and hit.count == 0, table
        assert hit.excluded_shared == len(household[table]), table
    assert found.shared[0].values == (2, 3)
    # Each number row belongs to one of the two contacts: both are withheld, like the calls
    # matched by the number alone (whose voice is unknown). The consents are about the
    # number itself, which the customer controls: they stay.
    assert found.hit(CS, "contact_numbers").count == 0
    assert found.hit(CS, "contact_numbers").excluded_shared == 2
    calls = stored_with("call_recordings", "caller_number", N["household"])
    assert found.hit(CS, "call_recordings").count == 0
    assert found.hit(CS, "call_recordings").excluded_shared == len(calls)
    assert found.hit(CS, "channel_consents").keys == stored_with(
        "channel_consents", "number", N["household"]
    )
    assert found.hit(CS, "channel_consents").count >= 1
    assert found.total_rows == found.hit(CS, "channel_consents").count
    assert found.withheld == 2 + len(calls) + sum(len(household[t]) for t in CONTACT_TABLES)


def test_it_does_not_flag_one_contact_storing_its_number_twice(dm):
    add_number(9500, 1, "06 10 00 00 01")

    found = connectors.discover(dm, N["first_contact"])

    assert found.shared == ()
    assert 9500 in found.hit(CS, "contact_numbers").keys
    assert found.hit(CS, "contacts").keys == (1,)


def test_it_flags_a_number_a_new_contact_also_uses(dm):
    add_contact(903, "+31610000001")

    found = connectors.discover(dm, N["first_contact"])

    assert found.shared == (SharedNumber(CS, "contact_numbers", "contacts", 2),)
    assert found.hit(CS, "contacts").excluded_shared == 2
    assert found.hit(CS, "messages").excluded_shared == len(of_contacts(1)["messages"])
    # Whose voice the call is cannot be told from the number: withheld too.
    assert found.hit(CS, "call_recordings").count == 0
    assert found.hit(CS, "call_recordings").excluded_shared == 1


HOUSEHOLD_LINK = (CS, "contact_numbers", "contacts")


def test_a_decision_gives_the_chosen_contact_its_rows_and_leaves_the_other_alone(dm):
    add_recording(9700, "06-10000002")
    mine, theirs = of_contacts(2), of_contacts(3)

    found = connectors.discover(dm, N["household"], requester={HOUSEHOLD_LINK: "2"})

    # Only contact 2's own link row; contact 3's is neither included nor counted as withheld.
    own = ids("SELECT id FROM contact_numbers WHERE contact_id = 2")
    assert found.hit(CS, "contact_numbers").keys == own
    for table in CONTACT_TABLES:
        assert found.hit(CS, table).keys == mine[table], table
        assert not set(found.hit(CS, table).keys) & set(theirs[table]), table
    assert found.withheld == 0
    # The calls on the number now go to the chosen contact, the consents stay.
    calls = stored_with("call_recordings", "caller_number", N["household"])
    assert 9700 in calls and found.hit(CS, "call_recordings").keys == calls
    assert found.hit(CS, "channel_consents").count >= 1
    assert found.shared == (SharedNumber(CS, "contact_numbers", "contacts", 2),)
    assert found.requester == ((*HOUSEHOLD_LINK, "2"),)
    undecided = connectors.discover(dm, N["household"])
    assert found.fingerprint() != undecided.fingerprint()


def test_cannot_be_told_keeps_everything_of_the_contacts_withheld(dm):
    add_recording(9700, "06-10000002")
    undecided = connectors.discover(dm, N["household"])

    found = connectors.discover(dm, N["household"], requester={HOUSEHOLD_LINK: None})

    assert keys(found) == keys(undecided)
    assert found.withheld == undecided.withheld > 0
    assert found.requester == ((*HOUSEHOLD_LINK, None),)
    # The approved plan says it was decided: another fingerprint than an undecided one.
    assert found.fingerprint() != undecided.fingerprint()


def test_a_decision_keeps_applying_when_the_number_leads_to_one_contact(dm):
    theirs = of_contacts(3)
    with connections[ALIAS].cursor() as cursor:  # contact 2's link was erased
        cursor.execute("DELETE FROM contact_numbers WHERE contact_id = 2")

    found = connectors.discover(dm, N["household"], requester={HOUSEHOLD_LINK: "2"})

    assert found.hit(CS, "contact_numbers").count == 0
    for table in CONTACT_TABLES:
        assert found.hit(CS, table).count == 0, table
        assert found.hit(CS, table).excluded_shared == 0, table
    assert theirs["contacts"] == (3,)  # untouched, and not the customer's


# fingerprint


def test_it_fingerprints_the_exact_rows(dm):
    before = connectors.discover(dm, N["first_contact"])
    again = connectors.discover(dm, N["first_contact"])
    assert before == again
    assert before.fingerprint() == again.fingerprint()
    assert len(before.fingerprint()) == 64
    assert before.fingerprint() != connectors.discover(dm, N["heavy"]).fingerprint()

    # Another contact's new message changes nothing; one of this contact's does.
    other = rows("SELECT id FROM conversations WHERE contact_id = 7 ORDER BY id")[0][0]
    add_messages(other, 800_001, 1)
    assert connectors.discover(dm, N["first_contact"]).fingerprint() == before.fingerprint()
    own = before.hit(CS, "conversations").keys[0]
    add_messages(own, 800_002, 1)
    assert connectors.discover(dm, N["first_contact"]).fingerprint() != before.fingerprint()


def test_it_fingerprints_independently_of_the_map_order(dm):
    found = connectors.discover(dm, N["first_contact"])
    reversed_hits = connectors.Discovery(found.number, found.hits[::-1], found.shared)

    assert reversed_hits.fingerprint() == found.fingerprint()


# iter_rows


def test_it_streams_rows_in_chunks_ordered_by_id(dm, monkeypatch):
    monkeypatch.setattr(connectors, "IN_CHUNK", 10)
    table = dm.table(CS, "messages")
    message_keys = connectors.discover(dm, N["heavy"]).hit(CS, "messages").keys
    assert len(message_keys) > 20

    streamed = list(connectors.iter_rows(dm, table, message_keys[::-1], chunk_size=7))

    assert [r["id"] for r in streamed] == list(message_keys)
    assert list(streamed[0]) == ["id", "sent_at", "direction", "body", "status"]
    marks = ", ".join(["%s"] * len(message_keys))
    expected = rows(
        f"SELECT id, sent_at, direction, body, status FROM messages WHERE id IN ({marks}) ORDER BY id",  # noqa: S608
        message_keys,
    )
    assert [tuple(r.values()) for r in streamed] == expected
    assert isinstance(streamed[0]["sent_at"], datetime)
    assert streamed[0]["sent_at"].tzinfo is not None


def test_it_streams_lazily(dm, monkeypatch):
    monkeypatch.setattr(connectors, "IN_CHUNK", 5)
    table = dm.table(CS, "messages")
    message_keys = ids("SELECT id FROM messages")

    with CaptureQueriesContext(connections[ALIAS]) as queries:
        stream = connectors.iter_rows(dm, table, message_keys, chunk_size=7)
        first = next(stream)
        assert len(queries) == 1
        stream.close()
    assert first["id"] == message_keys[0]


def test_it_reads_the_columns_asked_for_with_their_types(dm):
    table = dm.table(CS, "contacts")

    (row,) = connectors.iter_rows(dm, table, [1], columns=["full_name", "date_of_birth"])

    assert list(row) == ["id", "full_name", "date_of_birth"]
    assert isinstance(row["date_of_birth"], date)
    assert list(connectors.iter_rows(dm, table, [])) == []
    assert list(connectors.iter_rows(dm, table, [123_456])) == []


def test_it_reads_no_column_the_map_does_not_declare(dm):
    table = dm.table(CS, "contacts")

    with pytest.raises(ValueError, match="declares no column"):
        list(connectors.iter_rows(dm, table, [1], columns=["full_name", "1; DROP TABLE x"]))


# safety and cost


def test_it_takes_no_sql_from_the_number(dm):
    attack = "'; DROP TABLE contacts; --"
    # Even a row storing that exact text is not found: it is no phone number.
    add_number(9600, 1, attack)

    found = connectors.discover(dm, attack)

    assert found.total_rows == 0
    assert rows("SELECT COUNT(*) FROM contacts") == [(30,)]


def test_it_refuses_identifiers_that_are_not_plain_names(dm):
    hostile = datamap.parse(
        """
        version = 1
        [[sources]]
        name = "cs"
        database = "customer_service"
        [[tables]]
        source = "cs"
        name = 'contacts" WHERE 1=1; --'
        activity = "customer-service"
        link = { number = "number" }
        [tables.columns.number]
        category = "contact"
        erasure = "delete"
        """
    )

    with pytest.raises(ValueError, match="not a plain SQL identifier"):
        connectors.discover(hostile, N["first_contact"])


def test_it_refuses_a_map_whose_links_reach_no_number(dm):
    broken = datamap.parse(
        """
        version = 1
        [[sources]]
        name = "cs"
        database = "customer_service"
        [[tables]]
        source = "cs"
        name = "messages"
        activity = "customer-service"
        link = { via = "conversation_id", to = "conversations" }
        [tables.columns.body]
        category = "communication"
        erasure = "delete"
        """
    )

    with pytest.raises(ValueError, match="do not reach a number column"):
        connectors.discover(broken, N["first_contact"])


def test_its_statements_do_not_grow_with_the_messages(dm):
    before, count = statements(dm, N["first_contact"])
    assert count == len(dm.tables)  # one per table

    # 2,000 more messages in one conversation: more rows, the same statements.
    add_messages(before.hit(CS, "conversations").keys[0], 700_001, 2000)
    after, count_after = statements(dm, N["first_contact"])
    assert after.hit(CS, "messages").count == before.hit(CS, "messages").count + 2000
    assert count_after == count

    # 1,000 more conversations: the messages statement splits in two IN lists.
    with connections[ALIAS].cursor() as cursor:
        cursor.executemany(
            "INSERT INTO conversations (id, contact_id, channel, started_at, topic) "
            "VALUES (%s, %s, %s, %s, %s)",
            [(600_000 + i, 1, "sms", TS, "x") for i in range(1000)],
        )
    many, count_many = statements(dm, N["first_contact"])
    assert many.hit(CS, "conversations").count == before.hit(CS, "conversations").count + 1000
    assert count_many == len(dm.tables) + 1
