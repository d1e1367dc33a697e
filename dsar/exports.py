"""The access package: one ZIP with the customer's data, built on disk in a single pass.

The package holds `data.json` (every record per source and table, with the category of each
field), one CSV per table under `csv/`, a README in the customer's language and any extra
files the caller adds (the register extract, `REGISTER_EXTRACT`). The module knows nothing
about models or databases: callers hand it `TableExport`s whose rows are lazy iterators.

Memory stays flat whatever the number of rows: each table's rows are read once, and every
record is written to `data.json` inside the ZIP and to a spooled temporary CSV in the same
step; the CSVs are copied into the ZIP in chunks once `data.json` is closed (a ZIP takes one
writer at a time). The ZIP is written under `.part` and renamed into place when complete.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import wrap

KINDS = ("access", "export")
DATA_FILE = "data.json"
README_FILE = "README.txt"
CSV_FOLDER = "csv"
# Callers add the register extract (Art. 15(1)(a)-(h)) under this name; the README explains it.
REGISTER_EXTRACT = "register-extract.pdf"
README_TEMPLATE = "dsar/package/README.txt"

# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV
# Injection": = + - @ tab CR; ASVS 5.0 1.2.10 adds NUL; LF goes with CR).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")
# Source and table names become file names inside the ZIP: no slashes, no leading dot.
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
_CHUNK = 64 * 1024
# Per table, the CSV stays in memory up to this size, then moves to a temporary file.
_SPOOL_MAX = 256 * 1024
_README_WIDTH = 76
_ENCODER = json.JSONEncoder(ensure_ascii=False)


@dataclass(frozen=True)
class TableExport:
    """One table's part of the package.

    `columns` are (name, data category) pairs; `rows` yields dicts keyed by those names plus
    "id" and is iterated exactly once, lazily, while the package is written. Other keys are
    left out; a missing key raises KeyError and the package is not written.
    """

    source: str
    table: str
    activity: str
    columns: tuple[tuple[str, str], ...]
    rows: Iterable[dict]
    # Columns whose values name files the package holds (see Attachment).
    file_columns: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.source}/{self.table}"

    @property
    def csv_name(self) -> str:
        return f"{CSV_FOLDER}/{self.source}__{self.table}.csv"

    @property
    def field_names(self) -> tuple[str, ...]:
        """The record's keys in output order: "id" first, then the mapped columns."""
        return ("id", *(name for name, _ in self.columns if name != "id"))


@dataclass(frozen=True)
class Attachment:
    """A file that goes into the package as it is (the audio of a recorded call).

    `name` is its place in the ZIP; (`table_key`, `column`, `value`) is the record field that
    points at it, which data.json then gives as the file's name, SHA-256 and size. `open`
    returns the file for reading, or raises FileNotFoundError when it is gone.
    """

    name: str
    table_key: str
    column: str
    value: str
    open: Callable[[], IO[bytes]]


@dataclass(frozen=True)
class PackageResult:
    sha256: str
    size: int
    # Rows written per table, keyed "source/table".
    counts: dict[str, int]
    # Files added, and files a record names that could not be found.
    files: int = 0
    missing_files: int = 0


def neutralise(value: Any) -> str:
    """One CSV cell: text, with a leading `'` when a spreadsheet would read it as a formula.

    None is empty, dates and times are ISO 8601, numbers keep their sign (a number such as
    -2 cannot carry a formula; the text "-2" can be the start of one, so it is quoted).
    Raises TypeError for binary values, which the data map never exports.
    """
    if isinstance(value, str):
        text = value
    elif value is None:
        return ""
    elif isinstance(value, bytes | bytearray | memoryview):
        raise TypeError("binary values have no place in an access package")
    elif isinstance(value, int | float | Decimal):
        return str(value)
    elif isinstance(value, date | time):
        return value.isoformat()
    elif isinstance(value, dict | list | tuple):
        text = json.dumps(_json_value(value), ensure_ascii=False)
    else:
        text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _json_value(value: Any) -> Any:
    """`value` as JSON can hold it: dates as ISO 8601 strings, decimals as strings."""
    if value is None or isinstance(value, str | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        raise TypeError("binary values have no place in an access package")
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    return str(value)


def build_package(
    path: Path,
    *,
    reference: str,
    kind: str,
    language: str,
    generated_at: datetime,
    tables: Iterable[TableExport],
    extra_files: Iterable[tuple[str, bytes]] = (),
    provenance: dict[str, Any] | None = None,
    withheld: int = 0,
    attachments: Iterable[Attachment] = (),
    privacy_contact: str = "",
) -> PackageResult:
    """Write the package for one request to `path` and return its SHA-256, size and counts.

    `kind` is "access" (Art. 15) or "export" (Art. 20; the caller passes only the provided
    columns). `provenance` (the register and data-map versions the answer was made from)
    heads `data.json`; `withheld` counts records left out because the number is shared with
    someone else, which the README tells and says how to ask for. `attachments` are files
    streamed into the ZIP first, so that data.json can give each its SHA-256 and size where
    a record points at it; a file that is gone is recorded as missing, never a failure. The ZIP is built as `path.with_suffix(".part")` and renamed over `path` only
    when complete, so a crash never leaves a half package under the final name; on any error
    the part file is removed and the error re-raised. Raises ValueError for an unknown kind,
    a file name that could leave the ZIP's folders, or two tables with the same name.
    Temporary CSVs go to `path`'s folder (unlinked files, gone even after a crash).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown package kind {kind!r}")
    groups = _grouped(list(tables))
    extras = list(extra_files)
    _check_extra_names([name for name, _ in extras], groups)
    part = path.with_suffix(".part")
    if part == path:
        raise ValueError("the package path must not end in .part")
    stamp = _zip_time(generated_at)
    head = {
        "reference": reference,
        "kind": kind,
        "generated_at": generated_at.isoformat(),
        "language": language,
        **(provenance or {}),
        "withheld_records": withheld,
    }
    try:
        with zipfile.ZipFile(part, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            manifest = _write_attachments(zf, attachments, stamp, taken={DATA_FILE, README_FILE})
            counts = _write_records(zf, head, groups, stamp, spool_dir=path.parent, files=manifest)
            readme = _render_readme(
                reference=reference,
                kind=kind,
                language=language,
                generated_at=generated_at,
                csv_files=[(t.csv_name, counts[t.key]) for _, ts in groups for t in ts],
                extra_names=[name for name, _ in extras],
                withheld=withheld,
                files=manifest,
                privacy_contact=privacy_contact,
            )
            zf.writestr(_entry(README_FILE, stamp), readme.encode())
            for name, data in extras:
                zf.writestr(_entry(name, stamp), data)
        sha256, size = _digest(part)
        os.replace(part, path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    found = [f for f in manifest.values() if f["file"]]
    return PackageResult(
        sha256=sha256,
        size=size,
        counts=counts,
        files=len(found),
        missing_files=len(manifest) - len(found),
    )


def _write_attachments(
    zf: zipfile.ZipFile, attachments: Iterable[Attachment], stamp, *, taken: set[str]
) -> dict[tuple[str, str, str], dict[str, Any]]:
    """Stream each file into the ZIP, hashing it on the way; {(table, column, value): entry}."""
    manifest: dict[tuple[str, str, str], dict[str, Any]] = {}
    for item in attachments:
        ref = (item.table_key, item.column, item.value)
        if ref in manifest:
            continue
        if item.name in taken or not _is_safe_name(item.name):
            raise ValueError(f"{item.name!r} cannot be used as a file name in the package")
        try:
            source = item.open()
        except FileNotFoundError:
            manifest[ref] = {"file": None, "missing": True}
            continue
        taken.add(item.name)
        digest, size = hashlib.sha256(), 0
        with source, zf.open(_entry(item.name, stamp), "w") as dest:
            while chunk := source.read(_CHUNK):
                digest.update(chunk)
                dest.write(chunk)
                size += len(chunk)
        manifest[ref] = {"file": item.name, "sha256": digest.hexdigest(), "size": size}
    return manifest


def _is_safe_name(name: str) -> bool:
    parts = name.split("/")
    return (
        bool(name)
        and not name.startswith("/")
        and "\\" not in name
        and ".." not in parts
        and "" not in parts
    )


def _grouped(tables: list[TableExport]) -> list[tuple[str, list[TableExport]]]:
    """Tables per source, sources in order of first appearance (data.json nests them)."""
    groups: dict[str, list[TableExport]] = {}
    seen: set[str] = set()
    for table in tables:
        for name in (table.source, table.table):
            if not _NAME.fullmatch(name):
                raise ValueError(f"{name!r} cannot be used as a file name in the package")
        if table.key in seen:
            raise ValueError(f"table {table.key} appears twice")
        seen.add(table.key)
        groups.setdefault(table.source, []).append(table)
    return list(groups.items())


def _check_extra_names(names: list[str], groups: list[tuple[str, list[TableExport]]]) -> None:
    taken = {DATA_FILE, README_FILE} | {t.csv_name for _, ts in groups for t in ts}
    for name in names:
        if not _is_safe_name(name):
            raise ValueError(f"{name!r} cannot be used as a file name in the package")
        if name in taken:
            raise ValueError(f"{name!r} appears twice in the package")
        taken.add(name)


def _zip_time(moment: datetime) -> tuple[int, int, int, int, int, int]:
    """ZIP entries carry the generation time, in local time as ZIP tools expect."""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.timetuple()[:6]


def _entry(name: str, stamp: tuple[int, int, int, int, int, int]) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=stamp)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16
    return info


class _Chunked:
    """Text collected in memory and written to `raw`, UTF-8 encoded, about `_CHUNK` at a time.

    `text` is a plain StringIO, so the csv writer and the record loop write to it in C;
    `drain()` passes it on once it holds a chunk, `flush()` passes on the rest.
    """

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.text = io.StringIO()

    def write(self, text: str) -> None:
        self.text.write(text)
        self.drain()

    def drain(self) -> None:
        if self.text.tell() >= _CHUNK:
            self.flush()

    def flush(self) -> None:
        self.raw.write(self.text.getvalue().encode())
        self.text.seek(0)
        self.text.truncate()


def _write_records(
    zf: zipfile.ZipFile,
    head: dict[str, str],
    groups: list[tuple[str, list[TableExport]]],
    stamp: tuple[int, int, int, int, int, int],
    *,
    spool_dir: Path,
    files: dict[tuple[str, str, str], dict[str, Any]] | None = None,
) -> dict[str, int]:
    """Stream data.json into the ZIP while each table's CSV spools aside; then add the CSVs."""
    counts: dict[str, int] = {}
    spools: list[tuple[TableExport, IO[bytes]]] = []
    try:
        with zf.open(_entry(DATA_FILE, stamp), "w") as raw:
            out = _Chunked(raw)
            out.write(_opening(head, "sources"))
            for i, (source, tables) in enumerate(groups):
                out.write(("," if i else "") + "\n" + _opening({"source": source}, "tables"))
                for j, table in enumerate(tables):
                    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_MAX, dir=spool_dir)
                    spools.append((table, spool))
                    out.write(",\n" if j else "\n")
                    counts[table.key] = _write_table(out, spool, table, files or {})
                out.write("\n]}")
            out.write("\n]}\n")
            out.flush()
        for table, spool in spools:
            _copy_in(zf, spool, _entry(table.csv_name, stamp))
    finally:
        for _, spool in spools:
            spool.close()
    return counts


def _opening(fields: dict[str, Any], list_key: str) -> str:
    """`fields` as the start of a JSON object whose last member, a list, follows."""
    return json.dumps(fields, ensure_ascii=False)[:-1] + f', "{list_key}": ['


def _write_table(
    out: _Chunked, spool: IO[bytes], table: TableExport, files: dict[tuple[str, str, str], dict]
) -> int:
    """One table: its JSON object into `out`, its CSV into `spool`; returns the row count."""
    names = table.field_names
    rows = _with_files(table, files) if table.file_columns else table.rows
    fields = dict(table.columns)
    out.write(
        _opening({"table": table.table, "activity": table.activity, "fields": fields}, "records")
    )
    sink = _Chunked(spool)
    # The byte-order mark makes spreadsheet programs read the CSV as UTF-8.
    sink.write("\ufeff")
    writer = csv.writer(sink.text)
    writer.writerow(names)
    # Runs once per row: the hot calls are local names, and the buffers drain every 64 rows.
    write, encode = out.text.write, _ENCODER.encode
    count = 0
    for row in rows:
        values = [row[name] for name in names]
        write(",\n" if count else "\n")
        write(encode(dict(zip(names, map(_json_value, values), strict=True))))
        writer.writerow(map(_cell, values))
        count += 1
        if count % 64 == 0:
            out.drain()
            sink.drain()
    sink.flush()
    out.write("\n]}" if count else "]}")
    return count


def _cell(value: Any) -> str:
    # A file reference reads in a spreadsheet as the file's place in the ZIP.
    if isinstance(value, dict) and "stored_as" in value:
        return neutralise(value["file"] or f"missing: {value['stored_as']}")
    return neutralise(value)


def _with_files(table: TableExport, files: dict[tuple[str, str, str], dict]):
    """The rows with each file reference replaced by what the package holds for it: the
    stored reference, the file's name in the ZIP, its SHA-256 and size (or `missing`)."""
    for row in table.rows:
        row = dict(row)
        for column in table.file_columns:
            value = row.get(column)
            if value:
                entry = files.get((table.key, column, str(value)), {"file": None, "missing": True})
                row[column] = {"stored_as": value, **entry}
        yield row


def _copy_in(zf: zipfile.ZipFile, spool: IO[bytes], info: zipfile.ZipInfo) -> None:
    # A known size lets zipfile decide on ZIP64 for very large CSVs.
    info.file_size = spool.tell()
    spool.seek(0)
    with zf.open(info, "w") as dest:
        shutil.copyfileobj(spool, dest, _CHUNK)


def _render_readme(
    *,
    reference: str,
    kind: str,
    language: str,
    generated_at: datetime,
    csv_files: list[tuple[str, int]],
    extra_names: list[str],
    withheld: int = 0,
    files: dict[tuple[str, str, str], dict[str, Any]] | None = None,
    privacy_contact: str = "",
) -> str:
    entries = list((files or {}).values())
    context = {
        "privacy_contact": privacy_contact,
        "withheld": withheld,
        "file_folders": sorted({e["file"].split("/")[0] for e in entries if e["file"]}),
        "file_count": sum(1 for e in entries if e["file"]),
        "missing_files": sum(1 for e in entries if not e["file"]),
        "reference": reference,
        "is_export": kind == "export",
        "generated_at": generated_at,
        "data_file": DATA_FILE,
        "csv_files": [{"name": name, "rows": rows} for name, rows in csv_files],
        "register_extract": REGISTER_EXTRACT if REGISTER_EXTRACT in extra_names else "",
        "other_files": [name for name in extra_names if name != REGISTER_EXTRACT],
        "site_url": getattr(settings, "SITE_URL", ""),
    }
    with translation.override(language):
        text = render_to_string(README_TEMPLATE, context)
    # The template spaces its blocks freely; the file gets single blank lines between
    # paragraphs and lines short enough for any text editor.
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    return wrap(text, _README_WIDTH) + "\n"


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _digest(path: Path) -> tuple[str, int]:
    """SHA-256 and size of the finished file, read in chunks; flushed to disk before rename."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
        os.fsync(f.fileno())
    return digest.hexdigest(), size
