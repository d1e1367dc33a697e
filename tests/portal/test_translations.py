"""Every message has a Dutch translation, and the compiled catalogue is up to date."""

import importlib.util
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


def _load_apply():
    spec = importlib.util.spec_from_file_location("locale_apply", LOCALE / "tools" / "apply.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


apply = _load_apply()


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


def test_translations_keep_the_placeholders():
    problems = []
    for po_path in _catalogues():
        for entry in polib.pofile(str(po_path)):
            if entry.msgid and not entry.obsolete and entry.translated():
                forms = apply.current_forms(entry)
                problems += [f"{entry.msgid!r}: {p}" for p in apply.problems_of(entry, forms)]
    assert problems == []


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
    Dutch is added to locale/tools/nl.py."""
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
        "Run `DEBUG=true make messages` and add the missing Dutch to locale/tools/nl.py:\n"
        + "\n".join(problems)
    )


# apply.py: the table fills plural forms, clears fuzzy flags and refuses broken placeholders.


def _po(*entries):
    po = polib.POFile()
    po.metadata = {"Plural-Forms": "nplurals=2; plural=(n != 1);"}
    po.extend(entries)
    return po


def test_apply_fills_plural_forms_and_clears_fuzzy():
    plural = polib.POEntry(
        msgid="%(n)s case",
        msgid_plural="%(n)s cases",
        msgstr_plural={0: "", 1: ""},
        flags=["fuzzy", "python-format"],
        previous_msgid="%(n)s thing",
    )
    single = polib.POEntry(msgid="Hello", msgstr="Hoi?", flags=["fuzzy"])
    po = _po(plural, single)
    table = {"%(n)s case": ("%(n)s verzoek", "%(n)s verzoeken"), "Hello": "Hallo"}
    assert apply.apply_table(po, table, "nl") == ([], [])
    assert plural.msgstr_plural == {0: "%(n)s verzoek", 1: "%(n)s verzoeken"}
    assert single.msgstr == "Hallo"
    assert plural.flags == ["python-format"] and single.flags == []
    assert plural.previous_msgid is None


def test_apply_reports_missing_and_misfit_translations():
    entries = [
        polib.POEntry(msgid="Due %(due)s", msgstr="", flags=["python-format"]),
        polib.POEntry(msgid="Wait %(s)d second", msgid_plural="Wait %(s)d seconds"),
        polib.POEntry(msgid="Untranslated", msgstr=""),
        polib.POEntry(msgid="Guessed", msgstr="Geraden", flags=["fuzzy"]),
        polib.POEntry(msgid="Plain", msgstr=""),
    ]
    entries[1].msgstr_plural = {0: "", 1: ""}
    entries[1].flags = ["python-format"]
    table = {
        "Due %(due)s": "Uiterlijk %(datum)s",
        "Wait %(s)d second": ("Wacht %(s)s seconde", "Wacht %(s)d seconden"),
        "Plain": ("one", "two"),
    }
    missing, errors = apply.apply_table(_po(*entries), table, "nl")
    assert [line.split(": ")[1] for line in missing] == ["'Untranslated'", "'Guessed'"]
    assert len(errors) == 3, errors
    assert "lacks %(due)s and adds %(datum)s" in errors[0]
    assert "msgstr[0]" in errors[1] and "%(s)d" in errors[1]
    assert "needs a non-empty string" in errors[2]
    assert entries[0].msgstr == "" and entries[1].msgstr_plural == {0: "", 1: ""}


def test_apply_checks_stray_percent_signs_in_python_format():
    assert apply.placeholder_problem("100%% sure, %(n)s", "%(n)s, 100%% zeker", True) is None
    assert apply.placeholder_problem("%(n)s", "%(n)s 100% zeker", True) is not None
    assert apply.placeholder_problem("Plain", "Met %(x)s", False) is not None
