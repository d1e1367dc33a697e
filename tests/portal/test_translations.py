"""The .po files are the source of every translation (edited as any translator would, in
Poedit or Weblate): each message of the sources is in them, translated, not fuzzy, with the
same placeholders, and the compiled catalogues are up to date."""

import os
import re
import shutil
from pathlib import Path

import polib
import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "locale"
# makemessages' file extensions for the "django" domain (its default: html, txt, py).
EXTENSIONS = {".html", ".txt", ".py"}


def _catalogues():
    paths = sorted(LOCALE.glob("*/LC_MESSAGES/django.po"))
    assert paths, f"no catalogues under {LOCALE}"
    return paths


def _translations(catalogue):
    """msgid → msgstr, or the tuple of plural forms, of the translated messages."""
    return {
        (e.msgctxt, e.msgid): tuple(e.msgstr_plural[i] for i in sorted(e.msgstr_plural))
        if e.msgid_plural
        else e.msgstr
        for e in catalogue
        # A .mo file holds only translated messages; of a .po file, take those.
        if e.msgid and (isinstance(e, polib.MOEntry) or (not e.obsolete and e.translated()))
    }


def test_every_message_is_translated():
    for po_path in _catalogues():
        po = polib.pofile(str(po_path))
        assert po.untranslated_entries() == [], po_path
        assert po.fuzzy_entries() == [], po_path


def test_the_compiled_catalogue_matches_the_source():
    for po_path in _catalogues():
        source = polib.pofile(str(po_path))
        compiled = polib.mofile(str(po_path.with_suffix(".mo")))
        assert _translations(compiled) == _translations(source), "run `make messages`"
        # Without the header, ngettext falls back to English plural rules.
        assert compiled.metadata.get("Plural-Forms") == source.metadata.get("Plural-Forms")


# dennis's rules for broken translations: a placeholder the English lacks (E201) or a
# placeholder of the English left out (W202), malformed placeholders (E101-E104), blanks (W301).
PLACEHOLDER_RULES = "E101,E102,E103,E104,E201,W202,W301"


def test_translations_keep_the_placeholders():
    from dennis.linter import Linter
    from dennis.tools import get_available_formats

    linter = Linter(list(get_available_formats()), PLACEHOLDER_RULES.split(","))
    problems = []
    for po_path in _catalogues():
        for message in linter.verify_file(str(po_path)):
            problems.append(
                f"{po_path.parts[-3]}: {message.code} {message.msg}: {message.poentry.msgid!r}"
            )
    assert problems == []


def test_the_placeholder_check_catches_a_broken_translation(tmp_path):
    from dennis.linter import Linter
    from dennis.tools import get_available_formats

    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
    po.append(
        polib.POEntry(msgid="Due %(due)s", msgstr="Uiterlijk %(datum)s", flags=["python-format"])
    )
    po.append(polib.POEntry(msgid="%(n)s left", msgstr="over", flags=["python-format"]))
    po.save(str(tmp_path / "bad.po"))
    linter = Linter(list(get_available_formats()), PLACEHOLDER_RULES.split(","))
    codes = sorted(m.code for m in linter.verify_file(str(tmp_path / "bad.po")))
    assert codes == ["E201", "W202", "W202"]


def _make_messages_ignores():
    """The --ignore patterns of `make messages`, so that this test extracts what it does."""
    line = next(
        line for line in (ROOT / "Makefile").read_text().splitlines() if "makemessages" in line
    )
    patterns = re.findall(r"--ignore=(\S+)", line)
    assert patterns, line
    return patterns


def _copy_sources(target: Path, ignores: list[str]) -> None:
    """The files makemessages reads, without any locale directory, so it writes only here."""

    def skip(directory, names):
        top = Path(directory) == ROOT
        return [
            name
            for name in names
            if name.startswith(".")
            or name in ("locale", "__pycache__", "node_modules")
            or (top and name in ignores)
            or (
                os.path.isfile(os.path.join(directory, name))
                and os.path.splitext(name)[1] not in EXTENSIONS
            )
        ]

    shutil.copytree(ROOT, target, ignore=skip)


def test_every_message_in_the_sources_is_in_the_committed_catalogue(
    tmp_path, monkeypatch, settings
):
    """Extract the messages as `make messages` does, but from a copy and into a scratch
    locale directory (the real catalogue is only read), and compare them with it: a new or
    changed string without a translation fails here until `make messages` is run and the
    translations are written into the .po files."""
    if not shutil.which("xgettext"):
        message = "GNU gettext (xgettext) is needed to extract messages"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    ignores = _make_messages_ignores()
    sources, scratch = tmp_path / "src", tmp_path / "locale"
    _copy_sources(sources, ignores)
    monkeypatch.chdir(sources)
    settings.LOCALE_PATHS = [str(scratch)]
    languages = [po_path.parts[-3] for po_path in _catalogues()]
    call_command(
        "makemessages", locale=languages, ignore_patterns=ignores, keep_pot=True, verbosity=0
    )
    pot_paths = list(tmp_path.rglob("django.pot"))
    assert [p.parent for p in pot_paths] == [scratch], pot_paths
    extracted = [e for e in polib.pofile(str(pot_paths[0])) if e.msgid]
    assert len(extracted) > 100, "suspiciously few messages extracted"

    problems = []
    for po_path in _catalogues():
        committed = {(e.msgctxt, e.msgid): e for e in polib.pofile(str(po_path)) if not e.obsolete}
        for entry in extracted:
            where = ", ".join(f"{f}:{n}" for f, n in entry.occurrences[:2])
            found = committed.get((entry.msgctxt, entry.msgid))
            if found is None:
                problems.append(
                    f"{po_path.parts[-3]}: not in the catalogue: {entry.msgid!r} ({where})"
                )
            elif found.msgid_plural != entry.msgid_plural:
                problems.append(f"{po_path.parts[-3]}: plural differs: {entry.msgid!r} ({where})")
            elif not found.translated():
                problems.append(f"{po_path.parts[-3]}: not translated: {entry.msgid!r} ({where})")
    assert not problems, (
        "Run `make messages` and translate the new messages in locale/*/LC_MESSAGES/django.po:\n"
        + "\n".join(problems)
    )
