"""Every message exists in Indonesian and English, with the same placeholders."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from sejahtera.i18n import catalogue, set_language, text

SOURCE = Path(__file__).resolve().parent.parent / "src" / "sejahtera"


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_message_has_both_languages_with_the_same_placeholders() -> None:
    for key, entry in catalogue().items():
        assert set(entry) == {"id", "en"}, key
        assert entry["id"].strip() and entry["en"].strip(), key
        assert placeholders(entry["id"]) == placeholders(entry["en"]), key


def test_every_key_used_in_the_code_exists() -> None:
    used: set[str] = set()
    pattern = re.compile(r"""(?:SejahteraError|text)\(\s*["']([a-z_]+\.[a-z_]+)["']""")
    for path in SOURCE.rglob("*.py"):
        used |= set(pattern.findall(path.read_text("utf-8")))
    rules = set(
        re.findall(
            r"""["']([a-z_]+)["'],\s*(?:rows|\[None\]|part\.rows)""",
            "".join(p.read_text("utf-8") for p in SOURCE.rglob("*.py")),
        )
    )
    missing = {k for k in used if k not in catalogue()}
    assert not missing
    assert len(used) > 30
    assert all(f"rule.{rule}" in catalogue() for rule in rules), rules


def test_language_switch() -> None:
    try:
        set_language("en")
        assert text("report.file") == "File"
        set_language("id")
        assert text("report.file") == "Berkas"
        with pytest.raises(ValueError):
            set_language("fr")
    finally:
        set_language(None)


def test_indonesian_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SEJAHTERA_LANG", raising=False)
    assert text("cli.yes") == "ya"
    monkeypatch.setenv("SEJAHTERA_LANG", "en")
    assert text("cli.yes") == "yes"


def test_unknown_language_in_the_environment_falls_back_to_indonesian(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SEJAHTERA_LANG", "fr")
    assert text("cli.yes") == "ya"


def test_formatted_numbers_follow_the_language() -> None:
    from sejahtera.i18n import text

    assert text("budget.budget", "id", budget=1_234_567.4) == "Anggaran Rp1.234.567 setahun."
    assert text("budget.budget", "en", budget=1_234_567.4) == "Budget Rp1,234,567 a year."
    shown = text("simulate.poverty_line", "id", before=0.1005, after=0.0512, gini_before=0.42,
                 gini_after=0.394)  # fmt: skip
    assert "10,05% sebelum bantuan → 5,12%" in shown and "0,420 → 0,394" in shown
