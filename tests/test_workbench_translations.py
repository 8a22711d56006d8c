"""Every workbench text has its Indonesian translation, and the compiled catalogues are current.

The catalogues are read with polib, the library made for gettext files."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest

WORKBENCH = Path(__file__).resolve().parent.parent / "src/sejahtera/workbench"
CATALOGUES = sorted(WORKBENCH.glob("*/locale/id/LC_MESSAGES/django.po"))


def test_every_app_has_a_catalogue() -> None:
    apps = {p.parent.name for p in WORKBENCH.glob("*/apps.py")}
    assert {po.parts[-5] for po in CATALOGUES} == apps


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parts[-5])
def test_every_text_is_translated_and_compiled(po: Path) -> None:
    catalogue = polib.pofile(str(po))
    assert catalogue.translated_entries(), po
    assert [e.msgid for e in catalogue.untranslated_entries()] == []
    assert [e.msgid for e in catalogue.fuzzy_entries()] == []
    compiled = {
        (e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural)
        for e in polib.mofile(str(po.with_suffix(".mo")))
    }
    written = {
        (e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in catalogue.translated_entries()
    }
    assert compiled == written, f"run `django-admin compilemessages` in {po.parents[3]}"
