"""Files the data map points at: a column declared `file = "<storage>"` holds a key in one of
Django's STORAGES (a local folder by default, S3 through django-storages), such as the audio
of a recorded call.

A copy of the data (Art. 15(3)) of a call is the audio, so access packages hold the files
themselves (`package_name()` is their place in the ZIP); erasure deletes them with their
rows. Keys come from the customer-service data: they are never trusted as paths, only passed
to the storage, which refuses to leave its root.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO

from django.core.files.storage import storages

from dsar import connectors
from dsar.datamap import DataMap, Table

_SAFE_PART = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class FileRef:
    """One file a row points at: the row, its column, the storage alias and the stored key."""

    table: str
    row: int
    column: str
    storage: str
    key: str

    @property
    def package_name(self) -> str:
        return package_name(self.storage, self.key)

    def to_list(self) -> list:
        return [self.table, self.row, self.column, self.storage, self.key]

    @classmethod
    def from_list(cls, data: list) -> FileRef:
        return cls(*data)


def package_name(storage: str, key: str) -> str:
    """Where a file goes in a package: "<storage>/<key>", each part reduced to safe
    characters; a key that had to change gets a short hash, so two keys never meet."""
    parts = [
        _SAFE_PART.sub("_", p).strip(".") or "_" for p in key.split("/") if p not in ("", ".", "..")
    ]
    name = "/".join(parts) or "_"
    if name != key:
        stem, dot, suffix = name.rpartition(".")
        tag = hashlib.sha256(key.encode()).hexdigest()[:8]
        name = f"{stem}-{tag}.{suffix}" if dot and stem else f"{name}-{tag}"
    return f"{_SAFE_PART.sub('_', storage)}/{name}"


def refs(dm: DataMap, table: Table, keys: Iterable[int], *, connections=None) -> list[FileRef]:
    """The files the rows `keys` of `table` point at (empty references are no file)."""
    columns = table.file_columns()
    if not columns:
        return []
    names = [c.name for c in columns]
    found = []
    rows = connectors.iter_rows(dm, table, keys, columns=names, connections=connections)
    for row in rows:
        for column in columns:
            value = row[column.name]
            if value:
                found.append(FileRef(table.name, row["id"], column.name, column.file, str(value)))
    return found


def open_file(ref: FileRef) -> IO[bytes]:
    """The file, opened for reading. Raises FileNotFoundError (or the storage's error) when
    it is gone."""
    storage = storages[ref.storage]
    if not storage.exists(ref.key):
        raise FileNotFoundError(ref.key)
    return storage.open(ref.key, "rb")


def delete(found: Iterable[FileRef]) -> int:
    """Delete the files; a file already gone counts as deleted. Returns how many existed."""
    deleted = 0
    for ref in found:
        storage = storages[ref.storage]
        if storage.exists(ref.key):
            storage.delete(ref.key)
            deleted += 1
    return deleted


def still_there(found: Iterable[FileRef]) -> list[FileRef]:
    """The files that still exist (an erasure is checked, never trusted)."""
    return [ref for ref in found if storages[ref.storage].exists(ref.key)]
