"""The demo customer-service database: a contact centre's tables, filled with Faker data.

`seed()` drops and recreates the tables of `dsar.demo.schema` in a database alias (the
`customer_service` alias by default) and fills them from one random seed, in Dutch,
Swedish, Russian and English, and writes a short audio file for every call recording into the
"recordings" storage (under `demo/`). The portal only ever reads this database through the
data map; nothing here is a Django model.

`DEMO_NUMBERS` names numbers that exist (or deliberately do not) in every demo database,
whatever its size and seed, for READMEs, demos and tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from itertools import islice

from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from . import audio, schema
from .generate import DEMO_NOW, DemoData
from .personas import DEMO_NUMBERS, PERSONAS

__all__ = ["DEMO_NOW", "DEMO_NUMBERS", "MIN_SUBJECTS", "DemoRefused", "seed"]

BATCH_SIZE = 20_000
MIN_SUBJECTS = len(PERSONAS) + 4


class DemoRefused(Exception):
    """The target database holds tables the demo did not create; nothing was changed."""


def seed(
    alias: str = "customer_service",
    *,
    subjects: int,
    messages: int,
    seed: int = 1,
    now: datetime = DEMO_NOW,
) -> dict[str, int]:
    """(Re)create the demo tables in `alias` and return the number of rows per table.

    Runs in one transaction: on failure the previous demo data stays as it was. Refuses
    (DemoRefused) to touch a database whose tables of the same names were not made by the
    demo, so it can never overwrite a real customer-service system. The same arguments
    always produce the same rows.
    """
    if subjects < MIN_SUBJECTS or messages < 0:
        raise ValueError(
            f"The demo needs at least {MIN_SUBJECTS} subjects and no negative message count."
        )
    connection = connections[alias]
    data = DemoData(subjects=subjects, messages=messages, seed=seed, now=now)
    counts: dict[str, int] = {}
    with _bulk_load(connection), transaction.atomic(using=alias), connection.cursor() as cursor:
        _refuse_foreign_tables(connection, cursor, alias)
        for sql in schema.drop_statements() + schema.create_statements(connection.vendor):
            cursor.execute(sql)
        for table, rows in data.tables():
            counts[table] = _insert(cursor, table, rows)
        for sql in schema.index_statements() + schema.sequence_statements(connection.vendor):
            cursor.execute(sql)
        info = {"seed": seed, "subjects": subjects, "messages": messages, "now": now.isoformat()}
        _insert(cursor, "demo_seed", ((k, str(v)) for k, v in info.items()))
        cursor.execute("SELECT id, recording_uri FROM call_recordings")
        recordings = cursor.fetchall()
    audio.write_recordings(recordings)
    return counts


def _insert(cursor, table: str, rows: Iterable[tuple]) -> int:
    # Table and column names are this package's constants, never input.
    columns = schema.columns(table)
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608
    count = 0
    for batch in _batches(rows):
        cursor.executemany(sql, batch)
        count += len(batch)
    return count


def _batches(rows: Iterable[tuple]) -> Iterator[list[tuple]]:
    rows = iter(rows)
    while batch := list(islice(rows, BATCH_SIZE)):
        yield batch


def _refuse_foreign_tables(connection: BaseDatabaseWrapper, cursor, alias: str) -> None:
    existing = set(connection.introspection.table_names(cursor))
    clashing = existing & (set(schema.TABLES) - {"demo_seed"})
    if clashing and "demo_seed" not in existing:
        raise DemoRefused(
            f"Database alias {alias!r} already has tables the demo did not create "
            f"({', '.join(sorted(clashing))}); refusing to replace them."
        )


@contextmanager
def _bulk_load(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """On SQLite, skip fsyncs while loading: only an OS crash mid-load could harm the demo file.

    PRAGMAs cannot change inside a transaction, so inside one (tests) they are left alone.
    """
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        (synchronous,) = cursor.fetchone()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA synchronous={int(synchronous)}")
