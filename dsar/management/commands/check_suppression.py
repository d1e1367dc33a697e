"""Check a marketing list (CSV) against the suppression list: which rows to drop."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dsar import suppression
from dsar.models import Suppression

# Headers that name the number column, in the languages of the seeds.
NUMBER_HEADER = re.compile(
    r"phone|mobile|msisdn|number|telefoon|nummer|mobiel|telefon|номер|тел", re.I
)


class Command(BaseCommand):
    help = (
        "Read a CSV marketing list and print the rows to drop: numbers on the suppression "
        "list (an objection or a withdrawn consent, also after an erasure). Numbers may be "
        "written any way (06-12345678, +31 6 1234 5678, 0031612345678); rows that hold no "
        "phone number are reported, not fatal. With --keep, writes the rows that may stay."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="the CSV file (UTF-8; comma, semicolon or tab)")
        parser.add_argument(
            "--column",
            help="the number column: its header or its position (1 = first); default: the "
            "first header that looks like a phone number, else the first column",
        )
        parser.add_argument(
            "--channel",
            default="all",
            choices=Suppression.Channel.values,
            help="the channel the list is for (default: all)",
        )
        parser.add_argument("--region", default=None, help="country for national numbers")
        parser.add_argument("--keep", help="write the rows that may stay to this CSV file")

    def handle(self, *args, path: str, column, channel: str, region, keep, **options) -> None:
        rows = self._read(Path(path))
        if not rows:
            raise CommandError(f"{path}: the file has no rows.")
        header, index = self._column(rows[0], column)
        data = rows[1:] if header else rows
        first = 2 if header else 1
        numbers = [row[index] if index < len(row) else "" for row in data]
        results = suppression.check(
            numbers, channel=channel, region=region or settings.DSAR_COUNTRY
        )
        drop, bad, kept = 0, 0, [rows[0]] if header else []
        for line, (row, result) in enumerate(zip(data, results, strict=True), start=first):
            if result.error:
                bad += 1
                self.stdout.write(
                    f"row {line}: {result.given!r} is not a phone number (kept, check it)"
                )
                kept.append(row)
            elif result.suppressed:
                drop += 1
                since = result.since.isoformat() if result.since else "?"
                self.stdout.write(f"row {line}: DROP {result.given} (suppressed since {since})")
            else:
                kept.append(row)
        self.stdout.write(
            f"{len(data)} row(s) checked: {drop} to drop, {bad} without a phone number, "
            f"{len(data) - drop - bad} fine."
        )
        if keep:
            with Path(keep).open("w", newline="", encoding="utf-8") as handle:
                csv.writer(handle).writerows(kept)
            self.stdout.write(f"The rows that may stay are in {keep}.")

    def _read(self, path: Path) -> list[list[str]]:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as e:
            raise CommandError(f"{path}: cannot read the file ({e.strerror}).") from None
        except UnicodeDecodeError:
            raise CommandError(f"{path}: not UTF-8 text; save the list as UTF-8 CSV.") from None
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        try:
            return [
                row for row in csv.reader(text.splitlines(), dialect) if any(c.strip() for c in row)
            ]
        except csv.Error as e:
            raise CommandError(f"{path}: not a readable CSV file ({e}).") from None

    def _column(self, first: list[str], column: str | None) -> tuple[bool, int]:
        """(the first row is a header, the number column's index)."""
        looks_like_header = any(NUMBER_HEADER.search(c) for c in first) and not any(
            suppression.check([c])[0].suppressed is not None for c in first
        )
        if column is None:
            if looks_like_header:
                return True, next(i for i, c in enumerate(first) if NUMBER_HEADER.search(c))
            return False, 0
        if column.isdigit() and int(column) >= 1:
            return looks_like_header, int(column) - 1
        names = [c.strip().lower() for c in first]
        if column.strip().lower() not in names:
            raise CommandError(f"No column {column!r} in the header ({', '.join(first)}).")
        return True, names.index(column.strip().lower())
