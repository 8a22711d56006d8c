"""A small ruleset run over a few households, checked by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from sejahtera.rules.parameters import RulesFileError
from sejahtera.rules.ruleset import load_ruleset
from sejahtera.simulate import simulate

PARAMETERS = {
    "pkh/max_desil.yaml": "values: {2025-01-01: {value: 4}}\n",
    "pkh/components.yaml": """\
pregnant: {values: {2025-01-01: {value: 3000000}}}
young_child: {values: {2025-01-01: {value: 3000000}}}
elderly: {values: {2025-01-01: {value: 2400000}}}
max_components: {values: {2025-01-01: {value: 4}}}
""",
    "sembako/amount.yaml": "values: {2025-01-01: {value: 200000}, 2025-07-01: {value: 250000}}\n",
}
VARIABLES = """\
age: {entity: person, type: int, period: year}
pregnant: {entity: person, type: bool, period: year}
desil: {entity: household, type: int, period: year, default: 10}
pkh_component:
  entity: person
  type: float
  period: year
  label: {id: Komponen PKH, en: PKH component}
  formula: >-
    select(pregnant, parameters.pkh.components.pregnant,
           age <= 6, parameters.pkh.components.young_child,
           age >= 60, parameters.pkh.components.elderly, 0)
pkh:
  entity: household
  type: float
  period: year
  reference: Permensos 1/2018
  formula: >-
    where(desil <= parameters.pkh.max_desil,
          members.sum_largest(pkh_component, parameters.pkh.components.max_components), 0)
sembako:
  entity: household
  type: float
  period: month
  formula: where(desil <= 4, parameters.sembako.amount, 0)
in_pkh_household: {entity: person, type: bool, period: year, formula: household.pkh > 0}
"""


def make_ruleset(folder: Path, variables: str = VARIABLES) -> Path:
    for name, text in PARAMETERS.items():
        (folder / "parameters" / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / "parameters" / name).write_text(text)
    (folder / "variables").mkdir(parents=True, exist_ok=True)
    (folder / "variables" / "programmes.yaml").write_text(variables)
    return folder


PERSONS = pd.DataFrame(
    {
        "person_id": ["a1", "a2", "a3", "b1", "c1", "c2", "c3", "c4", "c5", "c6"],
        "household_id": ["A", "A", "A", "B", "C", "C", "C", "C", "C", "C"],
        "age": [30, 3, 65, 40, 70, 68, 2, 1, 30, 5],
        "pregnant": [True, False, False, False, False, False, False, False, True, False],
    }
)
HOUSEHOLDS = pd.DataFrame({"household_id": ["A", "B", "C"], "desil": [2, 1, 7]})


def test_pkh_and_sembako_by_hand(tmp_path: Path) -> None:
    ruleset = load_ruleset(make_ruleset(tmp_path / "mini"))
    simulation = simulate(ruleset, PERSONS, HOUSEHOLDS, 2025)
    components = simulation.calculate("pkh_component")
    assert components.tolist() == [3e6, 3e6, 2.4e6, 0, 2.4e6, 2.4e6, 3e6, 3e6, 3e6, 3e6]
    # A: three components; B: none; C: six components but desil 7, so not eligible.
    assert simulation.calculate("pkh").tolist() == [8.4e6, 0, 0]
    assert simulation.calculate("in_pkh_household").tolist() == [True] * 3 + [False] * 7
    # Sembako is monthly: 6 months at 200,000 then 6 at 250,000 for desil ≤ 4.
    assert simulation.calculate("sembako").tolist() == [2.7e6, 2.7e6, 0]
    assert simulation.calculate("sembako", "2025-08").tolist() == [250_000, 250_000, 0]


def test_other_frame_libraries_and_missing_inputs(tmp_path: Path) -> None:
    ruleset = load_ruleset(make_ruleset(tmp_path / "mini"))
    arrow = simulate(
        ruleset,
        pa.Table.from_pandas(PERSONS),
        pa.Table.from_pandas(HOUSEHOLDS[["household_id"]]),
        "2025",
    )
    # Without a desil column every household takes the default (10): nobody is eligible.
    assert arrow.calculate("pkh").tolist() == [0, 0, 0]
    assert np.array_equal(arrow.calculate("age"), PERSONS["age"].to_numpy(dtype=float))


@pytest.mark.parametrize(
    ("change", "key", "line"),
    [
        (("formula: >-\n    where(desil", "formula: >-\n    where(desill"), "rules.in_formula", 18),
        (
            ("desil: {entity: household, type: int", "desil: {entity: village, type: int"),
            "rules.bad_choice",
            3,
        ),
        (
            (
                "in_pkh_household: {entity: person, type: bool, period: year, "
                "formula: household.pkh > 0}",
                "in_pkh_household: {entity: person, type: float, period: year, formula: age > 'x'}",
            ),
            "rules.in_formula",
            26,
        ),
    ],
)
def test_ruleset_mistakes_name_file_and_line(
    tmp_path: Path, change: tuple[str, str], key: str, line: int
) -> None:
    assert change[0] in VARIABLES
    folder = make_ruleset(tmp_path / "broken", VARIABLES.replace(*change))
    with pytest.raises(RulesFileError) as caught:
        load_ruleset(folder)
    assert (caught.value.key, caught.value.file, caught.value.line) == (
        key,
        "variables/programmes.yaml",
        line,
    )


def test_circular_dependencies_are_refused(tmp_path: Path) -> None:
    looping = VARIABLES + (
        "x: {entity: household, type: float, period: year, formula: y + 1}\n"
        "y: {entity: household, type: float, period: year, formula: x * 2}\n"
    )
    with pytest.raises(RulesFileError) as caught:
        load_ruleset(make_ruleset(tmp_path / "loop", looping))
    assert caught.value.key == "rules.cycle"
    assert "x → y → x" in str(caught.value)


def test_bad_data_is_named(tmp_path: Path) -> None:
    from sejahtera.errors import SejahteraError

    ruleset = load_ruleset(make_ruleset(tmp_path / "mini"))
    strays = PERSONS.assign(household_id=["A"] * 9 + ["Z"])
    with pytest.raises(SejahteraError, match="Z"):
        simulate(ruleset, strays, HOUSEHOLDS, 2025)
    with pytest.raises(SejahteraError):
        simulate(ruleset, PERSONS, HOUSEHOLDS, "2025-13")


def test_row_order_of_persons_does_not_matter(tmp_path: Path) -> None:
    ruleset = load_ruleset(make_ruleset(tmp_path / "mini"))
    shuffled = PERSONS.sample(frac=1.0, random_state=3)
    ordered = simulate(ruleset, PERSONS, HOUSEHOLDS, 2025)
    mixed = simulate(ruleset, shuffled, HOUSEHOLDS, 2025)
    assert mixed.calculate("pkh").tolist() == ordered.calculate("pkh").tolist()
    by_id = dict(zip(shuffled["person_id"], mixed.calculate("pkh_component"), strict=True))
    assert [by_id[p] for p in PERSONS["person_id"]] == ordered.calculate("pkh_component").tolist()
