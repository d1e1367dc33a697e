"""Fill the .po files from the tables beside this file; list what is still missing.

Usage: python locale/tools/apply.py  (exit 1 when a message has no translation)
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import polib

HERE = Path(__file__).resolve().parent
LOCALE = HERE.parent


def main() -> int:
    sys.path.insert(0, str(HERE))
    missing = 0
    for po_path in sorted(LOCALE.glob("*/LC_MESSAGES/django.po")):
        lang = po_path.parts[-3]
        table = getattr(importlib.import_module(lang), lang.upper())
        po = polib.pofile(str(po_path))
        for entry in po:
            if entry.msgid in table:
                entry.msgstr = table[entry.msgid]
                if "fuzzy" in entry.flags:
                    entry.flags.remove("fuzzy")
            elif not entry.msgstr:
                missing += 1
                print(f"{lang}: no translation for {entry.msgid!r}")
        po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
        po.metadata["Language"] = lang
        po.save()
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
