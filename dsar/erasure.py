"""Erasure (GDPR Art. 17) of one data subject's rows, one table at a time, set-wise.

The caller decides WHICH rows: discovery computes the primary keys per table before
anything changes, and the caller records each finished table. This module applies the data
map's strategy of every column to those rows of one table, inside one transaction on the
table's database alias, and reports what it did:

- `erase_table()` runs the strategies of one table and returns a `TableReport`;
- `erasure_order()` orders tables so that no foreign key is ever violated;
- `check_erased()` re-reads the planned rows and lists what is not erased, so an erasure is
  never reported done on trust.

Strategies are small classes with one contract (like pretix's `BaseDataShredder`):
`apply(*, cursor, connection, table, columns, keys) -> rows affected`. Each changes the
rows with ONE statement per table (`Hash`: a SELECT DISTINCT and an UPDATE per column),
whatever the number of rows: the keys travel as one parameter (`id = ANY(%s)` on PostgreSQL, `id IN (SELECT value FROM json_each(%s))` on
SQLite), so there is neither a row-by-row loop nor a parameter limit to split around.

Everything is rerunnable: deleted rows are gone, `null` and `mask` only touch values not yet
erased, and `hash` never hashes a hash, so a second run with the same keys changes nothing
and reports zero. Identifiers come only from the (validated) data map and are quoted with
`connection.ops.quote_name`; values are always parameters.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar

from django.db import connections as default_connections
from django.db import transaction

from dsar import connectors
from dsar.datamap import STRATEGIES, TEXT_FIELDS, DataMap, Table
from dsar.retention import UNKNOWN, Held, Kept

# What `mask` writes. Eight characters: it fits the narrowest masked demo column.
MASK = "[erased]"
# A hashed value: version prefix and the hex HMAC-SHA256, 67 characters.
HASH_PREFIX = "h1:"
HASH_LENGTH = len(HASH_PREFIX) + 64
MIN_KEY_BYTES = 16
# Distinct values per `Hash` UPDATE: keeps the CASE short and under SQLite's 999 parameters.
HASH_CHUNK = 300
# Ids named in a check_erased() problem; the count is always complete.
SHOWN_IDS = 10


class ErasureError(Exception):
    """The table cannot be erased as the data map says; nothing was changed."""


# --- the report -----------------------------------------------------------------------


@dataclass(frozen=True)
class Retained:
    """A column kept by law: why, under which activity's rule, until when, in how many rows.

    `kept` is what `dsar.retention.kept_until()` gave for the subject's rows before the
    erasure (for a rule per row, `kept_first` is the earliest of them): the same dates the
    register extract states and the retention run acts on.
    """

    column: str
    category: str | None
    legal_basis: str | None
    activity: str
    trigger: str | None
    months: int | None
    rows: int
    kept: Kept = field(default_factory=lambda: Kept(UNKNOWN))
    kept_first: Kept | None = None
    # Rows whose period has not started (a consent that stands).
    running: int = 0
    # `legal_basis` per language, for the customer's receipt.
    legal_basis_label: dict[str, str] = field(default_factory=dict)

    @property
    def until(self) -> date | None:
        return self.kept.until

    def to_dict(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "category": self.category,
            "legal_basis": self.legal_basis,
            "activity": self.activity,
            "trigger": self.trigger,
            "months": self.months,
            "rows": self.rows,
            "kept": self.kept.to_dict(),
            "kept_first": self.kept_first.to_dict() if self.kept_first else None,
            "running": self.running,
            "legal_basis_label": dict(self.legal_basis_label),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Retained:
        first = data.get("kept_first")
        return cls(
            column=data["column"],
            category=data.get("category"),
            legal_basis=data.get("legal_basis"),
            activity=data.get("activity") or "",
            trigger=data.get("trigger"),
            months=data.get("months"),
            rows=int(data.get("rows", 0)),
            kept=Kept.from_dict(data.get("kept") or {}),
            kept_first=Kept.from_dict(first) if first else None,
            running=int(data.get("running", 0)),
            legal_basis_label=dict(data.get("legal_basis_label") or {}),
        )


@dataclass(frozen=True)
class TableReport:
    """What erase_table() did to one table: rows deleted, rows anonymised, what was kept.

    `anonymised` counts the rows in which this run changed at least one value (null, mask
    or hash); `changed` gives the rows affected per strategy. A rerun reports zeros.
    """

    source: str
    table: str
    deleted: int
    anonymised: int
    retained: tuple[Retained, ...] = ()
    changed: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable (dates as ISO strings); `from_dict()` reads it back."""
        return {
            "source": self.source,
            "table": self.table,
            "deleted": self.deleted,
            "anonymised": self.anonymised,
            "retained": [r.to_dict() for r in self.retained],
            "changed": dict(self.changed),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TableReport:
        return cls(
            source=data["source"],
            table=data["table"],
            deleted=int(data.get("deleted", 0)),
            anonymised=int(data.get("anonymised", 0)),
            retained=tuple(Retained.from_dict(r) for r in data.get("retained", ())),
            changed=dict(data.get("changed", {})),
        )


# --- the strategies -------------------------------------------------------------------


class Strategy:
    """One erasure strategy. `erase_table()` calls `check()` of every strategy of a table
    before any `apply()`, all inside the table's transaction.

    `apply()` changes the planned rows (`keys`) of `table` in `columns` with one statement
    and returns the rows affected; values already erased are left alone, so a rerun
    returns 0. `pending()` is the SQL condition "this column still holds what the strategy
    removes"; check_erased() and the report use it.
    """

    name: ClassVar[str]
    expected: ClassVar[str]  # for problems: "is not <expected>"

    def check(self, *, cursor, connection, table: str, columns: list[str]) -> None:
        """Raise ErasureError when the strategy cannot work on these columns."""

    def pending(self, connection, column: str) -> tuple[str, list[Any]]:
        raise NotImplementedError

    def apply(
        self, *, cursor, connection, table: str, columns: list[str], keys: Sequence[int]
    ) -> int:
        raise NotImplementedError


class Delete(Strategy):
    """Delete the whole row. Any `delete` column of a table makes this the only strategy."""

    name = "delete"
    expected = "deleted"

    def pending(self, connection, column: str) -> tuple[str, list[Any]]:
        return "1 = 1", []  # a row that still exists is not erased

    def apply(self, *, cursor, connection, table, columns, keys) -> int:
        where, params = _in_keys(connection, keys)
        cursor.execute(f"DELETE FROM {_qn(connection, table)} WHERE {where}", params)  # noqa: S608
        return cursor.rowcount


class Null(Strategy):
    """Set the columns to NULL (the validator checks that they are nullable)."""

    name = "null"
    expected = "NULL"

    def pending(self, connection, column):
        return f"{_qn(connection, column)} IS NOT NULL", []

    def apply(self, *, cursor, connection, table, columns, keys) -> int:
        assignments = ", ".join(f"{_qn(connection, c)} = NULL" for c in columns)
        where, params = _in_keys(connection, keys)
        pending, more = _any_pending(self, connection, columns)
        cursor.execute(
            f"UPDATE {_qn(connection, table)} SET {assignments} WHERE {where} AND {pending}",  # noqa: S608
            params + more,
        )
        return cursor.rowcount


class Mask(Strategy):
    """Overwrite text values with the fixed MASK; NULL stays NULL (there is nothing to hide).

    Only for text columns: dates and numbers cannot hold a mask, the map should null them.
    """

    name = "mask"
    expected = f"NULL or the mask {MASK!r}"

    def check(self, *, cursor, connection, table, columns) -> None:
        _require_text(cursor, connection, table, columns, self.name, len(MASK))

    def pending(self, connection, column):
        qc = _qn(connection, column)
        return f"({qc} IS NOT NULL AND {qc} <> %s)", [MASK]

    def apply(self, *, cursor, connection, table, columns, keys) -> int:
        sets, set_params = [], []
        for column in columns:
            qc = _qn(connection, column)
            sets.append(f"{qc} = CASE WHEN {qc} IS NULL THEN NULL ELSE %s END")
            set_params.append(MASK)
        where, params = _in_keys(connection, keys)
        pending, more = _any_pending(self, connection, columns)
        cursor.execute(
            f"UPDATE {_qn(connection, table)} SET {', '.join(sets)} WHERE {where} AND {pending}",  # noqa: S608
            set_params + params + more,
        )
        return cursor.rowcount


class Hash(Strategy):
    """Replace each value by "h1:" + hex HMAC-SHA256(key, value), with a per-run key.

    Why keyed with a random key that is thrown away: a phone number has few possible values,
    so a plain or fixed-key hash of it is recomputed by anyone who has the number (or the
    key) and links the row back to the person. Such a stable hash is pseudonymous, still
    personal data (GDPR Recital 26), and hashing it would not be an erasure. The caller
    makes a fresh random key per run (`new_hash_key()`), keeps it only in memory and never
    stores or logs it, so nobody, we included, can recompute the hash later. Within one run
    equal values still get equal hashes: the retained consent proof keeps showing which
    records belonged together without pointing at anyone.

    Set-wise: the DISTINCT values are hashed in Python, then one UPDATE per column maps them
    with `CASE col WHEN value THEN hash ... END`. A value that already is a hash (prefix
    "h1:" and 67 characters) is never hashed again, whatever the key of the run: a rerun or
    the rest of a half-finished erasure changes nothing.
    """

    name = "hash"
    expected = f"a keyed hash ({HASH_PREFIX}…)"

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key

    def __repr__(self) -> str:
        return "Hash(key=<hidden>)"

    def digest(self, value: Any) -> str:
        if not self._key or len(self._key) < MIN_KEY_BYTES:
            raise ValueError(f"Hash needs a random key of at least {MIN_KEY_BYTES} bytes.")
        text = value if isinstance(value, str) else str(value)
        mac = hmac.new(self._key, text.encode("utf-8"), hashlib.sha256).hexdigest()
        return HASH_PREFIX + mac

    def check(self, *, cursor, connection, table, columns) -> None:
        _require_text(cursor, connection, table, columns, self.name, HASH_LENGTH)

    def pending(self, connection, column):
        qc = _qn(connection, column)
        # SUBSTR, not LIKE: SQLite's LIKE ignores case, and a real value may start "h1:".
        return (
            f"({qc} IS NOT NULL AND NOT (SUBSTR({qc}, 1, 3) = %s AND LENGTH({qc}) = %s))",
            [HASH_PREFIX, HASH_LENGTH],
        )

    def apply(self, *, cursor, connection, table, columns, keys) -> int:
        qt = _qn(connection, table)
        where, params = _in_keys(connection, keys)
        rows = None
        if len(columns) > 1:  # a row changed in two columns still counts once
            pending, more = _any_pending(self, connection, columns)
            cursor.execute(f"SELECT COUNT(*) FROM {qt} WHERE {where} AND {pending}", params + more)  # noqa: S608
            rows = cursor.fetchone()[0]
        changed = 0
        for column in columns:
            qc = _qn(connection, column)
            pending, more = self.pending(connection, column)
            cursor.execute(
                f"SELECT DISTINCT {qc} FROM {qt} WHERE {where} AND {pending}",  # noqa: S608
                params + more,
            )
            hashes = {value: self.digest(value) for (value,) in cursor.fetchall()}
            values = list(hashes)
            for start in range(0, len(values), HASH_CHUNK):
                chunk = values[start : start + HASH_CHUNK]
                cases = " ".join(["WHEN %s THEN %s"] * len(chunk))
                listed = ", ".join(["%s"] * len(chunk))
                cursor.execute(
                    f"UPDATE {qt} SET {qc} = CASE {qc} {cases} ELSE {qc} END "  # noqa: S608
                    f"WHERE {where} AND {qc} IN ({listed}) AND {pending}",
                    [p for v in chunk for p in (v, hashes[v])] + params + chunk + more,
                )
                changed += cursor.rowcount
        return changed if rows is None else rows


class Retain(Strategy):
    """Keep the values (a law requires it); only count the rows kept."""

    name = "retain"
    expected = "kept"

    def pending(self, connection, column):
        return "1 = 0", []  # never anything to erase

    def apply(self, *, cursor, connection, table, columns, keys) -> int:
        where, params = _in_keys(connection, keys)
        cursor.execute(f"SELECT COUNT(*) FROM {_qn(connection, table)} WHERE {where}", params)  # noqa: S608
        return cursor.fetchone()[0]


# Applied in this order; `delete` alone when present.
ORDER = ("delete", "retain", "null", "mask", "hash")
assert set(ORDER) == set(STRATEGIES)


def strategies(hash_key: bytes | None = None) -> dict[str, Strategy]:
    return {
        "delete": Delete(),
        "null": Null(),
        "mask": Mask(),
        "hash": Hash(hash_key),
        "retain": Retain(),
    }


def new_hash_key() -> bytes:
    """A fresh random key for one erasure run: keep it in memory only."""
    return secrets.token_bytes(32)


# --- the API --------------------------------------------------------------------------


def erase_table(
    datamap: DataMap,
    table: Table | str,
    keys: Iterable[int],
    *,
    hash_key: bytes,
    retention: Mapping[str, Held] | None = None,
    connections=None,
) -> TableReport:
    """Erase the planned rows (`keys`, primary keys) of one table in one transaction.

    A table with any `delete` column loses the rows and nothing else runs. Otherwise
    `retain` columns are counted first (before anything changes) and reported with how
    long they are kept, from `retention` ({activity: Held} of this table, what
    `retention.for_subject()` found before the erasure began), then `null`, `mask` and
    `hash` columns are erased. Raises ErasureError (changing nothing) when the map asks for
    something the table cannot take, such as a mask on a date column.
    """
    table = _resolve(datamap, table)
    plan = _plan(datamap, table)
    if not hash_key or len(hash_key) < MIN_KEY_BYTES:
        raise ValueError(f"hash_key must be a random key of at least {MIN_KEY_BYTES} bytes.")
    alias = _alias(datamap, table)
    connection = (connections or default_connections)[alias]
    keys = _keys(keys)
    _in_keys(connection, [0])  # refuse an unsupported database before anything else
    if not keys:
        return TableReport(table.source, table.name, deleted=0, anonymised=0)
    by_name = strategies(hash_key)
    args = {"connection": connection, "table": table.name}
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        for name, columns in plan.items():
            by_name[name].check(cursor=cursor, **args, columns=columns)
        if "delete" in plan:
            deleted = by_name["delete"].apply(
                cursor=cursor, **args, columns=plan["delete"], keys=keys
            )
            return TableReport(
                table.source, table.name, deleted=deleted, anonymised=0, changed={"delete": deleted}
            )
        retained: tuple[Retained, ...] = ()
        if "retain" in plan:
            retained = _retained(cursor, connection, table, plan["retain"], keys, retention or {})
        anonymising = {n: c for n, c in plan.items() if n in ("null", "mask", "hash")}
        anonymised, changed = 0, {}
        if anonymising:
            anonymised = _count_pending(cursor, connection, table.name, anonymising, keys, by_name)
            for name, columns in anonymising.items():
                changed[name] = by_name[name].apply(
                    cursor=cursor, **args, columns=columns, keys=keys
                )
    return TableReport(
        table.source,
        table.name,
        deleted=0,
        anonymised=anonymised,
        retained=retained,
        changed=changed,
    )


def erasure_order(datamap: DataMap, tables: Iterable[Table | str]) -> list[Table]:
    """The tables in an order that never violates a foreign key, else in the given order.

    For a link {via = c, to = U}: with to_column "id" the linking table holds the foreign
    key and goes before U; with another to_column (contacts.id = contact_numbers.contact_id)
    U holds it and goes first. Raises ErasureError on a cycle.
    """
    ordered: list[Table] = []
    for item in tables:
        table = _resolve(datamap, item)
        if not any(t is table for t in ordered):
            ordered.append(table)
    index = {(t.source, t.name): i for i, t in enumerate(ordered)}
    waits_for: list[set[int]] = [set() for _ in ordered]  # i waits for these
    for i, table in enumerate(ordered):
        link = table.link
        if not link or not link.via or not link.to:
            continue
        j = index.get((table.source, link.to))
        if j is None or j == i:
            continue
        if link.to_column == "id":
            waits_for[j].add(i)  # the target waits for the table pointing at it
        else:
            waits_for[i].add(j)  # the target points here: it goes first
    ready = [i for i, waits in enumerate(waits_for) if not waits]
    heapq.heapify(ready)
    result: list[int] = []
    while ready:
        i = heapq.heappop(ready)
        result.append(i)
        for j, waits in enumerate(waits_for):
            if i in waits:
                waits.discard(i)
                if not waits:
                    heapq.heappush(ready, j)
    if len(result) < len(ordered):
        stuck = ", ".join(
            sorted(f"{t.source}.{t.name}" for k, t in enumerate(ordered) if k not in result)
        )
        raise ErasureError(f"The links between {stuck} form a cycle: no safe erasure order.")
    return [ordered[i] for i in result]


def check_erased(
    datamap: DataMap, table: Table | str, keys: Iterable[int], *, connections=None
) -> list[str]:
    """Re-read the planned rows and return every way they are not erased (empty: erased).

    A `delete` table must have none of the rows left; otherwise `null` columns must be
    NULL, `mask` columns NULL or the mask, `hash` columns a hash. Changes nothing.
    """
    table = _resolve(datamap, table)
    plan = _plan(datamap, table)
    keys = _keys(keys)
    connection = (connections or default_connections)[_alias(datamap, table)]
    by_name = strategies()
    if "delete" in plan:
        checks = [(by_name["delete"], None)]
    else:
        checks = [
            (by_name[name], column)
            for name in ("null", "mask", "hash")
            for column in plan.get(name, ())
        ]
    if not keys or not checks:
        return []
    flags, conditions, flag_params, cond_params = [], [], [], []
    for strategy, column in checks:
        sql, params = strategy.pending(connection, column or "id")
        flags.append(f"CASE WHEN {sql} THEN 1 ELSE 0 END")
        flag_params += params
        conditions.append(sql)
        cond_params += params
    where, key_params = _in_keys(connection, keys)
    qid = _qn(connection, "id")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {qid}, {', '.join(flags)} FROM {_qn(connection, table.name)} "  # noqa: S608
            f"WHERE {where} AND ({' OR '.join(conditions)}) ORDER BY {qid}",
            flag_params + key_params + cond_params,
        )
        found = cursor.fetchall()
    problems = []
    where_text = f"{table.source}.{table.name}"
    for position, (strategy, column) in enumerate(checks, start=1):
        ids = [row[0] for row in found if row[position]]
        if not ids:
            continue
        shown = ", ".join(str(i) for i in ids[:SHOWN_IDS]) + (", …" if len(ids) > SHOWN_IDS else "")
        if column is None:
            problems.append(
                f"{where_text}: {len(ids)} planned row(s) still exist after 'delete' (id {shown})."
            )
        else:
            problems.append(
                f"{where_text}: column {column!r} is not {strategy.expected} after "
                f"{strategy.name!r} in {len(ids)} planned row(s) (id {shown})."
            )
    return problems


# --- helpers --------------------------------------------------------------------------


def _resolve(datamap: DataMap, table: Table | str) -> Table:
    if isinstance(table, Table):
        return table
    source, _, name = table.rpartition(".")
    found = [t for t in datamap.tables if t.name == name and (not source or t.source == source)]
    if len(found) != 1:
        raise ErasureError(f"{datamap.origin}: no single table {table!r} in the data map.")
    return found[0]


def _alias(datamap: DataMap, table: Table) -> str:
    source = datamap.source(table.source)
    if source is None or not source.database:
        raise ErasureError(
            f"{datamap.origin}: table '{table.source}.{table.name}' has no source with a database alias."
        )
    return source.database


def _plan(datamap: DataMap, table: Table) -> dict[str, list[str]]:
    """{strategy: [columns]} in application order; only `delete` when the rows go."""
    plan: dict[str, list[str]] = {}
    for column in table.columns:
        if column.erasure not in STRATEGIES:
            raise ErasureError(
                f"{datamap.origin}: table '{table.source}.{table.name}', column {column.name!r}: "
                f"erasure {column.erasure!r} is not a strategy; validate the data map first."
            )
        plan.setdefault(column.erasure, []).append(column.name)
    if "delete" in plan and "retain" in plan:
        raise ErasureError(
            f"{datamap.origin}: table '{table.source}.{table.name}' both deletes its rows and "
            f"retains {', '.join(plan['retain'])}; validate the data map first."
        )
    if "delete" in plan:
        return {"delete": plan["delete"]}
    return {name: plan[name] for name in ORDER if name in plan}


def _keys(keys: Iterable[int]) -> list[int]:
    result = set()
    for key in keys:
        if isinstance(key, bool) or not isinstance(key, int):
            raise ErasureError(f"Primary keys must be integers, not {key!r}.")
        result.add(key)
    return sorted(result)


def _qn(connection, name: str) -> str:
    """Quote a name from the data map; names that could escape the quotes are refused."""
    if not name or '"' in name or "`" in name or "\x00" in name:
        raise ErasureError(f"{name!r} is not a usable table or column name.")
    return connection.ops.quote_name(name)


def _in_keys(connection, keys: Sequence[int]) -> tuple[str, list[Any]]:
    """`id` among the keys, as ONE parameter however many keys there are."""
    try:
        return connectors.keys_condition(connection, keys)
    except ValueError:
        raise ErasureError(
            f"Erasure supports SQLite and PostgreSQL, not {connection.vendor!r}."
        ) from None


def _any_pending(strategy: Strategy, connection, columns: list[str]) -> tuple[str, list[Any]]:
    parts, params = [], []
    for column in columns:
        sql, more = strategy.pending(connection, column)
        parts.append(sql)
        params += more
    return f"({' OR '.join(parts)})", params


def _count_pending(cursor, connection, table: str, plan, keys, by_name) -> int:
    """Rows in which at least one value is still to be nulled, masked or hashed."""
    parts, params = [], []
    for name, columns in plan.items():
        sql, more = _any_pending(by_name[name], connection, columns)
        parts.append(sql)
        params += more
    where, key_params = _in_keys(connection, keys)
    cursor.execute(
        f"SELECT COUNT(*) FROM {_qn(connection, table)} WHERE {where} AND ({' OR '.join(parts)})",  # noqa: S608
        key_params + params,
    )
    return cursor.fetchone()[0]


def _require_text(cursor, connection, table: str, columns: list[str], strategy: str, width: int):
    types = connectors.column_types(connection, table)
    for column in columns:
        if column not in types:
            raise ErasureError(f"Table {table!r} has no column {column!r}.")
        kind, size = types[column]
        if kind not in TEXT_FIELDS:
            raise ErasureError(
                f"Table {table!r}, column {column!r}: erasure {strategy!r} needs a text column, "
                f"not a {kind}; use 'null' (or 'delete') for dates and numbers."
            )
        if size is not None and size < width:
            raise ErasureError(
                f"Table {table!r}, column {column!r}: erasure {strategy!r} writes {width} "
                f"characters, the column holds {size}."
            )


def _retained(cursor, connection, table: Table, columns: list[str], keys, retention) -> tuple:
    rows = Retain().apply(
        cursor=cursor, connection=connection, table=table.name, columns=columns, keys=keys
    )
    if not rows:
        return ()
    kept = []
    for name in columns:
        column = table.column(name)
        code = table.activity_of(column)
        held = retention.get(code)
        kept.append(
            Retained(
                column=name,
                category=column.category,
                legal_basis=column.legal_basis,
                activity=code,
                trigger=held.trigger if held else None,
                months=held.months if held else None,
                rows=rows,
                kept=held.last if held else Kept(UNKNOWN),
                kept_first=held.first if held and held.whose == "row" else None,
                running=held.running if held and held.whose == "row" else 0,
                legal_basis_label=dict(column.legal_basis_label),
            )
        )
    return tuple(kept)
