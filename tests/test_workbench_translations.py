"""Every workbench text has its Indonesian translation, and the compiled catalogues are current."""

from __future__ import annotations

import ast
import gettext
from pathlib import Path

import pytest

WORKBENCH = Path(__file__).resolve().parent.parent / "src/sejahtera/workbench"
CATALOGUES = sorted(WORKBENCH.glob("*/locale/id/LC_MESSAGES/django.po"))


def entries(po: Path) -> dict[str, str]:
    """msgid → msgstr of a .po file (plural forms and the header left out)."""
    found: dict[str, str] = {}
    key, parts, current = None, {"msgid": [], "msgstr": []}, None
    for line in [*po.read_text("utf-8").splitlines(), ""]:
        line = line.strip()
        if line.startswith(("msgid ", "msgstr ")):
            current = line.split(" ", 1)[0]
            if current == "msgid" and key is not None:
                found[key] = "".join(parts["msgstr"])
                parts = {"msgid": [], "msgstr": []}
            parts[current] = [ast.literal_eval(line.split(" ", 1)[1])]
            if current == "msgstr":
                key = "".join(parts["msgid"])
        elif line.startswith('"') and current:
            parts[current].append(ast.literal_eval(line))
    if key is not None:
        found[key] = "".join(parts["msgstr"])
    found.pop("", None)
    return found


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parts[-5])
def test_every_text_is_translated_and_compiled(po: Path) -> None:
    texts = entries(po)
    assert texts, po
    untranslated = [msgid for msgid, msgstr in texts.items() if not msgstr]
    assert not untranslated, untranslated
    with po.with_suffix(".mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = [msgid for msgid, msgstr in texts.items() if compiled.gettext(msgid) != msgstr]
    assert not stale, f"run compilemessages: {stale[:5]}"
