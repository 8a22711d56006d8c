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


def test_one_number_format_for_every_reader() -> None:
    from sejahtera.i18n import format_number

    assert format_number(1234567.456, "id", 1) == "1.234.567,5"
    assert format_number(1234567.456, "en", 1) == "1,234,567.5"
    assert format_number(0.1234, "id", 1, percent=True) == "12,3%"
    assert format_number(3.14e-05, "id", 7) == "0,0000314"  # never 3,14e-05
    assert format_number(1.5e20, "en") == "150,000,000,000,000,000,000"
    assert format_number(-0.0001, "en", 2) == "0.00"  # no sign on what rounds to zero
    assert format_number(float("nan"), "id") == format_number(None, "id") == "–"
    assert format_number(float("inf"), "id") == "–"
    assert format_number(12345, "id", grouped=False) == "12345"


def test_codes_are_shown_by_their_names() -> None:
    from sejahtera.data.labels import column_label, value_label

    assert column_label("district_code", "id") == "Kecamatan"
    assert value_label("district_code", "34.03.01", "id") == "34.03.01 Wonosari"
    assert value_label("urban", True, "id") == "Perkotaan"
    assert value_label("urban", "False", "en") == "Rural"
    assert value_label("head_education", "tertiary", "id") == "Perguruan tinggi"
    assert value_label("employed", True, "id") == "Ya"  # a flag without words of its own
    assert value_label("anything", "x", "id") == "x" and column_label("x", "id") == "x"


def test_the_caller_sets_the_language_for_its_own_work() -> None:
    import threading

    from sejahtera.i18n import language, speaking

    seen: dict[str, str] = {}

    def other_thread() -> None:
        seen["other"] = language()

    with speaking("en"):
        assert language() == "en" and text("cli.yes") == "yes"
        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join()
    assert language() == "id" and seen["other"] == "id"  # one request's language stays its own
