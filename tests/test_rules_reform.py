"""Reforms as YAML overlays on the shipped `indonesia` ruleset."""

from __future__ import annotations

from pathlib import Path

import pytest

from sejahtera.rules.parameters import RulesFileError
from sejahtera.rules.reform import apply_reform
from sejahtera.rules.ruleset import load_ruleset
from sejahtera.simulate import simulate
from test_ruleset_indonesia import HOUSEHOLDS, PERSONS


def reform(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "reform.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_parameters_from_a_date_and_a_new_programme(tmp_path: Path) -> None:
    base = load_ruleset("indonesia")
    path = reform(
        tmp_path,
        """\
name: sembako-300-and-blt
parameters:
  sembako.amount: {2025-07-01: {value: 300000}}
  blt_dana_desa.active: {2025-01-01: {value: true}}
  pkh.max_desil: {2025-01-01: {value: 5}}
variables:
  add:
    lansia_tunggal:
      entity: household
      type: float
      period: year
      label: {id: Bantuan lansia tunggal, en: Single elderly allowance}
      formula: where(members.count(age >= 70) == 1 and members.count(age >= 0) == 1, 1200000, 0)
  neutralise: [pip]
""",
    )
    reformed = apply_reform(base, path)
    run = simulate(reformed, PERSONS, HOUSEHOLDS, 2025)
    # Six months at 200,000 and six at 300,000 for desil ≤ 4 households.
    assert run.calculate("sembako").tolist() == [3e6, 3e6, 0, 3e6]
    # PKH now reaches desil 5: household C's SD pupil gets the 900,000 component.
    assert run.calculate("pkh").tolist() == [10.4e6, 2.4e6, 0.9e6, 0]
    assert run.calculate("lansia_tunggal").tolist() == [0, 1.2e6, 0, 0]
    assert run.calculate("pip").sum() == 0
    # BLT goes to desil-1 households with neither PKH nor Sembako: none here (D has Sembako).
    assert run.calculate("blt_dana_desa").sum() == 0
    # The baseline is untouched.
    before = simulate(base, PERSONS, HOUSEHOLDS, 2025)
    assert before.calculate("sembako").tolist() == [2.4e6, 2.4e6, 0, 2.4e6]


def test_replace_keeps_what_it_does_not_name(tmp_path: Path) -> None:
    path = reform(
        tmp_path, "variables:\n  replace:\n    sembako: {formula: 'where(desil <= 2, 250000, 0)'}\n"
    )
    run = simulate(apply_reform(load_ruleset("indonesia"), path), PERSONS, HOUSEHOLDS, "2025-03")
    assert run.calculate("sembako").tolist() == [250_000, 0, 0, 250_000]  # still monthly


@pytest.mark.parametrize(
    ("text", "key", "line"),
    [
        (
            "parameters:\n  sembako.nothing: {2025-01-01: {value: 1}}\n",
            "rules.reform_unknown_parameter",
            2,
        ),
        ("variables:\n  neutralise: [nothing]\n", "rules.reform_unknown_variable", 2),
        ("variables:\n  replace:\n    ghost: {formula: '1'}\n", "rules.reform_unknown_variable", 3),
        (
            "variables:\n  add:\n    pkh: {entity: household, type: float, period: year}\n",
            "rules.reform_exists",
            3,
        ),
        ("variables:\n  replace:\n    pkh: {formula: desil + age}\n", "rules.in_formula", 3),
        ("variables:\n  rename: {}\n", "yamlfile.unknown_key", 2),
        ("budget: 5\n", "yamlfile.unknown_key", 1),
    ],
)
def test_reform_mistakes_name_file_and_line(tmp_path: Path, text: str, key: str, line: int) -> None:
    with pytest.raises(RulesFileError) as caught:
        apply_reform(load_ruleset("indonesia"), reform(tmp_path, text))
    assert (caught.value.key, caught.value.file, caught.value.line) == (key, "reform.yaml", line)


def test_sejahtera_simulation_runs_a_reform(tmp_path: Path) -> None:
    import sejahtera

    path = reform(tmp_path, "parameters:\n  sembako.amount: {2025-01-01: {value: 100000}}\n")
    run = sejahtera.simulation("indonesia", PERSONS, HOUSEHOLDS, 2025, reform=path)
    assert run.calculate("sembako").tolist() == [1.2e6, 1.2e6, 0, 1.2e6]
    assert run.calculate("sembako").tolist() == (
        simulate("indonesia", PERSONS, HOUSEHOLDS, 2025, reform=path).calculate("sembako").tolist()
    )
