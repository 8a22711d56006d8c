"""Parameters with dated values and scales, in OpenFisca's YAML layout."""

from __future__ import annotations

import datetime
from pathlib import Path

import numpy as np
import pytest

from sejahtera.i18n import set_language
from sejahtera.rules.parameters import RulesFileError, load_parameters

DAY = datetime.date


def write(folder: Path, name: str, text: str) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture()
def ruleset(tmp_path: Path) -> Path:
    write(tmp_path, "pkh/index.yaml", "description: Program Keluarga Harapan\n")
    write(
        tmp_path,
        "pkh/components.yaml",
        """\
description: PKH components
pregnant:
  description: Pregnant woman
  metadata: {unit: IDR/year, reference: Kepmensos 262/HUK/2024}
  values:
    2024-01-01: {value: 3000000}
    2026-01-01: {value: 3300000}
elderly:
  values:
    2024-01-01: {value: 2400000}
    2025-07-01: {value: null}
""",
    )
    write(tmp_path, "pkh/max_desil.yaml", "values:\n  2025-01-01:\n    value: 4\n")
    write(
        tmp_path,
        "taxes/income.yaml",
        """\
metadata: {type: marginal_rate}
brackets:
  - threshold: {2020-01-01: {value: 0}}
    rate: {2020-01-01: {value: 0.05}}
  - threshold: {2020-01-01: {value: 100}}
    rate: {2020-01-01: {value: 0.15}, 2025-01-01: {value: 0.2}}
""",
    )
    write(
        tmp_path,
        "allowance.yaml",
        """\
metadata: {type: single_amount}
brackets:
  - threshold: {2020-01-01: {value: 0}}
    amount: {2020-01-01: {value: 50}}
  - threshold: {2020-01-01: {value: 60}}
    amount: {2020-01-01: {value: 20}}
""",
    )
    return tmp_path


def test_values_in_force_on_a_day(ruleset: Path) -> None:
    parameters = load_parameters(ruleset)
    pregnant = ("pkh", "components", "pregnant")
    assert parameters.at(pregnant, DAY(2025, 6, 1)) == 3_000_000
    assert parameters.at(pregnant, DAY(2026, 1, 1)) == 3_300_000
    assert parameters.at(("pkh", "max_desil"), DAY(2030, 1, 1)) == 4
    leaf = parameters.get(pregnant)
    assert leaf.unit == "IDR/year" and "262" in leaf.reference  # type: ignore[union-attr]
    assert parameters.kind(pregnant) == "number" and parameters.kind(("taxes", "income")) == "scale"
    assert parameters.kind(("pkh", "nothing")) is None


def test_no_value_before_the_first_date_or_after_an_end(ruleset: Path) -> None:
    parameters = load_parameters(ruleset)
    with pytest.raises(RulesFileError) as caught:
        parameters.at(("pkh", "max_desil"), DAY(2024, 12, 31))
    assert caught.value.file == "pkh/max_desil.yaml"
    assert parameters.at(("pkh", "components", "elderly"), DAY(2025, 6, 30)) == 2_400_000
    with pytest.raises(RulesFileError):
        parameters.at(("pkh", "components", "elderly"), DAY(2025, 7, 1))


def test_scales(ruleset: Path) -> None:
    parameters = load_parameters(ruleset)
    income = np.array([50.0, 100.0, 300.0])
    before = parameters.at(("taxes", "income"), DAY(2024, 1, 1)).calc(income)  # type: ignore[attr-defined]
    assert before.tolist() == pytest.approx([2.5, 5.0, 5.0 + 0.15 * 200])
    after = parameters.at(("taxes", "income"), DAY(2025, 1, 1)).calc(income)  # type: ignore[attr-defined]
    assert after.tolist() == pytest.approx([2.5, 5.0, 5.0 + 0.2 * 200])
    allowance = parameters.at(("allowance",), DAY(2025, 1, 1))
    assert allowance.calc(np.array([10.0, 60.0, 99.0])).tolist() == [50, 20, 20]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "line", "key"),
    [
        ("values:\n  2025-13-01: {value: 1}\n", 2, "rules.bad_date"),
        ("values:\n  yesterday: {value: 1}\n", 2, "rules.bad_date"),
        ("values:\n  2025-01-01: {amount: 1}\n", 2, "rules.value_missing"),
        ("values:\n  2025-01-01: {value: lots}\n", 2, "rules.not_a_number"),
        ("description: x\nvalues: {}\n", 2, "rules.values_needed"),
        ("values:\n  2025-01-01: {value: 1}\nunits: IDR\n", 3, "yamlfile.unknown_key"),
        ("a:\n  b: 3\n", 2, "rules.not_a_parameter"),
        ("metadata: {type: flat}\nbrackets: []\n", 1, "rules.scale_type"),
        ("brackets:\n  - threshold: {2020-01-01: {value: 0}}\n", 2, "rules.bracket_keys"),
        ("values: [\n", 2, "yamlfile.syntax"),
    ],
)
def test_mistakes_name_file_and_line(tmp_path: Path, text: str, line: int, key: str) -> None:
    write(tmp_path, "benefit.yaml", text)
    with pytest.raises(RulesFileError) as caught:
        load_parameters(tmp_path)
    assert (caught.value.key, caught.value.file, caught.value.line) == (key, "benefit.yaml", line)
    set_language("en")
    try:
        assert f"benefit.yaml, line {line}" in str(caught.value)
    finally:
        set_language(None)
