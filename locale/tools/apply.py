"""Fill the .po files from the tables beside this file; list what is still missing.

Usage: python locale/tools/apply.py  (exit 1 when a message has no translation, or a
translation does not fit its message)

Each language has a module beside this file (nl.py for locale/nl) with a dict named after the
language in capitals (NL). Keys are msgids exactly as in the .po file. A value is either

* a string, for an ordinary message, or
* a tuple (or list) with one string per plural form, for a message with msgid_plural
  (Dutch and Swedish have two: singular, plural; Russian has three: one, few, many),
  filling msgstr[0], msgstr[1], ...

A module may also define PLURAL_FORMS, the catalogue's Plural-Forms header; it is written into
the .po file before the table is applied (makemessages copies the header from Django's own
catalogue when it creates a .po file, and Django's Russian one has four forms, not three).

Checks, each reported as an error:

* the value has the wrong shape (a string for a plural message, a tuple for an ordinary one,
  or the wrong number of plural forms);
* the placeholders differ: every ``%(name)s``-style placeholder of the English must appear in
  the translation, exactly as written, and the translation must add none (for plurals msgstr[0]
  is compared with msgid and the other forms with msgid_plural); in python-format messages the
  positional ``%s``/``%d`` placeholders and stray ``%`` signs are checked as well.

A translation that fails a check is not written. Messages the table fills lose their fuzzy
flag; a message left untranslated or fuzzy is listed as missing.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections import Counter
from pathlib import Path

import polib

HERE = Path(__file__).resolve().parent
LOCALE = HERE.parent

# A complete printf-style conversion as Python's %-operator reads it, or a lone "%".
_CONVERSION = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?"
    r"(?P<type>[diouxXeEfFgGcrsa%])|%"
)
_NAMED = re.compile(r"%\([^)]*\)[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?[diouxXeEfFgGcrsa]")


def placeholders(text: str, python_format: bool) -> Counter[str]:
    """The placeholders in text, as written: "%(name)s", and for python-format "%s" and "%"."""
    if not python_format:
        # Not run through the %-operator by gettext itself, but Django's blocktranslate is;
        # a named placeholder in either language is therefore significant.
        return Counter(_NAMED.findall(text))
    found: Counter[str] = Counter()
    for match in _CONVERSION.finditer(text):
        if match.group(0) != "%%":  # an escaped percent sign is text, not a placeholder
            found[match.group(0)] += 1
    return found


def placeholder_problem(english: str, translation: str, python_format: bool) -> str | None:
    want = placeholders(english, python_format)
    have = placeholders(translation, python_format)
    if set(want) == set(have):
        return None
    parts = []
    if lacking := sorted(set(want) - set(have)):
        parts.append("lacks " + ", ".join(lacking))
    if extra := sorted(set(have) - set(want)):
        parts.append("adds " + ", ".join(extra))
    return "placeholders differ: translation " + " and ".join(parts)


def nplurals(po: polib.POFile) -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", po.metadata.get("Plural-Forms", ""))
    return int(match.group(1)) if match else 2


def forms_of(entry: polib.POEntry, value: object, count: int) -> tuple[dict[int, str], str | None]:
    """The msgstr(s) value gives for entry, or an error saying why it does not fit."""
    if entry.msgid_plural:
        if isinstance(value, str) or not isinstance(value, tuple | list):
            return {}, f"needs a tuple of {count} plural forms, not {type(value).__name__}"
        if len(value) != count or not all(isinstance(form, str) and form for form in value):
            return {}, f"needs {count} non-empty plural forms, got {len(value)}"
        return dict(enumerate(value)), None
    if not isinstance(value, str) or not value:
        return {}, f"needs a non-empty string, not {value!r}"
    return {0: value}, None


def problems_of(entry: polib.POEntry, forms: dict[int, str]) -> list[str]:
    python_format = "python-format" in entry.flags
    found = []
    for index, text in sorted(forms.items()):
        english = entry.msgid if index == 0 or not entry.msgid_plural else entry.msgid_plural
        if problem := placeholder_problem(english, text, python_format):
            found.append(f"msgstr[{index}] {problem}" if entry.msgid_plural else problem)
    return found


def current_forms(entry: polib.POEntry) -> dict[int, str]:
    if entry.msgid_plural:
        return {int(k): v for k, v in entry.msgstr_plural.items()}
    return {0: entry.msgstr}


def fill(entry: polib.POEntry, forms: dict[int, str]) -> None:
    if entry.msgid_plural:
        entry.msgstr_plural = forms
    else:
        entry.msgstr = forms[0]
    if "fuzzy" in entry.flags:
        entry.flags.remove("fuzzy")
    # msgmerge's "#| msgid ..." guess for a fuzzy entry means nothing once it is translated.
    entry.previous_msgctxt = entry.previous_msgid = entry.previous_msgid_plural = None


def apply_table(po: polib.POFile, table: dict, lang: str) -> tuple[list[str], list[str]]:
    """Fill po from table; return (missing, errors), one line each, and change nothing else.

    A translation that fails a check is not written; a message left untranslated or fuzzy
    counts as missing.
    """
    count = nplurals(po)
    missing: list[str] = []
    errors: list[str] = []
    for entry in po:
        if entry.obsolete:
            continue
        label = f"{lang}: {entry.msgid!r}"
        if entry.msgid in table:
            forms, problem = forms_of(entry, table[entry.msgid], count)
            found = [problem] if problem else problems_of(entry, forms)
            if found:
                errors.extend(f"{label}: {problem}" for problem in found)
                continue  # keep the bad translation out of the catalogue
            fill(entry, forms)
        if not entry.translated():
            what = "fuzzy, not in the table" if entry.fuzzy else "no translation"
            missing.append(f"{label}: {what}")
        else:
            # Translated in the .po itself rather than the table: check it all the same.
            errors.extend(
                f"{label}: {problem}" for problem in problems_of(entry, current_forms(entry))
            )
    return missing, errors


def main() -> int:
    sys.path.insert(0, str(HERE))
    missing: list[str] = []
    errors: list[str] = []
    for po_path in sorted(LOCALE.glob("*/LC_MESSAGES/django.po")):
        lang = po_path.parts[-3]
        module = importlib.import_module(lang)
        table = getattr(module, lang.upper())
        po = polib.pofile(str(po_path))
        if plural_forms := getattr(module, "PLURAL_FORMS", None):
            po.metadata["Plural-Forms"] = plural_forms
        lang_missing, lang_errors = apply_table(po, table, lang)
        missing += lang_missing
        errors += lang_errors
        in_catalogue = {entry.msgid for entry in po if not entry.obsolete}
        for msgid in sorted(set(table) - in_catalogue):
            print(f"{lang}: note: table entry not in the catalogue (no longer used?): {msgid!r}")
        po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
        po.metadata["Language"] = lang
        po.metadata_is_fuzzy = False
        po.save()
    for line in missing + errors:
        print(line)
    if missing or errors:
        print(f"{len(missing)} message(s) without a translation, {len(errors)} error(s)")
    return 1 if missing or errors else 0


if __name__ == "__main__":
    sys.exit(main())
