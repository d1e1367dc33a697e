"""The data map: where customer data lives outside the portal, and what erasure does to it.

A TOML file (see `datamap.toml` at the top of the repository for the format) lists
sources (Django database aliases), their tables, how each table's rows link to a data
subject, and per column its data category and erasure strategy. `load()` reads it into
frozen dataclasses without judging it; `validate()` returns every problem at once, checked
against the live schema of each source. A later step stores an accepted map: `to_dict()`
gives its content and `sha256` fingerprints the exact file that was accepted.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import phonenumbers
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError

from dsar import rectification_rules, suppress_rules
from dsar.suppress_rules import Suppress

FORMAT_VERSION = 1

# What a column holds. The register extract and the access package group data by these.
CATEGORIES = {
    "identity": "who the person is: name, customer number, date of birth",
    "contact": "how to reach them: phone number, e-mail address, postal address",
    "communication": "what was said, when and on which channel: conversations, messages, calls",
    "consent": "consents given or withdrawn, and the evidence for them",
    "marketing": "marketing-list memberships and preferences",
    "financial": "payments, amounts, bank-account data",
    "recording": "call recordings and where they are stored",
    "contract": "the customer relationship: contract dates, customer since",
    "technical": "data about a record rather than the person: statuses, channels, agents",
}

# What erasure does to a column. `delete` on any column removes the whole row.
STRATEGIES = {
    "delete": "delete the row",
    "null": "set the column to NULL",
    "mask": "overwrite with a fixed mask",
    "hash": "replace with a keyed, irreversible hash",
    "retain": "keep on its legal ground (legal_basis: a legal obligation or legal claims), until the retention rule ends",
}

# Processing-activity codes as the register will know them: "customer-service".
ACTIVITY_CODE = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
TEXT_FIELDS = {"CharField", "TextField"}
DATE_FIELDS = {"DateField", "DateTimeField"}

# The dates a table can name (`dates = { contact = "sent_at" }`): what retention rules count
# from. How long data is kept is the register's rule, never text in the map.
DATE_KINDS = {
    "collected": "when the row was collected or created",
    "contact": "a contact with the customer: a message, a call, a conversation",
    "payment": "a payment",
    "contract_end": "the end of the contract (empty while it runs)",
    "consent_withdrawn": "the withdrawal of a consent (empty while it stands)",
}
# What a table can name for telling apart the contacts behind a shared number (`identify =
# { reference = "customer_no", name = "full_name" }`): privacy staff see the reference in full
# and the name as initials only (dsar.shared_numbers).
IDENTIFY_KINDS = {
    "reference": "a number the customer can quote, such as the customer number",
    "name": "the person's name, shown to staff as initials only",
}
# Each retention trigger of the register (ProcessingActivity.RetentionTrigger): the kind of
# date it counts from, and whose date that is: the row's own ("row"), the subject's latest
# of that kind over all their rows ("subject"), or the row's own where its table has one and
# the subject's otherwise ("row_or_subject").
TRIGGERS = {
    "collection": ("collected", "row"),
    "fixed": ("collected", "row"),
    "payment": ("payment", "row"),
    "last_payment": ("payment", "subject"),
    "last_contact": ("contact", "subject"),
    "contract_end": ("contract_end", "subject"),
    "consent_withdrawn": ("consent_withdrawn", "row_or_subject"),
}

_KEYS = {
    "top": {"version", "sources", "tables"},
    "source": {"name", "database", "region", "description"},
    "table": {
        "source",
        "name",
        "label",
        "activity",
        "link",
        "dates",
        "identify",
        "suppress",
        "columns",
        "description",
    },
    "link": {"number", "via", "to", "to_column"},
    "column": {
        "label",
        "file",
        "category",
        "erasure",
        "provided",
        "legal_basis",
        "activity",
        "description",
        "rectifiable",
    },
}


class DataMapError(Exception):
    """The file cannot be read as TOML at all; `errors` says why."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Link:
    """How a row reaches a subject: a number column, or a column pointing at another table."""

    number: str | None = None
    via: str | None = None
    to: str | None = None
    to_column: str = "id"

    @property
    def is_well_formed(self) -> bool:
        if self.number:
            return not (self.via or self.to)
        return bool(self.via and self.to)


@dataclass(frozen=True)
class Column:
    name: str
    category: str | None = None
    erasure: str | None = None
    provided: bool = False
    legal_basis: str | None = None
    # The register activity this column serves when it is not the table's (a customer
    # number kept for the bookkeeping in a table of the customer administration).
    activity: str | None = None
    description: str = ""
    # What customers read for it, per language: (("en", "Full name"), ("nl", "Naam"), ...).
    label: tuple[tuple[str, str], ...] = ()
    # The column holds a reference to a file in this storage (an alias of STORAGES, such as
    # "recordings"): access packages hold the file itself, erasure deletes it.
    file: str | None = None
    # `legal_basis` per language ((("en", "..."), ("nl", "...")), the receipt's language);
    # `legal_basis` itself is the English text.
    legal_basis_label: tuple[tuple[str, str], ...] = ()
    # The customer may correct it (Art. 16): its type (dsar.rectification_rules.TYPES).
    rectifiable: str | None = None


@dataclass(frozen=True)
class Table:
    source: str
    name: str
    activity: str | None
    link: Link | None
    columns: tuple[Column, ...]
    description: str = ""
    # (date kind, column) pairs: the dates retention rules count from (DATE_KINDS).
    dates: tuple[tuple[str, str], ...] = ()
    label: tuple[tuple[str, str], ...] = ()
    # (kind, column) pairs: how staff tell the contacts of a shared number apart
    # (IDENTIFY_KINDS).
    identify: tuple[tuple[str, str], ...] = ()
    # What an objection or a consent withdrawal does to the customer's rows, or None
    # (dsar.suppress_rules).
    suppress: Suppress | None = None

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    def date_column(self, kind: str) -> str | None:
        """The column holding this kind of date (DATE_KINDS), or None."""
        return dict(self.dates).get(kind)

    def activity_of(self, column: Column) -> str:
        """The register activity whose purpose and retention rule apply to `column`."""
        return column.activity or self.activity or ""

    def activity_codes(self) -> tuple[str, ...]:
        """Every activity the table's columns serve, the table's own first."""
        codes = [self.activity or ""] + [self.activity_of(c) for c in self.columns]
        return tuple(c for c in dict.fromkeys(codes) if c)

    def columns_by_activity(self) -> dict[str, tuple[Column, ...]]:
        """{activity: its columns}, activities in the order of activity_codes()."""
        groups: dict[str, list[Column]] = {code: [] for code in self.activity_codes()}
        for column in self.columns:
            groups[self.activity_of(column)].append(column)
        return {code: tuple(cols) for code, cols in groups.items() if cols}

    @property
    def deletes_rows(self) -> bool:
        return any(c.erasure == "delete" for c in self.columns)

    def file_columns(self) -> tuple[Column, ...]:
        """The columns that hold references to files (`file = "<storage>"`)."""
        return tuple(c for c in self.columns if c.file)

    def provided_columns(self) -> tuple[Column, ...]:
        """What an Art. 20 export includes: data the subject provided or generated."""
        return tuple(c for c in self.columns if c.provided)


@dataclass(frozen=True)
class Source:
    name: str
    database: str | None
    region: str | None = None
    description: str = ""


@dataclass(frozen=True)
class DataMap:
    origin: str
    sha256: str
    sources: tuple[Source, ...]
    tables: tuple[Table, ...]
    version: Any = FORMAT_VERSION
    # Shape problems found while reading (wrong types, unknown keys); validate() reports them.
    problems: tuple[str, ...] = ()

    def source(self, name: str) -> Source | None:
        return next((s for s in self.sources if s.name == name), None)

    def table(self, source: str, name: str) -> Table | None:
        return next((t for t in self.tables if t.source == source and t.name == name), None)

    def tables_in(self, source: str) -> tuple[Table, ...]:
        return tuple(t for t in self.tables if t.source == source)

    def chain(self, table: Table) -> tuple[Table, ...]:
        """The tables from `table` to the one with the number column, both included.

        Raises ValueError when the chain is broken (only for a map that failed validation).
        """
        path, stop = _walk(self, table)
        if stop is not None:
            raise ValueError(
                f"{_where(self, table)}: the link chain does not reach a number column."
            )
        return tuple(path)

    def to_dict(self) -> dict[str, Any]:
        """The map in the file's own shape (JSON-serialisable); `from_dict()` reads it back."""
        return {
            "version": self.version,
            "sources": [_compact(asdict(s)) for s in self.sources],
            "tables": [
                _compact(
                    {
                        "source": t.source,
                        "name": t.name,
                        "activity": t.activity,
                        "description": t.description,
                        "link": _compact(asdict(t.link)) if t.link else None,
                        "dates": dict(t.dates) or None,
                        "identify": dict(t.identify) or None,
                        "suppress": t.suppress.to_dict() if t.suppress else None,
                        "label": dict(t.label) or None,
                        # A list, not a table: PostgreSQL's jsonb does not keep the order
                        # of an object's keys, and a table's columns have an order.
                        "columns": [
                            _compact(
                                {
                                    **asdict(c),
                                    "label": dict(c.label),
                                    "legal_basis": dict(c.legal_basis_label) or c.legal_basis,
                                },
                                drop=("legal_basis_label",),
                            )
                            for c in t.columns
                        ],
                    }
                )
                for t in self.tables
            ],
        }


def load(path: str | Path) -> DataMap:
    """Read a data map file. Raises DataMapError only when it is not readable TOML."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise DataMapError([f"{path}: cannot read the file ({e.strerror})."]) from None
    return parse(raw, origin=str(path))


def parse(raw: bytes | str, *, origin: str = "<data map>") -> DataMap:
    """Read a data map from TOML text. Raises DataMapError only on invalid TOML."""
    data = raw.encode() if isinstance(raw, str) else raw
    try:
        content = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise DataMapError([f"{origin}: not valid TOML: {e}."]) from None
    return from_dict(content, origin=origin, sha256=hashlib.sha256(data).hexdigest())


def from_dict(content: dict[str, Any], *, origin: str, sha256: str = "") -> DataMap:
    """Build a DataMap from the file's dictionary shape, collecting shape problems."""
    reader = _Reader(origin)
    reader.keys(content, "top", origin)
    sources = tuple(
        reader.source(i, item) for i, item in enumerate(reader.array(content, "sources", origin))
    )
    tables = tuple(
        reader.table(i, item) for i, item in enumerate(reader.array(content, "tables", origin))
    )
    return DataMap(
        origin=origin,
        sha256=sha256,
        sources=tuple(s for s in sources if s is not None),
        tables=tuple(t for t in tables if t is not None),
        version=content.get("version", FORMAT_VERSION),
        problems=tuple(reader.problems),
    )


class _Reader:
    """Turns the TOML dictionary into dataclasses, noting what has the wrong shape."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.problems: list[str] = []

    def problem(self, where: str, message: str) -> None:
        prefix = "" if where == self.origin else f"{self.origin}: "
        self.problems.append(f"{prefix}{where}: {message}")

    def keys(self, item: dict, kind: str, where: str) -> None:
        for key in sorted(set(item) - _KEYS[kind]):
            allowed = ", ".join(sorted(_KEYS[kind]))
            self.problem(where, f"unknown key {key!r} (expected one of {allowed}).")

    def array(self, content: dict, key: str, where: str) -> list:
        value = content.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.problem(where, f"{key!r} must be an array of tables ([[{key}]]).")
            return []
        return value

    def text(self, item: dict, key: str, where: str) -> str | None:
        value = item.get(key)
        if value is not None and not isinstance(value, str):
            self.problem(where, f"{key!r} must be a string, not {value!r}.")
            return None
        return value

    def source(self, index: int, item: dict) -> Source | None:
        name = self.text(item, "name", f"sources[{index}]")
        where = f"source {name!r}" if name else f"sources[{index}]"
        self.keys(item, "source", where)
        if not name:
            self.problem(where, "has no name.")
            return None
        return Source(
            name=name,
            database=self.text(item, "database", where),
            region=self.text(item, "region", where),
            description=self.text(item, "description", where) or "",
        )

    def table(self, index: int, item: dict) -> Table | None:
        source, name = (
            self.text(item, "source", f"tables[{index}]"),
            self.text(item, "name", f"tables[{index}]"),
        )
        where = f"table '{source}.{name}'" if name else f"tables[{index}]"
        self.keys(item, "table", where)
        if not name or not source:
            self.problem(where, "needs both 'source' and 'name'.")
            return None
        columns = item.get("columns", {})
        if isinstance(columns, list) and all(isinstance(v, dict) and "name" in v for v in columns):
            # The stored form (to_dict()): a list of columns, each with its name.
            columns = {v["name"]: {k: x for k, x in v.items() if k != "name"} for v in columns}
        if not isinstance(columns, dict) or not all(isinstance(v, dict) for v in columns.values()):
            self.problem(where, "'columns' must be a table of [tables.columns.<name>] entries.")
            columns = {}
        return Table(
            source=source,
            name=name,
            activity=self.text(item, "activity", where),
            link=self.link(item.get("link"), where),
            columns=tuple(self.column(n, c, f"{where}, column {n!r}") for n, c in columns.items()),
            description=self.text(item, "description", where) or "",
            dates=self.dates(item.get("dates"), where),
            label=self.label(item.get("label"), where),
            identify=self.identify(item.get("identify"), where),
            suppress=suppress_rules.read(item.get("suppress"), where, self.problem),
        )

    def label(self, item: Any, where: str) -> tuple[tuple[str, str], ...]:
        if item is None:
            return ()
        if not isinstance(item, dict) or not all(isinstance(v, str) for v in item.values()):
            self.problem(where, '\'label\' must be { en = "...", nl = "...", ... }.')
            return ()
        return tuple(item.items())

    def dates(self, item: Any, where: str) -> tuple[tuple[str, str], ...]:
        if item is None:
            return ()
        if not isinstance(item, dict) or not all(isinstance(v, str) for v in item.values()):
            self.problem(where, "'dates' must be { <kind> = \"<column>\", ... }.")
            return ()
        return tuple(item.items())

    def identify(self, item: Any, where: str) -> tuple[tuple[str, str], ...]:
        if item is None:
            return ()
        if not isinstance(item, dict) or not all(isinstance(v, str) for v in item.values()):
            self.problem(where, "'identify' must be { reference = \"<column>\", name = ... }.")
            return ()
        return tuple(item.items())

    def link(self, item: Any, where: str) -> Link | None:
        if item is None:
            return None
        if not isinstance(item, dict):
            self.problem(where, "'link' must be { number = ... } or { via = ..., to = ... }.")
            return None
        self.keys(item, "link", f"{where}, link")
        return Link(
            number=self.text(item, "number", where),
            via=self.text(item, "via", where),
            to=self.text(item, "to", where),
            to_column=self.text(item, "to_column", where) or "id",
        )

    def column(self, name: str, item: dict, where: str) -> Column:
        self.keys(item, "column", where)
        provided = item.get("provided", False)
        if not isinstance(provided, bool):
            self.problem(where, f"'provided' must be true or false, not {provided!r}.")
            provided = False
        basis = (
            self.label(item["legal_basis"], where)
            if isinstance(item.get("legal_basis"), dict)
            else ()
        )
        return Column(
            name=name,
            category=self.text(item, "category", where),
            erasure=self.text(item, "erasure", where),
            provided=provided,
            legal_basis=dict(basis).get("en") if basis else self.text(item, "legal_basis", where),
            legal_basis_label=basis or (("en", item["legal_basis"]),)
            if isinstance(item.get("legal_basis"), str)
            else basis,
            activity=self.text(item, "activity", where),
            description=self.text(item, "description", where) or "",
            label=self.label(item.get("label"), where),
            file=self.text(item, "file", where),
            rectifiable=self.text(item, "rectifiable", where),
        )


def _compact(values: dict[str, Any], drop: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        k: v
        for k, v in values.items()
        if v is not None and v != "" and v != {} and v is not False and k not in drop
    }


def _where(datamap: DataMap, table: Table, column: str | None = None) -> str:
    where = f"{datamap.origin}: table '{table.source}.{table.name}'"
    return f"{where}, column {column!r}" if column else where


def _walk(datamap: DataMap, table: Table) -> tuple[list[Table], tuple[str, Table] | None]:
    """Follow links from `table`: (path, None) at a number link, else (path, (why, where))."""
    path, current = [table], table
    while True:
        link = current.link
        if link is None or not link.is_well_formed:
            return path, ("no-link", current)
        if link.number:
            return path, None
        target = datamap.table(current.source, link.to or "")
        if target is None:
            return path, ("missing-target", current)
        if any(t is target for t in path):
            return [*path, target], ("cycle", target)
        path.append(target)
        current = target


def validate(datamap: DataMap, *, connections, rules: Mapping[str, str] | None = None) -> list[str]:
    """Every problem with `datamap`, each a sentence naming file, table and column.

    Checks the shape, the vocabularies (categories, strategies, activity codes, date kinds),
    the link chains, and the live schema of every source through `connections`
    (django.db.connections). With `rules` ({activity code: retention trigger}, the
    register's), also that every activity a column serves is in the register and that the
    date its retention rule counts from can be found: no column is kept without a rule.
    Reads schemas only; changes nothing. An empty list means the map can be accepted.
    """
    errors = list(datamap.problems)
    if datamap.version != FORMAT_VERSION:
        errors.append(
            f"{datamap.origin}: version {datamap.version!r} is not supported (use {FORMAT_VERSION})."
        )
    errors += _source_errors(datamap, connections)
    seen: set[tuple[str, str]] = set()
    for table in datamap.tables:
        if (table.source, table.name) in seen:
            errors.append(f"{_where(datamap, table)} is declared more than once.")
            continue
        seen.add((table.source, table.name))
        errors += _table_errors(datamap, table)
        for column in table.columns:
            errors += [
                f"{_where(datamap, table, column.name)}: {e}" for e in _column_errors(column)
            ]
    if rules is not None:
        errors += _rule_errors(datamap, rules)
    errors += _chain_errors(datamap)
    errors += _live_errors(datamap, connections)
    return errors


def _source_errors(datamap: DataMap, connections) -> list[str]:
    errors, names = [], set()
    for source in datamap.sources:
        where = f"{datamap.origin}: source {source.name!r}"
        if source.name in names:
            errors.append(f"{where} is declared more than once.")
        names.add(source.name)
        if not source.database:
            errors.append(f"{where} has no database alias ('database').")
        elif source.database not in set(connections):
            errors.append(
                f"{where}: database alias {source.database!r} is not configured in DATABASES."
            )
        if source.region is not None and source.region not in phonenumbers.SUPPORTED_REGIONS:
            errors.append(f"{where}: region {source.region!r} is not a country code such as 'NL'.")
    for table in datamap.tables:
        if table.source not in names:
            errors.append(
                f"{_where(datamap, table)}: source {table.source!r} is not declared in [[sources]]."
            )
    return errors


def _table_errors(datamap: DataMap, table: Table) -> list[str]:
    where, errors = _where(datamap, table), []
    if not table.activity:
        errors.append(
            f"{where} names no processing activity ('activity'): its purpose and retention "
            "rule come from it."
        )
    for code in {table.activity, *(c.activity for c in table.columns)} - {None, ""}:
        if not ACTIVITY_CODE.fullmatch(code):
            errors.append(
                f"{where}: activity {code!r} is not a processing activity code "
                "(lower-case words joined by hyphens, such as 'customer-service')."
            )
    for kind, _column in table.dates:
        if kind not in DATE_KINDS:
            errors.append(
                f"{where}: dates: unknown kind {kind!r} (use one of {', '.join(DATE_KINDS)})."
            )
    declared = {c.name for c in table.columns}
    for kind, column in table.identify:
        if kind not in IDENTIFY_KINDS:
            errors.append(
                f"{where}: identify: unknown kind {kind!r} (use one of {', '.join(IDENTIFY_KINDS)})."
            )
        elif column not in declared:
            errors.append(
                f"{where}: identify: {kind} column {column!r} is not a declared column of the table."
            )
    link = table.link
    if link is None:
        errors.append(
            f'{where} has no link: add link = {{ number = "..." }} or link = {{ via = "...", to = "..." }}.'
        )
    elif not link.is_well_formed:
        errors.append(
            f"{where}: link must be either {{ number = column }} or {{ via = column, to = table }}, "
            f"not {_compact(asdict(link))}."
        )
    if not table.columns:
        errors.append(f"{where} declares no columns.")
    if table.suppress:
        errors += [
            f"{where}: {e}"
            for e in suppress_rules.errors(
                table.suppress, declared=declared, live=None, date_fields=DATE_FIELDS
            )
        ]
    retained = [c.name for c in table.columns if c.erasure == "retain"]
    if table.deletes_rows and retained:
        errors.append(
            f"{where}: a column with erasure 'delete' removes the row, but {', '.join(retained)} must be retained."
        )
    return errors


def _column_errors(column: Column) -> list[str]:
    errors = rectification_rules.errors(
        kind=column.rectifiable, category=column.category, erasure=column.erasure, file=column.file
    )
    if not column.category:
        errors.append("has no category.")
    elif column.category not in CATEGORIES:
        errors.append(f"unknown category {column.category!r} (use one of {', '.join(CATEGORIES)}).")
    if not column.erasure:
        errors.append(f"has no erasure strategy (one of {', '.join(STRATEGIES)}).")
    elif column.erasure not in STRATEGIES:
        errors.append(
            f"unknown erasure strategy {column.erasure!r} (use one of {', '.join(STRATEGIES)})."
        )
    if column.file is not None:
        if column.file not in settings.STORAGES:
            errors.append(
                f"file storage {column.file!r} is not configured (STORAGES has "
                f"{', '.join(sorted(settings.STORAGES))})."
            )
        if column.erasure not in (None, "delete", "null", "retain"):
            errors.append(
                f"a file reference can be deleted with its file ('delete', 'null') or kept "
                f"('retain'), not {column.erasure!r}."
            )
    if column.erasure == "retain":
        if not column.legal_basis:
            errors.append("erasure 'retain' needs a legal_basis: the law that requires keeping it.")
    elif column.legal_basis:
        errors.append("legal_basis only goes with erasure 'retain'.")
    return errors


def _rule_errors(datamap: DataMap, rules: Mapping[str, str]) -> list[str]:
    """Each column's activity is in the register, and its rule's date can be found."""
    errors = []
    declared = {kind for t in datamap.tables for kind, _c in t.dates}
    for table in datamap.tables:
        where = _where(datamap, table)
        for code, columns in table.columns_by_activity().items():
            names = ", ".join(c.name for c in columns)
            if code not in rules:
                errors.append(
                    f"{where}: activity {code!r} (of {names}) is not in the processing register: "
                    "add it there first, with its retention rule."
                )
                continue
            kind, whose = TRIGGERS.get(rules[code], (None, None))
            if kind is None:
                continue
            own = table.date_column(kind)
            if whose == "row" and not own:
                errors.append(
                    f"{where}: the retention rule of {code!r} (of {names}) counts from each "
                    f'row\'s {kind!r} date: add dates = {{ {kind} = "<column>" }} to the table.'
                )
            elif whose != "row" and not own and kind not in declared:
                errors.append(
                    f"{where}: the retention rule of {code!r} (of {names}) counts from the "
                    f"customer's {kind!r} date, which no table of the map names in 'dates'."
                )
    return errors


def _chain_errors(datamap: DataMap) -> list[str]:
    """Each broken chain once where it breaks, then each table it leaves stranded."""
    errors: list[str] = []
    cycles: set[frozenset[int]] = set()
    for table in datamap.tables:
        if datamap.table(table.source, table.name) is not table:
            continue  # a duplicate, reported already
        path, stop = _walk(datamap, table)
        if stop is None:
            continue
        why, at = stop
        route = " → ".join(t.name for t in path)
        if why == "cycle":
            loop = path[next(i for i, t in enumerate(path) if t is at) :]
            if any(t is table for t in loop[:-1]):
                key = frozenset(id(t) for t in loop)
                if key not in cycles:
                    cycles.add(key)
                    names = " → ".join(t.name for t in loop)
                    errors.append(
                        f"{_where(datamap, table)}: the link chain {names} is a cycle and reaches no number column."
                    )
                continue
        elif at is table:
            if why == "missing-target":
                errors.append(
                    f"{_where(datamap, table)}: link points to table {table.link.to!r}, "
                    f"which is not in the data map for source {table.source!r}."
                )
            continue
        errors.append(
            f"{_where(datamap, table)} cannot reach a number column: its link chain {route} breaks at {at.name!r}."
        )
    return errors


def _live_errors(datamap: DataMap, connections) -> list[str]:
    errors = []
    for source in datamap.sources:
        if not source.database or source.database not in set(connections):
            continue
        tables = [t for t in datamap.tables_in(source.name) if t is datamap.table(t.source, t.name)]
        try:
            live = _introspect(connections[source.database], {t.name for t in tables})
        except (DatabaseError, ImproperlyConfigured) as e:
            errors.append(
                f"{datamap.origin}: source {source.name!r}: cannot read the schema of database alias "
                f"{source.database!r} ({str(e).strip()})."
            )
            continue
        for table in tables:
            errors += _table_live_errors(datamap, table, live, source.database)
    return errors


def _introspect(connection, wanted: set[str]) -> dict[str, dict[str, tuple[bool, str | None]]]:
    """{table: {column: (nullable, Django field type or None)}} for the wanted tables that exist."""
    with connection.cursor() as cursor:
        introspection = connection.introspection
        present = set(introspection.table_names(cursor)) & wanted
        schema = {}
        for name in present:
            columns = {}
            for info in introspection.get_table_description(cursor, name):
                try:
                    kind = introspection.get_field_type(info.type_code, info)
                except KeyError:
                    kind = None
                columns[info.name] = (bool(info.null_ok), kind)
            schema[name] = columns
    return schema


def _table_live_errors(datamap: DataMap, table: Table, live: dict, alias: str) -> list[str]:
    where = _where(datamap, table)
    columns = live.get(table.name)
    if columns is None:
        return [f"{where}: no such table in database alias {alias!r}."]
    errors = []
    link = table.link
    for role, name in (("number", link.number), ("via", link.via)) if link else ():
        if name and name not in columns:
            errors.append(f"{where}: link column {name!r} ({role}) does not exist in the table.")
    if link and link.via and link.to in live and link.to_column not in live[link.to]:
        errors.append(f"{where}: link target column {link.to}.{link.to_column} does not exist.")
    for column in table.columns:
        here = _where(datamap, table, column.name)
        if column.name not in columns:
            errors.append(f"{here}: no such column in the table (database alias {alias!r}).")
            continue
        nullable, kind = columns[column.name]
        if column.erasure == "null" and not nullable:
            errors.append(
                f"{here}: erasure 'null' is impossible, the column is NOT NULL (use 'mask' or 'delete')."
            )
        if column.file and kind and kind not in TEXT_FIELDS:
            errors.append(f"{here}: a file reference needs a text column, not a {kind}.")
        if column.erasure in ("mask", "hash") and kind and kind not in TEXT_FIELDS:
            errors.append(f"{here}: erasure {column.erasure!r} needs a text column, not a {kind}.")
        errors += [
            f"{here}: {e}" for e in rectification_rules.live_errors(column.rectifiable, kind)
        ]
    if table.suppress:
        declared = {c.name for c in table.columns}
        shape = set(
            suppress_rules.errors(
                table.suppress, declared=declared, live=None, date_fields=DATE_FIELDS
            )
        )
        errors += [
            f"{where}: {e}"
            for e in suppress_rules.errors(
                table.suppress, declared=declared, live=columns, date_fields=DATE_FIELDS
            )
            if e not in shape
        ]
    for kind, name in table.dates:
        if name not in columns:
            errors.append(f"{where}: dates: {kind} column {name!r} does not exist in the table.")
        elif columns[name][1] and columns[name][1] not in DATE_FIELDS:
            errors.append(
                f"{where}: dates: {kind} column {name!r} is a {columns[name][1]}, not a date."
            )
    return errors
