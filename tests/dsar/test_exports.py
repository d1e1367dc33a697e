"""dsar.exports: the access package, a ZIP built in one streaming pass."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import subprocess
import sys
import tracemalloc
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import translation

from dsar.exports import REGISTER_EXTRACT, TableExport, build_package, neutralise

REFERENCE = "R-7KQ2-M9XD-4T"
GENERATED = datetime(2025, 3, 3, 13, 5, tzinfo=UTC)
CONTACT_COLUMNS = (("name", "identity"), ("email", "contact"), ("born", "identity"))
FORMULAS = ["=1+1", "+SUM(A1:A9)", "-2", "@cmd", "\t=1+1", "\r=1+1", "-2+3", "- call me back"]


def contacts(rows) -> TableExport:
    return TableExport(
        source="cs",
        table="contacts",
        activity="customer-service",
        columns=CONTACT_COLUMNS,
        rows=iter(rows),
    )


def messages(rows, source: str = "cs") -> TableExport:
    return TableExport(
        source=source,
        table="messages",
        activity="customer-service",
        columns=(("body", "communication"), ("sent_at", "communication")),
        rows=iter(rows),
    )


def build(tmp_path, tables, **options):
    path = tmp_path / "package.zip"
    options = {
        "reference": REFERENCE,
        "kind": "access",
        "language": "en",
        "generated_at": GENERATED,
    } | options
    return path, build_package(path, tables=tables, **options)


def entries(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def readme(path) -> str:
    return entries(path)["README.txt"].decode()


ALICE_ROWS = [
    {"id": 1, "name": "Alice de Vries", "email": "alice@example.nl", "born": date(1990, 1, 2)},
    {"id": 2, "name": "Alice de Vries", "email": None, "born": None},
]
MESSAGE_ROWS = [
    {"id": 10, "body": "Hello", "sent_at": datetime(2025, 1, 5, 9, 30, tzinfo=UTC)},
]


def test_it_writes_json_csv_and_readme(tmp_path):
    path, _ = build(tmp_path, [contacts(ALICE_ROWS), messages(MESSAGE_ROWS)])
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None
        assert {i.filename: i.compress_type for i in zf.infolist()} == {
            "data.json": zipfile.ZIP_DEFLATED,
            "csv/cs__contacts.csv": zipfile.ZIP_DEFLATED,
            "csv/cs__messages.csv": zipfile.ZIP_DEFLATED,
            "README.txt": zipfile.ZIP_DEFLATED,
        }


def test_it_records_fields_categories_and_records_in_json(tmp_path):
    _, result = build(tmp_path, [contacts(ALICE_ROWS), messages(MESSAGE_ROWS)])
    document = json.loads(entries(tmp_path / "package.zip")["data.json"])
    assert document == {
        "reference": REFERENCE,
        "kind": "access",
        "generated_at": "2025-03-03T13:05:00+00:00",
        "language": "en",
        "withheld_records": 0,
        "sources": [
            {
                "source": "cs",
                "tables": [
                    {
                        "table": "contacts",
                        "activity": "customer-service",
                        "fields": {"name": "identity", "email": "contact", "born": "identity"},
                        "records": [
                            {
                                "id": 1,
                                "name": "Alice de Vries",
                                "email": "alice@example.nl",
                                "born": "1990-01-02",
                            },
                            {"id": 2, "name": "Alice de Vries", "email": None, "born": None},
                        ],
                    },
                    {
                        "table": "messages",
                        "activity": "customer-service",
                        "fields": {"body": "communication", "sent_at": "communication"},
                        "records": [
                            {"id": 10, "body": "Hello", "sent_at": "2025-01-05T09:30:00+00:00"}
                        ],
                    },
                ],
            }
        ],
    }
    assert result.counts == {"cs/contacts": 2, "cs/messages": 1}


def test_it_names_its_provenance_and_what_was_withheld(tmp_path):
    path = tmp_path / "package.zip"
    provenance = {"register_version": 12, "datamap_version": 3, "datamap_sha256": "ab" * 32}
    build_package(
        path,
        reference=REFERENCE,
        kind="access",
        language="en",
        generated_at=GENERATED,
        tables=[contacts(ALICE_ROWS)],
        provenance=provenance,
        withheld=7,
    )
    files = entries(path)
    document = json.loads(files["data.json"])
    assert {k: document[k] for k in provenance} == provenance
    assert document["withheld_records"] == 7
    readme = " ".join(files["README.txt"].decode().split())
    assert "7 records are linked to a phone number that you share with someone else" in readme
    assert f"mention reference {REFERENCE}" in readme


def test_it_makes_values_json_safe(tmp_path):
    rows = [{"id": 1, "body": Decimal("-12.50"), "sent_at": float("nan")}]
    path, _ = build(tmp_path, [messages(rows)])
    (record,) = json.loads(entries(path)["data.json"])["sources"][0]["tables"][0]["records"]
    assert record == {"id": 1, "body": "-12.50", "sent_at": "nan"}


def test_it_groups_tables_per_source_in_order_of_appearance(tmp_path):
    tables = [contacts([]), messages([], source="crm"), messages([])]
    path, result = build(tmp_path, tables)
    document = json.loads(entries(path)["data.json"])
    assert [(s["source"], [t["table"] for t in s["tables"]]) for s in document["sources"]] == [
        ("cs", ["contacts", "messages"]),
        ("crm", ["messages"]),
    ]
    assert result.counts == {"cs/contacts": 0, "crm/messages": 0, "cs/messages": 0}
    assert csv_rows(entries(path)["csv/crm__messages.csv"]) == [["id", "body", "sent_at"]]


def test_it_writes_csv_rows_equal_to_the_json_records(tmp_path):
    path, _ = build(tmp_path, [contacts(ALICE_ROWS), messages(MESSAGE_ROWS)])
    files = entries(path)
    document = json.loads(files["data.json"])
    for table in document["sources"][0]["tables"]:
        header, *rows = csv_rows(files[f"csv/cs__{table['table']}.csv"])
        assert header == ["id", *table["fields"]]
        assert rows == [
            ["" if value is None else str(value) for value in record.values()]
            for record in table["records"]
        ]


def test_it_neutralises_formulas_in_csv_but_keeps_them_in_json(tmp_path):
    rows = [
        {"id": i, "name": text, "email": "a=b@example.nl", "born": None}
        for i, text in enumerate([*FORMULAS, "Hello", "'already quoted"])
    ]
    path, _ = build(tmp_path, [contacts(rows)])
    files = entries(path)
    _, *cells = csv_rows(files["csv/cs__contacts.csv"])
    assert [row[1] for row in cells] == [
        *("'" + text for text in FORMULAS),
        "Hello",
        "'already quoted",
    ]
    assert {row[2] for row in cells} == {"a=b@example.nl"}
    records = json.loads(files["data.json"])["sources"][0]["tables"][0]["records"]
    assert [r["name"] for r in records] == [*FORMULAS, "Hello", "'already quoted"]


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1:A9)", "'+SUM(A1:A9)"),
        ("-2", "'-2"),
        ("@cmd", "'@cmd"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("- call me back", "'- call me back"),
        ("a-b", "a-b"),
        ("", ""),
        (None, ""),
        (-2, "-2"),
        (Decimal("-12.50"), "-12.50"),
        (-0.5, "-0.5"),
        (date(1990, 1, 2), "1990-01-02"),
        (datetime(2025, 1, 5, 9, 30, tzinfo=UTC), "2025-01-05T09:30:00+00:00"),
        ({"tags": ["=x"]}, '{"tags": ["=x"]}'),
        (["=x"], '["=x"]'),
    ],
)
def test_it_neutralises_cells(value, cell):
    assert neutralise(value) == cell


def test_it_refuses_binary_cells():
    with pytest.raises(TypeError):
        neutralise(b"=1+1")


def test_it_round_trips_unicode(tmp_path):
    names = ["Иван Петрович Сидоров", "Åsa Öberg på Södermalm", "Thanks 👍🏽🎉", "中文"]
    rows = [{"id": i, "name": n, "email": None, "born": None} for i, n in enumerate(names)]
    path, _ = build(tmp_path, [contacts(rows)])
    files = entries(path)
    assert files["csv/cs__contacts.csv"].startswith(b"\xef\xbb\xbf")
    _, *cells = csv_rows(files["csv/cs__contacts.csv"])
    assert [row[1] for row in cells] == names
    records = json.loads(files["data.json"].decode("utf-8"))["sources"][0]["tables"][0]["records"]
    assert [r["name"] for r in records] == names
    # Readable in the file itself, not only after parsing.
    assert "Иван".encode() in files["data.json"]


def test_it_writes_the_readme_in_english(tmp_path):
    path, _ = build(tmp_path, [contacts(ALICE_ROWS), messages(MESSAGE_ROWS)])
    text = readme(path)
    assert "A copy of your personal data" in text
    assert f"Reference: {REFERENCE}" in text
    assert "3 March 2025" in text
    assert "article 15" in text
    assert "data.json" in text
    assert "- csv/cs__contacts.csv: 2 rows" in text
    assert "- csv/cs__messages.csv: 1 row\n" in text
    assert "spreadsheet" in text
    assert "single quote (')" in text
    assert f"/my/requests/{REFERENCE}/" in text
    assert REGISTER_EXTRACT not in text
    assert "{%" not in text and "{{" not in text
    assert all(len(line) <= 76 or " " not in line for line in text.splitlines())


def test_it_describes_an_export_and_the_register_extract(tmp_path):
    pdf = b"%PDF-1.7 register extract"
    path, _ = build(
        tmp_path,
        [messages(MESSAGE_ROWS)],
        kind="export",
        extra_files=[(REGISTER_EXTRACT, pdf)],
    )
    files = entries(path)
    assert files[REGISTER_EXTRACT] == pdf
    assert json.loads(files["data.json"])["kind"] == "export"
    text = files["README.txt"].decode()
    assert "article 20" in text
    assert f"{REGISTER_EXTRACT}\nWhy we use each category" in text


def test_it_says_so_when_nothing_was_found(tmp_path):
    path, result = build(tmp_path, [])
    files = entries(path)
    assert set(files) == {"data.json", "README.txt"}
    assert json.loads(files["data.json"])["sources"] == []
    assert "no records about you" in files["README.txt"].decode()
    assert result.counts == {}


def test_it_passes_the_language_to_the_readme(tmp_path):
    path, _ = build(tmp_path, [contacts(ALICE_ROWS)], language="nl")
    text = readme(path)
    # Month names come from Django's own Dutch catalogue, whatever ours holds yet.
    assert "3 maart 2025" in text
    assert REFERENCE in text
    assert "csv/cs__contacts.csv: 2" in text
    assert f"/my/requests/{REFERENCE}/" in text
    assert "{%" not in text and "{{" not in text
    assert json.loads(entries(path)["data.json"])["language"] == "nl"
    assert translation.get_language() == "en"


def test_it_keeps_the_callers_language_active(tmp_path):
    with translation.override("nl"):
        path, _ = build(tmp_path, [contacts(ALICE_ROWS)], language="en")
        assert translation.get_language() == "nl"
    assert "3 March 2025" in readme(path)


class OnceOnly:
    """Rows that can be iterated once, like a database cursor."""

    def __init__(self, rows):
        self.rows = rows
        self.iterations = 0

    def __iter__(self):
        self.iterations += 1
        if self.iterations > 1:
            raise AssertionError("rows iterated twice")
        return iter(self.rows)


def test_it_reads_each_rows_iterator_once(tmp_path):
    rows = OnceOnly(ALICE_ROWS)
    table = TableExport("cs", "contacts", "customer-service", CONTACT_COLUMNS, rows)
    path, result = build(tmp_path, [table])
    assert rows.iterations == 1
    assert result.counts == {"cs/contacts": 2}
    assert len(csv_rows(entries(path)["csv/cs__contacts.csv"])) == 3


def test_it_reads_rows_lazily_one_table_after_another(tmp_path):
    events = []

    def logged(name, rows):
        events.append(f"{name} start")
        for row in rows:
            events.append(f"{name} row {row['id']}")
            yield row
        events.append(f"{name} end")

    tables = [contacts(logged("contacts", ALICE_ROWS)), messages(logged("messages", MESSAGE_ROWS))]
    assert events == []
    build(tmp_path, tables)
    assert events == [
        "contacts start",
        "contacts row 1",
        "contacts row 2",
        "contacts end",
        "messages start",
        "messages row 10",
        "messages end",
    ]


def many_rows(count: int, width: int = 5, length: int = 60):
    """Rows made on demand; held in a list, 50,000 of them would take about 45 MB."""
    filler = "x" * length
    for i in range(count):
        yield {"id": i, **{f"c{j}": f"{filler}{i}" for j in range(width)}}


def many(count: int, width: int = 5) -> TableExport:
    columns = tuple((f"c{j}", "communication") for j in range(width))
    return TableExport("cs", "messages", "customer-service", columns, many_rows(count, width))


def traced_peak(build_it) -> int:
    tracemalloc.start()
    try:
        build_it()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_it_keeps_memory_flat_for_50000_rows(tmp_path):
    peak = traced_peak(lambda: build(tmp_path, [many(50_000)]))
    assert peak < 30 * 1024 * 1024
    with zipfile.ZipFile(tmp_path / "package.zip") as zf:
        assert zf.testzip() is None
        with zf.open("csv/cs__messages.csv") as f:
            assert sum(1 for _ in f) == 50_001


# Run in a fresh interpreter so that its peak resident memory belongs to this build alone;
# RSS also counts what tracemalloc cannot see (zlib, the C parts of csv and json).
PACKAGE_SCRIPT = """
import json, resource, sys, time, zipfile
from datetime import UTC, datetime
from pathlib import Path
import django
django.setup()
from dsar.exports import build_package
from tests.dsar.test_exports import many
path = Path(sys.argv[1])


def _hwm():
    # VmHWM starts fresh after exec; ru_maxrss would carry the parent's peak over.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


before = _hwm()
started = time.perf_counter()
result = build_package(path, reference="R-7KQ2-M9XD-4T", kind="access", language="en",
                       generated_at=datetime.now(UTC), tables=[many(int(sys.argv[2]))])
seconds = time.perf_counter() - started
peak = _hwm()
print(json.dumps({"seconds": seconds, "rss_before_kib": before, "rss_peak_kib": peak,
                  "rows": result.counts["cs/messages"], "size": result.size}))
"""


def _build_in_fresh_process(path, rows: int) -> dict:
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "tests.settings"}
    done = subprocess.run(
        [sys.executable, "-c", PACKAGE_SCRIPT, str(path), str(rows)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.splitlines()[-1])


def test_it_builds_100000_rows_under_200_mb(tmp_path):
    small = _build_in_fresh_process(tmp_path / "small.zip", 1_000)
    figures = _build_in_fresh_process(tmp_path / "package.zip", 100_000)
    print(small, figures)
    assert figures["rows"] == 100_000
    assert figures["rss_peak_kib"] < 200 * 1024
    # Streaming: the first build costs a fixed amount (templates, zlib, catalogues), and
    # 100 times more rows add next to nothing on top of it.
    grow_small = small["rss_peak_kib"] - small["rss_before_kib"]
    grow_large = figures["rss_peak_kib"] - figures["rss_before_kib"]
    assert grow_large - grow_small < 20 * 1024
    with zipfile.ZipFile(tmp_path / "package.zip") as zf:
        assert zf.testzip() is None


def test_it_returns_the_sha256_and_size_of_the_file(tmp_path):
    path, result = build(tmp_path, [contacts(ALICE_ROWS)])
    data = path.read_bytes()
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.size == len(data) == path.stat().st_size
    assert sorted(p.name for p in tmp_path.iterdir()) == ["package.zip"]


def test_it_leaves_nothing_behind_when_a_table_fails(tmp_path):
    def failing():
        yield ALICE_ROWS[0]
        raise RuntimeError("connection lost")

    with pytest.raises(RuntimeError, match="connection lost"):
        build(tmp_path, [contacts(failing())])
    assert list(tmp_path.iterdir()) == []


def test_it_replaces_a_leftover_part_file(tmp_path):
    (tmp_path / "package.part").write_bytes(b"half a package from a killed worker")
    path, result = build(tmp_path, [contacts(ALICE_ROWS)])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["package.zip"]
    assert result.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    "options",
    [
        {"kind": "everything"},
        {"tables": [TableExport("cs", "../etc", "x", (), iter([]))]},
        {"tables": [TableExport("cs/x", "contacts", "x", (), iter([]))]},
        {"tables": [contacts([]), contacts([])]},
        {"extra_files": [("../evil.pdf", b"")]},
        {"extra_files": [("/etc/evil.pdf", b"")]},
        {"extra_files": [("README.txt", b"")]},
    ],
)
def test_it_refuses_bad_input_before_writing(tmp_path, options):
    options = {"tables": [contacts(ALICE_ROWS)]} | options
    with pytest.raises(ValueError):
        build(tmp_path, **options)
    assert list(tmp_path.iterdir()) == []
