"""The data map: reading the TOML, validating it against live schemas, the command."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import OperationalError, connections

from dsar import datamap
from dsar.demo import schema

pytestmark = pytest.mark.django_db(databases=["default", "customer_service"])

DEMO_MAP = settings.BASE_DIR / "datamap.toml"

SOURCE = """
[[sources]]
name = "cs"
database = "customer_service"
region = "NL"
"""

NUMBERS = """
[[tables]]
source = "cs"
name = "contact_numbers"
activity = "customer-service"
link = { number = "number" }
columns.number = { category = "contact", erasure = "delete", provided = true }
"""

CONTACTS = """
[[tables]]
source = "cs"
name = "contacts"
activity = "customer-service"
link = { via = "id", to = "contact_numbers", to_column = "contact_id" }
dates = { contract_end = "contract_end" }
columns.full_name = { category = "identity", erasure = "mask" }
"""

PAYMENTS = """
[[tables]]
source = "cs"
name = "payments"
activity = "payments"
link = { via = "contact_id", to = "contacts" }

dates = { payment = "paid_at" }

[tables.columns.amount_cents]
category = "financial"
erasure = "retain"
legal_basis = "GDPR Art. 17(3)(b): AWR art. 52"
"""
# The register's rules for the small map: {activity: retention trigger}.
RULES = {"customer-service": "contract_end", "payments": "payment"}


@pytest.fixture(autouse=True)
def live_schema():
    """The demo's tables, empty: validation only needs the schema."""
    with connections["customer_service"].cursor() as cursor:
        for sql in schema.drop_statements() + schema.create_statements(
            connections["customer_service"].vendor
        ):
            cursor.execute(sql)


def check(*parts: str) -> list[str]:
    dm = datamap.parse("".join(parts), origin="test.toml")
    return datamap.validate(dm, connections=connections)


def test_it_accepts_the_demo_map():
    assert datamap.validate(datamap.load(DEMO_MAP), connections=connections) == []


def test_it_accepts_a_small_map():
    assert check(SOURCE, NUMBERS, CONTACTS, PAYMENTS) == []


def test_it_reads_the_demo_map_into_dataclasses():
    dm = datamap.load(DEMO_MAP)
    assert dm.sha256 == hashlib.sha256(DEMO_MAP.read_bytes()).hexdigest()
    assert [s.database for s in dm.sources] == ["customer_service"]
    messages = dm.table("customer-service", "messages")
    chain = [t.name for t in dm.chain(messages)]
    assert chain == ["messages", "conversations", "contacts", "contact_numbers"]
    payments = dm.table("customer-service", "payments")
    assert payments.date_column("payment") == "paid_at"
    assert messages.date_column("contact") == "sent_at"
    contacts = dm.table("customer-service", "contacts")
    assert contacts.activity_of(contacts.column("customer_no")) == "bookkeeping"
    assert contacts.activity_of(contacts.column("full_name")) == "customer-administration"
    assert list(contacts.columns_by_activity()) == [
        "customer-administration",
        "bookkeeping",
        "legal-claims",
    ]
    assert dict(messages.label)["nl"] == "Berichten"
    assert not payments.deletes_rows and messages.deletes_rows
    assert "body" in [c.name for c in messages.provided_columns()]
    assert "status" not in [c.name for c in messages.provided_columns()]


def test_its_dict_form_reads_back_to_the_same_map():
    dm = datamap.load(DEMO_MAP)
    again = datamap.from_dict(dm.to_dict(), origin=dm.origin, sha256=dm.sha256)
    assert again == dm


BAD = [
    ("unknown alias", SOURCE.replace('"customer_service"', '"crm"') + NUMBERS,
     "source 'cs': database alias 'crm' is not configured"),
    ("undeclared source", SOURCE + NUMBERS.replace('source = "cs"', 'source = "billing"'),
     "table 'billing.contact_numbers': source 'billing' is not declared"),
    ("unknown table", SOURCE + NUMBERS.replace('"contact_numbers"', '"contact_nums"'),
     "table 'cs.contact_nums': no such table in database alias 'customer_service'"),
    ("unknown column", SOURCE + NUMBERS + "columns.phone = { category = 'contact', erasure = 'delete' }\n",
     "table 'cs.contact_numbers', column 'phone': no such column"),
    ("missing link column", SOURCE + NUMBERS.replace('number = "number"', 'number = "phone"'),
     "link column 'phone' (number) does not exist"),
    ("missing via column", SOURCE + NUMBERS + CONTACTS + PAYMENTS.replace('via = "contact_id"', 'via = "customer_id"'),
     "table 'cs.payments': link column 'customer_id' (via) does not exist"),
    ("missing target column", SOURCE + NUMBERS + CONTACTS.replace('"contact_id"', '"owner_id"'),
     "link target column contact_numbers.owner_id does not exist"),
    ("target not in map", SOURCE + NUMBERS + PAYMENTS,
     "table 'cs.payments': link points to table 'contacts', which is not in the data map"),
    ("cycle", SOURCE + NUMBERS + CONTACTS.replace('to = "contact_numbers", to_column = "contact_id"', 'to = "payments", to_column = "contact_id"') + PAYMENTS,
     "the link chain contacts → payments → contacts is a cycle"),
    ("no link", SOURCE + NUMBERS + CONTACTS.replace("link = ", "# link = ") + PAYMENTS,
     "table 'cs.contacts' has no link"),
    ("stranded by a missing link", SOURCE + NUMBERS + CONTACTS.replace("link = ", "# link = ") + PAYMENTS,
     "table 'cs.payments' cannot reach a number column: its link chain payments → contacts breaks at 'contacts'"),
    ("two kinds of link", SOURCE + NUMBERS.replace('{ number = "number" }', '{ number = "number", via = "contact_id" }'),
     "link must be either { number = column } or { via = column, to = table }"),
    ("missing strategy", SOURCE + NUMBERS.replace(', erasure = "delete"', ""),
     "column 'number': has no erasure strategy"),
    ("unknown strategy", SOURCE + NUMBERS.replace('"delete"', '"shred"'),
     "column 'number': unknown erasure strategy 'shred'"),
    ("retain without legal basis", SOURCE + NUMBERS + CONTACTS + PAYMENTS.replace('legal_basis = "GDPR Art. 17(3)(b): AWR art. 52"', ""),
     "column 'amount_cents': erasure 'retain' needs a legal_basis"),
    ("a free-text retention period", SOURCE + NUMBERS + CONTACTS + PAYMENTS + 'retention = "7 years after payment"\n',
     "column 'amount_cents': unknown key 'retention'"),
    ("unknown date kind", SOURCE + NUMBERS + CONTACTS + PAYMENTS.replace("payment = ", "paid = "),
     "table 'cs.payments': dates: unknown kind 'paid'"),
    ("date column missing", SOURCE + NUMBERS + CONTACTS + PAYMENTS.replace('"paid_at"', '"booked_at"'),
     "table 'cs.payments': dates: payment column 'booked_at' does not exist"),
    ("date column not a date", SOURCE + NUMBERS + CONTACTS + PAYMENTS.replace('"paid_at"', '"amount_cents"'),
     "dates: payment column 'amount_cents' is a IntegerField, not a date"),
    ("unknown identify kind", SOURCE + NUMBERS + CONTACTS.replace("dates = ", 'identify = { full_name = "full_name" }\ndates = '),
     "table 'cs.contacts': identify: unknown kind 'full_name'"),
    ("identify an undeclared column", SOURCE + NUMBERS + CONTACTS.replace("dates = ", 'identify = { reference = "customer_no" }\ndates = '),
     "table 'cs.contacts': identify: reference column 'customer_no' is not a declared column"),
    ("bad identify", SOURCE + NUMBERS + CONTACTS.replace("dates = ", 'identify = "full_name"\ndates = '),
     "'identify' must be { reference ="),
    ("bad label", SOURCE + NUMBERS.replace('activity = ', 'label = "Numbers"\nactivity = '),
     "'label' must be { en = "),
    ("bad column activity", SOURCE + NUMBERS.replace('erasure = "delete"', 'erasure = "delete", activity = "Book keeping"'),
     "activity 'Book keeping' is not a processing activity code"),
    ("unknown file storage", SOURCE + NUMBERS.replace('erasure = "delete"', 'erasure = "delete", file = "tapes"'),
     "column 'number': file storage 'tapes' is not configured"),
    ("a file reference masked", SOURCE + NUMBERS + CONTACTS.replace('erasure = "mask" }', 'erasure = "mask", file = "recordings" }'),
     "a file reference can be deleted with its file ('delete', 'null') or kept ('retain'), not 'mask'"),
    ("a file reference in a number column", SOURCE + NUMBERS + CONTACTS + PAYMENTS + "[tables.columns.paid_at]\ncategory = 'financial'\nerasure = 'retain'\nlegal_basis = 'x'\nfile = 'recordings'\n",
     "column 'paid_at': a file reference needs a text column"),
    ("legal basis without retain", SOURCE + NUMBERS.replace('provided = true', 'legal_basis = "law"'),
     "legal_basis only goes with erasure 'retain'"),
    ("missing category", SOURCE + NUMBERS.replace('category = "contact", ', ""),
     "column 'number': has no category"),
    ("unknown category", SOURCE + NUMBERS.replace('"contact"', '"phone-data"'),
     "column 'number': unknown category 'phone-data'"),
    ("bad activity code", SOURCE + NUMBERS.replace('"customer-service"', '"Customer Service"'),
     "activity 'Customer Service' is not a processing activity code"),
    ("no activity", SOURCE + NUMBERS.replace('activity = "customer-service"', ""),
     "table 'cs.contact_numbers' names no processing activity"),
    ("duplicate table", SOURCE + NUMBERS + NUMBERS,
     "table 'cs.contact_numbers' is declared more than once"),
    ("null on NOT NULL", SOURCE + NUMBERS + CONTACTS.replace('"mask"', '"null"'),
     "column 'full_name': erasure 'null' is impossible, the column is NOT NULL"),
    ("hash on a number column", SOURCE + NUMBERS + CONTACTS + PAYMENTS + "[tables.columns.paid_at]\ncategory = 'financial'\nerasure = 'hash'\n",
     "column 'paid_at': erasure 'hash' needs a text column"),
    ("delete and retain", SOURCE + NUMBERS + CONTACTS + PAYMENTS + "[tables.columns.reference]\ncategory = 'financial'\nerasure = 'delete'\n",
     "removes the row, but amount_cents must be retained"),
    ("typo in a key", SOURCE + NUMBERS.replace("category =", "categroy ="),
     "unknown key 'categroy'"),
    ("wrong type", SOURCE + NUMBERS.replace("provided = true", 'provided = "yes"'),
     "'provided' must be true or false"),
    ("unknown region", SOURCE.replace('"NL"', '"Holland"') + NUMBERS,
     "region 'Holland' is not a country code"),
    ("no columns", SOURCE + NUMBERS.replace("columns.number = ", "# "),
     "table 'cs.contact_numbers' declares no columns"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_it_names_each_problem(text, expected):
    errors = check(text)
    assert any(expected in e for e in errors), errors
    assert all(e.startswith("test.toml: ") for e in errors), errors


def test_it_lists_every_error_together():
    text = (
        SOURCE
        + NUMBERS.replace('"delete"', '"shred"')
        + CONTACTS.replace('"identity"', '"persona"')
        + PAYMENTS.replace('legal_basis = "GDPR Art. 17(3)(b): AWR art. 52"', "")
        + """
[[tables]]
source = "cs"
name = "emails"
activity = "Marketing!"
link = { via = "contact_id", to = "people" }
columns.address = { category = "contact", erasure = "null" }
"""
    )
    errors = check(text)
    for expected in [
        "unknown erasure strategy 'shred'",
        "unknown category 'persona'",
        "needs a legal_basis",
        "'Marketing!' is not a processing activity code",
        "link points to table 'people'",
        "table 'cs.emails': no such table",
    ]:
        assert any(expected in e for e in errors), (expected, errors)
    assert len(errors) == 6, errors


def _with_rules(text: str, rules: dict[str, str]) -> list[str]:
    dm = datamap.parse(text, origin="test.toml")
    return datamap.validate(dm, connections=connections, rules=rules)


def test_it_accepts_a_map_whose_every_column_has_a_rule_with_its_date():
    assert _with_rules(SOURCE + NUMBERS + CONTACTS + PAYMENTS, RULES) == []


def test_it_refuses_a_column_whose_activity_is_not_in_the_register():
    errors = _with_rules(
        SOURCE + NUMBERS + CONTACTS + PAYMENTS, {"customer-service": "contract_end"}
    )
    assert errors == [
        "test.toml: table 'cs.payments': activity 'payments' (of amount_cents) is not in the "
        "processing register: add it there first, with its retention rule."
    ]


def test_a_column_activity_needs_its_own_rule():
    text = (
        SOURCE
        + NUMBERS
        + CONTACTS.replace('erasure = "mask" }', 'erasure = "mask", activity = "marketing" }')
        + PAYMENTS
    )
    errors = _with_rules(text, RULES)
    assert errors == [
        "test.toml: table 'cs.contacts': activity 'marketing' (of full_name) is not in the "
        "processing register: add it there first, with its retention rule."
    ]


def test_a_rule_per_row_needs_the_date_in_the_table_itself():
    text = SOURCE + NUMBERS + CONTACTS + PAYMENTS.replace('dates = { payment = "paid_at" }', "")
    errors = _with_rules(text, RULES)
    assert errors == [
        "test.toml: table 'cs.payments': the retention rule of 'payments' (of amount_cents) "
        "counts from each row's 'payment' date: add dates = { payment = \"<column>\" } to the table."
    ]


def test_a_rule_per_customer_needs_the_date_somewhere_in_the_map():
    text = SOURCE + NUMBERS + CONTACTS.replace('dates = { contract_end = "contract_end" }', "")
    errors = _with_rules(text, {"customer-service": "contract_end"})
    assert errors == [
        f"test.toml: table 'cs.{name}': the retention rule of 'customer-service' ({columns}) counts "
        "from the customer's 'contract_end' date, which no table of the map names in 'dates'."
        for name, columns in (("contact_numbers", "of number"), ("contacts", "of full_name"))
    ]
    # A customer's latest date may come from another table of the map.
    assert _with_rules(SOURCE + NUMBERS + CONTACTS, {"customer-service": "contract_end"}) == []


def test_it_reports_a_database_it_cannot_reach():
    class Unreachable:
        def cursor(self):
            raise OperationalError("connection refused")

    dm = datamap.parse(SOURCE + NUMBERS, origin="test.toml")
    errors = datamap.validate(dm, connections={"customer_service": Unreachable()})
    assert errors == [
        "test.toml: source 'cs': cannot read the schema of database alias 'customer_service' "
        "(connection refused)."
    ]


def test_it_refuses_a_file_that_is_not_toml():
    with pytest.raises(datamap.DataMapError, match="test.toml: not valid TOML"):
        datamap.parse("[[sources]\nname = ", origin="test.toml")


@pytest.fixture
def register():
    """The register's activities for the small map, with their retention rules."""
    from tests.factories import ProcessingActivityFactory

    for code, trigger in RULES.items():
        ProcessingActivityFactory(code=code, retention_trigger=trigger)


def test_the_command_lists_every_error_and_fails(tmp_path, django_assert_num_queries, register):
    path = tmp_path / "bad.toml"
    path.write_text(SOURCE + NUMBERS.replace('"delete"', '"shred"') + PAYMENTS)
    err = io.StringIO()
    # It reads the register's rules, and changes nothing.
    with django_assert_num_queries(1), pytest.raises(CommandError, match="3 error"):
        call_command("load_datamap", str(path), stdout=io.StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    assert len(lines) == 3
    assert "unknown erasure strategy 'shred'" in lines[0]
    assert "counts from the customer's 'contract_end' date, which no table" in lines[1]
    assert "link points to table 'contacts'" in lines[2]


def test_the_command_refuses_a_map_the_register_does_not_cover(tmp_path):
    path = tmp_path / "map.toml"
    path.write_text(SOURCE + NUMBERS + CONTACTS + PAYMENTS)
    err = io.StringIO()
    with pytest.raises(CommandError, match="3 error"):
        call_command("load_datamap", str(path), stdout=io.StringIO(), stderr=err)
    assert (
        "activity 'payments' (of amount_cents) is not in the processing register" in err.getvalue()
    )


def test_the_command_reports_an_unreadable_file(tmp_path):
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("load_datamap", str(tmp_path / "missing.toml"), stderr=err)
    assert "cannot read the file" in err.getvalue()


def test_the_command_summarises_a_valid_map(settings, tmp_path, register):
    settings.DSAR_DATAMAP_PATH = tmp_path / "map.toml"
    settings.DSAR_DATAMAP_PATH.write_text(SOURCE + NUMBERS + CONTACTS + PAYMENTS)
    out = io.StringIO()
    call_command("load_datamap", stdout=out)
    assert "map.toml is valid" in out.getvalue()
    assert "1 source(s), 3 tables, 3 columns" in out.getvalue()
    assert "payments" in out.getvalue()


def test_the_command_defaults_to_the_demo_map():
    from dsar.demo.register import seed_register

    seed_register()
    out = io.StringIO()
    call_command("load_datamap", stdout=out)
    assert "datamap.toml is valid" in out.getvalue()
    assert "8 tables" in out.getvalue()


# --- the suppress action (objections, consent withdrawals) ------------------------------------

CONSENTS = """
[[tables]]
source = "cs"
name = "channel_consents"
activity = "customer-service"
link = { number = "number" }
suppress = { withdraw = "withdrawn_at", channel = "channel", scope = "scope", marketing = ["marketing"] }
columns.number = { category = "contact", erasure = "hash" }
columns.channel = { category = "consent", erasure = "retain", legal_basis = "Art. 7(1)" }
columns.scope = { category = "consent", erasure = "retain", legal_basis = "Art. 7(1)" }
columns.withdrawn_at = { category = "consent", erasure = "retain", legal_basis = "Art. 7(1)" }
columns.given_at = { category = "consent", erasure = "retain", legal_basis = "Art. 7(1)" }
"""
LISTS = """
[[tables]]
source = "cs"
name = "marketing_list_members"
activity = "customer-service"
link = { via = "contact_id", to = "contacts" }
suppress = { delete = true, name = "list_name" }
columns.list_name = { category = "marketing", erasure = "delete" }
"""
GOOD = SOURCE + NUMBERS + CONTACTS + CONSENTS + LISTS


def test_it_accepts_suppress_actions_and_reads_them_back():
    assert check(GOOD) == []
    dm = datamap.parse(GOOD, origin="test.toml")
    rule = dm.table("cs", "channel_consents").suppress
    assert rule.action == "withdraw" and rule.marketing == ("marketing",)
    assert dm.table("cs", "marketing_list_members").suppress.action == "delete"
    assert datamap.from_dict(dm.to_dict(), origin=dm.origin, sha256=dm.sha256) == dm


SUPPRESS_BAD = [
    ("no action", GOOD.replace('delete = true, ', ""), "suppress needs exactly one action"),
    ("two actions", GOOD.replace('delete = true,', 'delete = true, withdraw = "list_name",'),
     "suppress needs exactly one action"),
    ("unknown key", GOOD.replace("delete = true", "delete = true, channels = 'x'"),
     "suppress: unknown key 'channels'"),
    ("not a table", GOOD.replace('{ delete = true, name = "list_name" }', '"delete"'),
     "'suppress' must be { withdraw"),
    ("delete not a boolean", GOOD.replace("delete = true", 'delete = "yes"'),
     "suppress: 'delete' must be true or false"),
    ("scope without values", GOOD.replace(', marketing = ["marketing"]', ""),
     "'scope' (the consent's purpose column) and 'marketing'"),
    ("marketing not a list", GOOD.replace('["marketing"]', '"marketing"'),
     "suppress: 'marketing' must be a list of values"),
    ("undeclared column", GOOD.replace('name = "list_name"', 'name = "source"'),
     "suppress: name column 'source' is not a declared column"),
    ("withdraw a text column", GOOD.replace('withdraw = "withdrawn_at"', 'withdraw = "scope"'),
     "suppress: withdraw column 'scope' is a CharField, not a date"),
    ("withdraw a NOT NULL date", GOOD.replace('withdraw = "withdrawn_at"', 'withdraw = "given_at"'),
     "suppress: withdraw column 'given_at' is NOT NULL"),
    ("column missing in the table",
     GOOD.replace('name = "list_name" }', 'name = "list_label" }').replace(
         "columns.list_name =", "columns.list_label ="),
     "suppress: name column 'list_label' does not exist in the table"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"), [b[1:] for b in SUPPRESS_BAD], ids=[b[0] for b in SUPPRESS_BAD]
)
def test_it_names_each_suppress_problem(text, expected):
    errors = check(text)
    assert any(expected in e for e in errors), errors
    assert all(e.startswith("test.toml: ") for e in errors), errors
