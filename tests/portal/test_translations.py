"""Every message has a Dutch translation, and the compiled catalogue is up to date."""

from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parents[2] / "locale"


def test_every_message_is_translated():
    for po_path in LOCALE.glob("*/LC_MESSAGES/django.po"):
        po = polib.pofile(str(po_path))
        assert po.untranslated_entries() == [], po_path
        assert po.fuzzy_entries() == [], po_path


def test_the_compiled_catalogue_matches_the_source():
    for po_path in LOCALE.glob("*/LC_MESSAGES/django.po"):
        compiled = polib.mofile(str(po_path.with_suffix(".mo")))
        source = {e.msgid: e.msgstr for e in polib.pofile(str(po_path)) if e.msgstr}
        assert {e.msgid: e.msgstr for e in compiled if e.msgid} == source
