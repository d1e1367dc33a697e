"""Check a data map file against the live databases; store it only when it has no error."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from dsar import datamap, retention, services


class Command(BaseCommand):
    help = (
        "Validate a data map (TOML) against the live schema of every source it names and "
        "against the processing register (every activity it names, with its retention rule). "
        "Lists every error and exits non-zero if there is any, changing nothing; a valid map "
        "becomes the one jobs use."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "path",
            nargs="?",
            help="the TOML file (default: DSAR_DATAMAP_PATH, else datamap.toml in the project)",
        )

    def handle(self, *args, path: str | None = None, **options) -> None:
        path = Path(
            path or getattr(settings, "DSAR_DATAMAP_PATH", settings.BASE_DIR / "datamap.toml")
        )
        try:
            dm = datamap.load(path)
        except datamap.DataMapError as e:
            errors = e.errors
        else:
            # Every column must fall under an activity of the register, whose retention rule
            # says how long it is kept.
            rules = {code: rule.trigger for code, rule in retention.register_rules().items()}
            errors = datamap.validate(dm, connections=connections, rules=rules)
        if errors:
            for error in errors:
                self.stderr.write(error)
            raise CommandError(f"{path}: {len(errors)} error(s); nothing was loaded.")
        self._summary(dm)
        version, created = services.store_datamap(datamap=dm)
        if created:
            self.stdout.write(f"Loaded: jobs now use this map (version {version.pk}).")
        else:
            self.stdout.write("Unchanged: this map is already the one jobs use.")

    def _summary(self, dm: datamap.DataMap) -> None:
        columns = sum(len(t.columns) for t in dm.tables)
        self.stdout.write(
            f"{dm.origin} is valid (sha256 {dm.sha256[:12]}): {len(dm.sources)} source(s), "
            f"{len(dm.tables)} tables, {columns} columns."
        )
        for source in dm.sources:
            self.stdout.write(f"  {source.name} (database alias {source.database!r})")
            for table in dm.tables_in(source.name):
                link = table.link
                how = (
                    f"number {link.number}"
                    if link.number
                    else f"{link.via} → {link.to}.{link.to_column}"
                )
                strategies = Counter(c.erasure for c in table.columns)
                plan = ", ".join(f"{n} {s}" for s, n in sorted(strategies.items()))
                self.stdout.write(f"    {table.name:<24} {table.activity:<17} {how:<36} {plan}")
