"""A regional value's reference in both languages: ``reference`` in Indonesian, the optional
``reference_en`` in English, one text for both without it. Expected texts are read from the CSV
files here with the csv module, not through the code under test."""

from __future__ import annotations

import csv
import datetime
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from sejahtera.cli import main
from sejahtera.rules.parameters import RulesFileError, load_parameters
from sejahtera.rules.regional import read_regional

RULESETS = Path(__file__).resolve().parent.parent / "src/sejahtera/rulesets"
PATH = "blt_dana_desa.dana_desa_per_village"


def _ruleset(folder: Path, csv_text: str) -> Path:
    (folder / "parameters").mkdir()
    (folder / "parameters" / "blt_dana_desa.yaml").write_text(
        "dana_desa_per_village:\n"
        "  metadata: {unit: IDR/year, reference: PMK 108/2024}\n"
        "  values:\n"
        "    2025-01-01: {value: 900000000}\n",
        encoding="utf-8",
    )
    (folder / "regional").mkdir()
    (folder / "regional" / f"{PATH}.csv").write_text(csv_text, encoding="utf-8")
    return folder


def _read(folder: Path):
    return read_regional(folder, load_parameters(folder / "parameters", folder))[PATH]


def test_a_reference_with_reference_en_is_read_in_each_language(tmp_path: Path) -> None:
    folder = _ruleset(
        tmp_path,
        "region_code,start,value,reference,reference_en\n"
        '34.01,2025-01-01,1000,"Rp97,40 miliar (dibulatkan)","Rp97.40 billion (rounded)"\n'
        "34.02,2025-01-01,2000,Perbup Bantul 5/2025,\n",
    )
    first, second = _read(folder)
    assert first.reference.in_("id") == "Rp97,40 miliar (dibulatkan)"
    assert first.reference.in_("en") == "Rp97.40 billion (rounded)"
    # A blank reference_en on a row: its one reference serves both languages.
    assert second.reference.in_("id") == second.reference.in_("en") == "Perbup Bantul 5/2025"


def test_a_file_without_reference_en_serves_one_text_for_both(tmp_path: Path) -> None:
    folder = _ruleset(
        tmp_path, "region_code,start,value,reference\n34.03,2025-01-01,3000,PMK 108/2024\n"
    )
    (row,) = _read(folder)
    assert row.reference.in_("id") == row.reference.in_("en") == "PMK 108/2024"
    assert row.reference.plain() == "PMK 108/2024"


def test_an_unknown_column_is_refused_naming_the_optional_one(tmp_path: Path) -> None:
    folder = _ruleset(
        tmp_path, "region_code,start,value,reference,note\n34.03,2025-01-01,3000,PMK,x\n"
    )
    with pytest.raises(RulesFileError) as raised:
        _read(folder)
    assert "reference_en" in str(raised.value)


def _rows(ruleset: str) -> list[dict[str, str]]:
    rows = []
    for path in sorted((RULESETS / ruleset / "regional").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            rows += list(csv.DictReader(handle))
    return rows


def _words(text: str) -> set[str]:
    return {word.lower() for word in re.findall(r"[^\W\d_]+", text)}


def test_the_indonesia_regional_references_in_indonesian_have_no_english_words() -> None:
    """The English words are those of each ``reference_en`` that its ``reference`` does not use;
    no Indonesian reference of the ruleset may hold any of them."""
    rows = _rows("indonesia")
    english = set().union(
        *(
            _words(row["reference_en"]) - _words(row["reference"])
            for row in rows
            if row.get("reference_en")
        )
    )
    assert {"rounded", "reported", "january"} <= english
    for row in rows:
        assert not _words(row["reference"]) & english, row["reference"]


@pytest.mark.parametrize("language", ["id", "en"])
def test_rules_show_gives_each_reference_in_the_readers_language(language: str) -> None:
    with (RULESETS / "indonesia" / "regional" / f"{PATH}.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    day = datetime.date(2025, 1, 1).isoformat()
    result = CliRunner().invoke(
        main,
        [
            "--lang",
            language,
            "rules",
            "show",
            "blt_dana_desa",
            "--rules",
            "indonesia",
            "--date",
            day,
        ],
    )
    assert result.exit_code == 0, result.output
    other = "id" if language == "en" else "en"
    for row in rows:
        said = {"id": row["reference"], "en": row.get("reference_en") or row["reference"]}
        line = next(
            printed
            for printed in result.stdout.splitlines()
            if printed.strip().startswith(row["region_code"] + " ")
        )
        assert said[language] in line
        if said[other] != said[language]:
            assert said[other] not in line
