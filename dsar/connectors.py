"""Find one data subject's rows in the sources of a data map, and read them back.

Read-only. Every statement is raw SQL through a Django database alias
(`connections[source.database]`), so SQLite and PostgreSQL take the same code path.
Identifiers come only from the data map and are quoted with `connection.ops.quote_name`;
values (the number, keys) are always parameters.

Every table the map names has its primary key in the column `id` (`PK`): discovery
returns those keys, `iter_rows()` reads rows by them, erasure acts on them.

Discovery (`discover()`) runs in two steps:

1. Number tables (`link = { number = ... }`): one statement per table selects the rows
   whose number column, with separators (space - . ( ) /) removed in SQL, is one of the
   forms the subject's number may be stored in (`number_match_values()`). Each candidate
   is then normalised in Python (`verification.phone.normalise_stored`, with the source's
   region) and kept only if it equals the number: the digit match only narrows the
   search. These statements cannot use an index on the raw column (stored formats vary);
   a large source can add an expression index on the same REPLACE chain.
2. `via` tables, parents before children: a table with `{ via = c, to = U, to_column = k }`
   matches the rows whose `c` is among the values of `U.k` over U's matched rows, with
   `IN` lists of at most `IN_CHUNK` values (index on `c`).

So discovery runs one statement per table, plus one per further `IN_CHUNK` keys of a
parent; never one per row. A table whose parent matched nothing runs no statement.

Shared numbers. One number may lead, through a table that links to a number table (the
`contacts` linking to `contact_numbers.contact_id`), to more than one distinct value of the
link column: one number, two contacts of a household. Then the number alone does not say
who the customer is, and nothing is merged. A `SharedNumber` is recorded (with the link
values it found, the contacts' ids) and the rows are sorted out as follows:

- Until privacy staff decide who the customer is (`requester`), or when they decided that
  it cannot be told, every row of the number table that belongs to one of the contacts
  (each household member's `contact_numbers` row) is withheld, and so is everything
  reached through those rows (the contacts, their conversations, messages, payments...).
  Withheld rows are counted in `TableHit.excluded_shared` and go nowhere: not into an
  access package, not into an erasure plan. The customer is told how many there are and
  how to ask for them.
- Once staff chose one contact (`requester` maps the link to that contact's link value),
  that contact's link rows and what they lead to are the customer's. The other contacts'
  link rows, and what they lead to, are neither included nor counted: they are another
  person's data, not withheld data of the customer. The decision keeps applying when the
  number leads to one contact only (after the erasure of the chosen contact's link, the
  re-check finds the other member alone; their rows stay theirs).
- Rows matched by the number alone, in number tables no contact link splits (consents,
  call recordings), depend on what they hold. A table whose columns are all about the
  number itself (`NUMBER_CATEGORIES`: contact, consent, technical: who may be reached on
  the number, on which channel, with which consent) stays with the verified customer, who
  controls the number. Any other table (what was said or recorded on a call, a payment)
  may be the other person's: it is withheld while no contact is chosen for every shared
  link, and goes to the chosen contact once one is.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import phonenumbers
from django.conf import settings
from django.db import connections as default_connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import ConnectionHandler

from dsar.datamap import DataMap, Source, Table
from verification.phone import normalise_stored

# The primary-key column of every table in a data map.
PK = "id"
# Values per IN list: below SQLite's oldest limit of 999 variables per statement.
IN_CHUNK = 900
# A number table whose columns are all of these categories is about the number itself, not
# about what one of the people sharing it said or did: it stays with the verified customer.
NUMBER_CATEGORIES = frozenset({"contact", "consent", "technical"})
# Removed from stored numbers in SQL before matching (nested REPLACE).
SEPARATORS = (" ", "-", ".", "(", ")", "/")
# SECURITY: quote_name() neither escapes quotes nor re-quotes a name that already has
# them, so only plain identifiers may reach it, even from a map that skipped validation.
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class TableHit:
    """One table's rows for the subject: `keys` (sorted `id` values) and their count.

    `excluded_shared` counts rows left out because they were reached only through a
    shared number (see the module docstring).
    """

    source: str
    table: str
    keys: tuple[int, ...]
    count: int
    excluded_shared: int = 0


@dataclass(frozen=True)
class SharedNumber:
    """The number's rows in `number_table` point to `keys_count` different rows of
    `linked_table` (through `number_table`'s column that `linked_table` follows): staff
    decide which of them, if any, is the customer (see the module docstring).

    `values` are those link values (the contacts' ids), sorted; ids, never personal values.
    """

    source: str
    number_table: str
    linked_table: str
    keys_count: int
    values: tuple = field(default=(), compare=False)

    @property
    def key(self) -> tuple[str, str, str]:
        """How a decision names this link: (source, number table, linked table)."""
        return (self.source, self.number_table, self.linked_table)


# Staff's decisions per shared link (`SharedNumber.key`): the chosen contact's link value as
# text, or None when it cannot be told. A link without an entry is undecided.
Requester = Mapping[tuple[str, str, str], str | None]


@dataclass(frozen=True)
class Discovery:
    """Where one number's data is: one `TableHit` per table of the map, in map order."""

    number: str
    hits: tuple[TableHit, ...]
    shared: tuple[SharedNumber, ...] = ()
    # The decisions it applied: ((source, number table, linked table, value or None), ...).
    requester: tuple[tuple[str, str, str, str | None], ...] = ()

    def hit(self, source: str, table: str) -> TableHit:
        """The hit for one table of the map; KeyError for a table the map lacks."""
        for hit in self.hits:
            if hit.source == source and hit.table == table:
                return hit
        raise KeyError(f"{source}.{table}")

    @property
    def total_rows(self) -> int:
        return sum(hit.count for hit in self.hits)

    @property
    def withheld(self) -> int:
        """Rows left out because the number is shared and nobody decided they are the
        customer's (see the module docstring)."""
        return sum(hit.excluded_shared for hit in self.hits)

    def fingerprint(self) -> str:
        """SHA-256 (hex) of the number, every table with its keys, the shared flags and
        staff's decisions about them.

        It names the exact plan staff reviewed: an approval records it, and an erasure
        refuses to run when a fresh discovery gives another one. Independent of the
        order of tables in the map.
        """
        payload: dict[str, Any] = {
            "version": 1,
            "number": self.number,
            "hits": sorted([h.source, h.table, list(h.keys)] for h in self.hits),
            "shared": sorted(
                [s.source, s.number_table, s.linked_table, s.keys_count] for s in self.shared
            ),
        }
        if self.requester:
            payload["requester"] = sorted(list(r) for r in self.requester)
        text = json.dumps(payload, separators=(",", ":"), ensure_ascii=True)
        return hashlib.sha256(text.encode()).hexdigest()


def number_match_values(e164: str, *, region: str) -> tuple[str, ...]:
    """The forms, without separators, a source may store `e164` in.

    `region` is the source's country for numbers stored without a country code. For
    +31612345678 and NL: +31612345678, 0031612345678, 31612345678, the "+31 (0)6..."
    forms +310612345678, 00310612345678, 310612345678, and, because the number is Dutch,
    0612345678 and 612345678. Raises ValueError when `e164` is not a valid number in
    E.164 form.
    """
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        raise ValueError(f"{e164!r} is not a number in E.164 form.") from None
    E164 = phonenumbers.PhoneNumberFormat.E164
    if phonenumbers.format_number(parsed, E164) != e164 or not phonenumbers.is_valid_number(parsed):
        raise ValueError(f"{e164!r} is not a valid number in E.164 form.")
    region = region.upper()
    cc = str(parsed.country_code)
    nsn = phonenumbers.national_significant_number(parsed)
    trunk = _national_prefix(phonenumbers.region_code_for_number(parsed))
    # "+31 (0)6 ...": the country code followed by the trunk prefix anyway.
    international = [cc + nsn] + ([cc + trunk + nsn] if trunk else [])
    forms = ["+" + f for f in international]
    forms += [exit_code + f for exit_code in _exit_codes(region) for f in international]
    forms += international
    if phonenumbers.country_code_for_region(region) == parsed.country_code:
        national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
        forms += [_national_prefix(region) + nsn, "".join(filter(str.isdigit, national)), nsn]
    return tuple(dict.fromkeys(forms))


def _national_prefix(region: str | None) -> str:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region or "")
    prefix = metadata.national_prefix if metadata else None
    return prefix if prefix and prefix.isdigit() else ""


def _exit_codes(region: str) -> list[str]:
    codes = ["00"]
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata:
        # Patterns such as "0(?:0|1[0-9])" are not a single code; "~" marks a dial tone.
        for code in (metadata.international_prefix, metadata.preferred_international_prefix):
            code = (code or "").replace("~", "")
            if code.isdigit() and code not in codes:
                codes.append(code)
    return codes


def discover(
    datamap: DataMap,
    number: str,
    *,
    connections: ConnectionHandler | None = None,
    requester: Requester | None = None,
) -> Discovery:
    """Find the rows of every table in `datamap` that belong to the E.164 `number`.

    Read-only; the rules (number matching, `via` links, shared numbers and what staff's
    decisions in `requester` change) are in the module docstring. A number stored nowhere,
    or a string that is not an E.164 number at all, runs the same statements and finds
    nothing. Raises ValueError for a map whose links or identifiers could not pass
    validation, and DatabaseError when a source fails.
    """
    connections = default_connections if connections is None else connections
    requester = dict(requester or {})
    order = _dependency_order(datamap)
    numbered = [t for t in order if t.link.number]
    matched: dict[tuple[str, str], _Matched] = {}
    shared: list[SharedNumber] = []
    for table in numbered:
        source = _source(datamap, table.source)
        m = _match_number(
            connections[source.database],
            table,
            _followed_columns(datamap, table),
            number,
            region=source.region or settings.DSAR_COUNTRY,
        )
        m.links = _shared_links(datamap, table, m, requester)
        shared += [link.flag for link in m.links]
        matched[table.source, table.name] = m
    # SECURITY: rows that may be another person's go nowhere until a contact is chosen.
    undecided = any(requester.get(s.key) is None for s in shared)
    found: dict[tuple[str, str], _Found] = {}
    for table in numbered:
        withhold = undecided and not _about_the_number(table)
        found[table.source, table.name] = matched[table.source, table.name].sort(
            requester, withhold_unlinked=withhold
        )
    for table in order:
        if table.link.number:
            continue
        connection = connections[_source(datamap, table.source).database]
        parent = found[table.source, table.link.to]
        column = table.link.to_column
        inside = parent.values.get(column, set())
        outside = parent.excluded_values.get(column, set()) - inside
        found[table.source, table.name] = _match_via(
            connection, table, _followed_columns(datamap, table), inside, outside
        )
    hits = []
    for t in datamap.tables:
        f = found[t.source, t.name]
        hits.append(TableHit(t.source, t.name, tuple(sorted(f.keys)), len(f.keys), len(f.excluded)))
    applied = tuple((*s.key, requester[s.key]) for s in shared if s.key in requester)
    return Discovery(number=number, hits=tuple(hits), shared=tuple(shared), requester=applied)


def _about_the_number(table: Table) -> bool:
    return bool(table.columns) and all(c.category in NUMBER_CATEGORIES for c in table.columns)


@dataclass
class _Found:
    """One table's matched rows: included and excluded keys, and for each column a child
    table follows (`to_column`), its values over the included and the excluded rows."""

    keys: set[int] = field(default_factory=set)
    excluded: set[int] = field(default_factory=set)
    values: dict[str, set] = field(default_factory=dict)
    excluded_values: dict[str, set] = field(default_factory=dict)

    def add(self, row: Sequence[Any], positions: dict[str, int], *, included: bool) -> None:
        (self.keys if included else self.excluded).add(row[0])
        values = self.values if included else self.excluded_values
        for column, i in positions.items():
            if row[i] is not None:
                values.setdefault(column, set()).add(row[i])


@dataclass
class _Link:
    """A shared link of a number table: its column, the table following it, the flag."""

    column: str
    flag: SharedNumber


@dataclass
class _Matched:
    """A number table's matched rows, kept whole until the shared links are known."""

    rows: list[Sequence[Any]]
    positions: dict[str, int]
    links: list[_Link] = field(default_factory=list)

    def sort(self, requester: Requester, *, withhold_unlinked: bool) -> _Found:
        """Included, withheld or (another contact's) left alone: see the module docstring."""
        found = _Found()
        for row in self.rows:
            verdict = "withhold" if withhold_unlinked else "include"
            linked = [(link, row[self.positions[link.column]]) for link in self.links]
            linked = [(link, value) for link, value in linked if value is not None]
            if linked:
                verdict = "include"
            for link, value in linked:
                chosen = requester.get(link.flag.key)
                if chosen is None:
                    verdict = "withhold"
                elif str(value) != chosen:
                    verdict = "other"
                    break
            if verdict != "other":
                found.add(row, self.positions, included=verdict == "include")
        return found


def _match_number(
    connection: BaseDatabaseWrapper, table: Table, follow: list[str], number: str, *, region: str
) -> _Matched:
    try:
        values = number_match_values(number, region=region)
    except ValueError:
        # Not an E.164 number: nothing can confirm it, but the same statement runs.
        values = (number,)
    column = table.link.number
    columns = _unique([PK, column, *follow])
    stripped = _quote(connection, column)
    for separator in SEPARATORS:
        stripped = f"REPLACE({stripped}, '{separator}', '')"
    stored = columns.index(column)
    matched = _Matched(rows=[], positions={c: columns.index(c) for c in follow})
    for row in _select_in(connection, table, columns, stripped, values):
        # Normalised on read: the digit match only narrows the search.
        if normalise_stored(row[stored], region=region) == number:
            matched.rows.append(row)
    return matched


def _shared_links(
    datamap: DataMap, table: Table, matched: _Matched, requester: Requester
) -> list[_Link]:
    """The links of number table `table` that make the number shared: a column some table
    follows with more than one distinct value over the matched rows, or one staff decided."""
    links = []
    for column, linked in _linking_tables(datamap, table).items():
        values = {row[matched.positions[column]] for row in matched.rows} - {None}
        flag = SharedNumber(
            table.source, table.name, linked, len(values), tuple(sorted(values, key=str))
        )
        if len(values) > 1 or flag.key in requester:
            links.append(_Link(column, flag))
    return links


def _linking_tables(datamap: DataMap, table: Table) -> dict[str, str]:
    """{column of `table` a `via` table follows: the first such table, in map order}."""
    linking: dict[str, str] = {}
    for t in datamap.tables_in(table.source):
        if t.link and t.link.via and t.link.to == table.name:
            linking.setdefault(t.link.to_column, t.name)
    return linking


def _match_via(
    connection: BaseDatabaseWrapper, table: Table, follow: list[str], inside: set, outside: set
) -> _Found:
    column = table.link.via
    columns = _unique([PK, column, *follow])
    found = _Found()
    positions = {c: columns.index(c) for c in follow}
    via = columns.index(column)
    parents = sorted(inside | outside)
    for row in _select_in(connection, table, columns, _quote(connection, column), parents):
        # A row reached through an included parent row stays, even if another is excluded.
        found.add(row, positions, included=row[via] in inside)
    return found


def _select_in(
    connection: BaseDatabaseWrapper,
    table: Table,
    columns: list[str],
    expression: str,
    values: Sequence[Any],
) -> Iterator[tuple]:
    """Rows (`columns`) of `table` whose `expression` is in `values`, IN_CHUNK at a time."""
    select = ", ".join(_quote(connection, c) for c in columns)
    head = f"SELECT {select} FROM {_quote(connection, table.name)} WHERE {expression} IN "  # noqa: S608
    with connection.cursor() as cursor:
        for start in range(0, len(values), IN_CHUNK):
            chunk = list(values[start : start + IN_CHUNK])
            cursor.execute(head + "(" + ", ".join(["%s"] * len(chunk)) + ")", chunk)
            yield from cursor.fetchall()


def iter_rows(
    datamap: DataMap,
    table: Table,
    keys: Iterable[int],
    *,
    columns: Sequence[str] | None = None,
    connections: ConnectionHandler | None = None,
    chunk_size: int = 1000,
) -> Iterator[dict[str, Any]]:
    """Yield the rows of `table` whose `id` is in `keys`, ordered by id, as dictionaries.

    Each dictionary holds `id` and `columns` (default: the columns the map declares for
    the table; only declared and link columns are allowed), values as the database
    driver returns them (dates stay dates). Reads `IN_CHUNK` keys per statement and
    `chunk_size` rows per `fetchmany`, so memory stays bounded whatever the number of
    keys. Raises ValueError for a table or column the map does not declare.
    """
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1.")
    if datamap.table(table.source, table.name) is None:
        raise ValueError(f"Table {table.source}.{table.name} is not in the data map.")
    names = _row_columns(table, columns)
    connections = default_connections if connections is None else connections
    connection = connections[_source(datamap, table.source).database]
    select = ", ".join(_quote(connection, c) for c in names)
    pk = _quote(connection, PK)
    head = f"SELECT {select} FROM {_quote(connection, table.name)} WHERE {pk} IN "  # noqa: S608
    keys = sorted(set(keys))
    with connection.cursor() as cursor:
        for start in range(0, len(keys), IN_CHUNK):
            chunk = keys[start : start + IN_CHUNK]
            placeholders = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"{head}({placeholders}) ORDER BY {pk}", chunk)
            while rows := cursor.fetchmany(chunk_size):
                for row in rows:
                    yield dict(zip(names, row, strict=True))


def _row_columns(table: Table, columns: Sequence[str] | None) -> list[str]:
    declared = [c.name for c in table.columns]
    if columns is None:
        return _unique([PK, *declared])
    link = table.link
    allowed = {PK, *declared, *((link.number, link.via) if link else ())} - {None}
    unknown = [c for c in columns if c not in allowed]
    if unknown:
        raise ValueError(
            f"Table {table.source}.{table.name} declares no column {', '.join(map(repr, unknown))}."
        )
    return _unique([PK, *columns])


def _dependency_order(datamap: DataMap) -> list[Table]:
    """Number tables first, then each `via` table after the table it points to."""
    seen: set[tuple[str, str]] = set()
    for table in datamap.tables:
        if (table.source, table.name) in seen:
            raise ValueError(f"Table {table.source}.{table.name} is declared more than once.")
        seen.add((table.source, table.name))
        if table.link is None or not table.link.is_well_formed:
            raise ValueError(f"Table {table.source}.{table.name} has no valid link.")
    done: set[tuple[str, str]] = set()
    order: list[Table] = []
    pending = list(datamap.tables)
    while pending:
        ready = [t for t in pending if t.link.number or (t.source, t.link.to) in done]
        if not ready:
            names = ", ".join(f"{t.source}.{t.name}" for t in pending)
            raise ValueError(f"The link chains of {names} do not reach a number column.")
        order += ready
        done |= {(t.source, t.name) for t in ready}
        pending = [t for t in pending if (t.source, t.name) not in done]
    return order


def _followed_columns(datamap: DataMap, table: Table) -> list[str]:
    """The columns of `table` that other tables' `via` links point at (`to_column`)."""
    return _unique(
        t.link.to_column
        for t in datamap.tables_in(table.source)
        if t.link and t.link.via and t.link.to == table.name
    )


def _source(datamap: DataMap, name: str) -> Source:
    source = datamap.source(name)
    if source is None or not source.database:
        raise ValueError(f"Source {name!r} is not declared with a database alias.")
    return source


def _quote(connection: BaseDatabaseWrapper, name: str) -> str:
    # SECURITY: see _IDENTIFIER.
    if not _IDENTIFIER.fullmatch(name or ""):
        raise ValueError(f"{name!r} is not a plain SQL identifier.")
    return connection.ops.quote_name(name)


def quote(connection: BaseDatabaseWrapper, name: str) -> str:
    """A table or column name from the data map, quoted; anything but a plain SQL
    identifier raises ValueError (see _IDENTIFIER)."""
    return _quote(connection, name)


def connection_for(
    datamap: DataMap, table: Table, *, connections: ConnectionHandler | None = None
) -> BaseDatabaseWrapper:
    """The database connection of `table`'s source."""
    connections = default_connections if connections is None else connections
    return connections[_source(datamap, table.source).database]


def keys_condition(connection: BaseDatabaseWrapper, keys: Sequence[int]) -> tuple[str, list[Any]]:
    """SQL "`id` is one of `keys`" as ONE parameter however many keys there are:
    `id = ANY(%s)` on PostgreSQL, `id IN (SELECT value FROM json_each(%s))` on SQLite.
    Raises ValueError for another database."""
    pk = _quote(connection, PK)
    if connection.vendor == "postgresql":
        return f"{pk} = ANY(%s)", [list(keys)]
    if connection.vendor == "sqlite":
        return f"{pk} IN (SELECT value FROM json_each(%s))", [json.dumps(list(keys))]  # noqa: S608
    raise ValueError(
        f"Only SQLite and PostgreSQL sources are supported, not {connection.vendor!r}."
    )


def column_types(connection: BaseDatabaseWrapper, table: str) -> dict[str, tuple[str, int | None]]:
    """{column: (Django field type, maximum length or None)}, read from the live table."""
    introspection = connection.introspection
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # One PRAGMA; Django's get_table_description() costs a query per column here.
            cursor.execute(f"PRAGMA table_info({_quote(connection, table)})")
            types = {}
            for _cid, name, declared, *_rest in cursor.fetchall():
                try:
                    kind = introspection.data_types_reverse[declared]
                except KeyError:
                    kind = declared
                # SQLite stores a longer value in a VARCHAR(8) without complaint; we refuse.
                size = declared.partition("(")[2].rstrip(")").strip()
                types[name] = (kind, int(size) if size.isdigit() else None)
            return types
        types = {}
        for info in introspection.get_table_description(cursor, table):
            try:
                kind = introspection.get_field_type(info.type_code, info)
            except KeyError:
                kind = str(info.type_code)
            size = info.display_size if kind in {"CharField", "TextField"} else None
            types[info.name] = (kind, size if isinstance(size, int) and size > 0 else None)
        return types


def _unique(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(names))
