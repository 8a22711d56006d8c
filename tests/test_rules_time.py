"""Rules over time: dates, dated formulas, an end, shifted periods, inputs by period, scales."""

from __future__ import annotations

import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sejahtera.errors import SejahteraError
from sejahtera.rules.parameters import RulesFileError, load_parameters
from sejahtera.rules.ruleset import load_ruleset
from sejahtera.simulate import simulate

VARIABLES = """\
birth: {entity: person, type: date, period: eternity, default: 1970-01-01}
age:
  entity: person
  type: int
  period: month
  formula: >-
    period.year - year(birth)
    - where(month(birth) < period.month
            or (month(birth) == period.month and day(birth) <= period.day), 0, 1)
registered: {entity: person, type: date, period: month, default: 2000-01-01}
registered_before_birth: {entity: person, type: bool, period: month, formula: registered < birth}
salary: {entity: person, type: float, period: month, set_input: divide}
bonus: {entity: person, type: float, period: month}
allowance:
  entity: person
  type: float
  period: month
  end: 2016-11-30
  formula:
    2015-12-01: where(salary == 0, 100, 0)
    2016-06-01: "50"
floor_area: {entity: household, type: float, period: month}
tenure: {entity: household, type: str, period: month, values: [owner, tenant], default: tenant}
area_tax:
  entity: household
  type: float
  period: year
  formula: where(at(tenure, "first_month") == "owner", at(floor_area, "first_month") * 10, 0)
earned_last_year: {entity: person, type: float, period: year, formula: 'at(salary, "last_year")'}
earned_last_month:
  entity: person
  type: float
  period: month
  formula: at(salary, "last_month")
"""


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("rules")
    (folder / "variables").mkdir()
    (folder / "variables" / "all.yaml").write_text(VARIABLES)
    return load_ruleset(folder)


def people(rows: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    persons = pd.DataFrame(
        {
            "person_id": [f"p{i}" for i in range(rows)],
            "household_id": [f"h{i}" for i in range(rows)],
            "birth": pd.to_datetime(["1980-02-29", "1980-12-31", "2000-06-15"][:rows]),
        }
    )
    return persons, pd.DataFrame({"household_id": [f"h{i}" for i in range(rows)]})


def whole_years(born: datetime.date, on: datetime.date) -> int:
    """An independent count: birthdays passed by ``on``."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def test_age_from_a_birth_date_in_every_month(rules) -> None:
    persons, households = people()
    simulation = simulate(rules, persons, households, "2015-01")
    births = [d.date() for d in persons["birth"]]
    for year in (1980, 1981, 2015, 2016):
        for month in range(1, 13):
            got = simulation.calculate("age", f"{year}-{month:02d}")
            wanted = [whole_years(b, datetime.date(year, month, 1)) for b in births]
            assert got.tolist() == wanted, (year, month)


def test_dates_compare_and_hold_in_every_period(rules) -> None:
    persons, households = people()
    simulation = simulate(rules, persons, households, "2016")
    assert (
        simulation.calculate("birth", "1999-03").tolist()
        == simulation.calculate("birth", "2030").tolist()
    )
    persons["registered"] = pd.to_datetime(["1990-01-01", "1980-12-30", None])
    simulation = simulate(rules, persons, households, "2016")
    # The third has no date: the default, 2000-01-01, is before the 2000-06-15 birth.
    assert simulation.calculate("registered_before_birth").tolist() == [False, True, True]


def test_dated_formulas_and_an_end(rules) -> None:
    persons, households = people()
    persons["salary"] = [0.0, 10.0, 0.0]
    simulation = simulate(rules, persons, households, "2016")
    assert simulation.calculate("allowance", "2015-11").tolist() == [0, 0, 0]  # before any
    assert simulation.calculate("allowance", "2015-12").tolist() == [100, 0, 100]
    assert simulation.calculate("allowance", "2016-05").tolist() == [100, 0, 100]
    assert simulation.calculate("allowance", "2016-06").tolist() == [50, 50, 50]
    assert simulation.calculate("allowance", "2016-12").tolist() == [0, 0, 0]  # ended
    # The year adds up each month under the formula (or the end) in force then.
    assert simulation.calculate("allowance", "2016").tolist() == [
        5 * 100 + 6 * 50,
        6 * 50,
        5 * 100 + 6 * 50,
    ]


def test_shifted_periods(rules) -> None:
    persons, households = people(2)
    households["floor_area"] = [40.0, 100.0]
    households["tenure"] = ["owner", "tenant"]
    simulation = simulate(
        rules,
        persons,
        households,
        "2017",
        inputs={
            "salary": {"2016": [1200.0, 0.0], "2017-01": [500.0, 70.0]},
            "floor_area": {"2017-01": [60.0, 80.0], "2017-02": [999.0, 999.0]},
        },
    )
    # January's floor area, not the sum of the year's months nor February's.
    assert simulation.calculate("area_tax").tolist() == [600.0, 0.0]
    # A year's salary given for a monthly variable is divided among its months.
    assert simulation.calculate("salary", "2016-07").tolist() == [100.0, 0.0]
    assert simulation.calculate("earned_last_year", "2017").tolist() == [1200.0, 0.0]
    assert simulation.calculate("earned_last_month", "2017-02").tolist() == [500.0, 70.0]
    assert simulation.calculate("earned_last_month", "2017-01").tolist() == [100.0, 0.0]
    # A month with no input of its own falls back to the column (absent: the default).
    assert simulation.calculate("salary", "2017-03").tolist() == [0.0, 0.0]


def test_inputs_for_the_wrong_period_or_with_unknown_codes_are_refused(rules) -> None:
    persons, households = people(2)
    with pytest.raises(SejahteraError) as caught:
        simulate(rules, persons, households, "2017", inputs={"bonus": {"2017": [1.0, 2.0]}})
    assert caught.value.key == "rules.input_period"
    households["tenure"] = ["owner", "squatter"]
    with pytest.raises(SejahteraError) as caught:
        simulate(rules, persons, households, "2017").calculate("area_tax")
    assert caught.value.key == "rules.unknown_code"
    assert caught.value.values["value"] == "squatter" and caught.value.values["row"] == 2
    assert "squatter" in str(caught.value) and "owner, tenant" in str(caught.value)


def test_scales_as_openfisca_reads_them(tmp_path: Path) -> None:
    (tmp_path / "scales.yaml").write_text(
        """\
added:
  brackets:
    - {threshold: {2017-01-01: {value: 0}}, amount: {2017-01-01: {value: 0}}}
    - {threshold: {2017-01-01: {value: 249}}, amount: {2017-01-01: {value: 1}}}
    - {threshold: {2017-01-01: {value: 499}}, amount: {2017-01-01: {value: 1}}}
single:
  metadata: {type: single_amount}
  brackets:
    - {threshold: {2017-01-01: {value: 0}}, amount: {2017-01-01: {value: 0}}}
    - {threshold: {2017-01-01: {value: 250}}, amount: {2017-01-01: {value: 1}}}
    - {threshold: {2017-01-01: {value: 500}}, amount: {2017-01-01: {value: 2}}}
rates:
  brackets:
    - {threshold: {2013-01-01: {value: 0}}, rate: {2013-01-01: {value: 0.1}}}
    - {threshold: {2017-01-01: {value: 100}}, rate: {2017-01-01: {value: 0.5}}}
rate:
  values:
    2015-01-01: {value: 0.15}
    2016-01-01: expected
"""
    )
    parameters = load_parameters(tmp_path)
    day = datetime.date(2017, 1, 1)
    base = np.array([0, 249, 250, 499, 500, 1000])
    # Amounts without a type add up, for every threshold strictly exceeded.
    assert parameters.at(("scales", "added"), day).calc(base).tolist() == [0, 0, 1, 1, 2, 2]
    # A single amount is the amount of the bracket the base reaches.
    assert parameters.at(("scales", "single"), day).calc(base).tolist() == [0, 0, 1, 1, 2, 2]
    # A bracket not yet in force is left out; an "expected" value is not a value.
    assert parameters.at(("scales", "rates"), datetime.date(2016, 1, 1)).calc(
        np.array([200.0])
    ).tolist() == [20.0]
    assert parameters.at(("scales", "rates"), day).calc(np.array([200.0])).tolist() == [10 + 50]
    assert parameters.at(("scales", "rate"), datetime.date(2020, 1, 1)) == 0.15


def test_a_reform_replaces_a_whole_scale_and_neutralises_a_dated_variable(
    rules, tmp_path: Path
) -> None:
    from sejahtera.rules.reform import apply_reform

    (tmp_path / "off.yaml").write_text("variables: {neutralise: [allowance, birth]}\n")
    reformed = apply_reform(rules, tmp_path / "off.yaml")
    persons, households = people()
    simulation = simulate(reformed, persons, households, "2016-01")
    assert simulation.calculate("allowance").tolist() == [0, 0, 0]
    assert simulation.calculate("birth").tolist() == [np.datetime64("1970-01-01")] * 3
    (tmp_path / "scale.yaml").write_text("parameters: {rates: {2020-01-01: {value: 1}}}\n")
    scaled = tmp_path / "rules"
    (scaled / "parameters").mkdir(parents=True)
    (scaled / "variables").mkdir()
    (scaled / "variables" / "v.yaml").write_text(
        "pay: {entity: person, type: float, period: year}\n"
        "tax: {entity: person, type: float, period: year,\n"
        "      formula: 'scale(parameters.rates, pay)'}\n"
    )
    (scaled / "parameters" / "rates.yaml").write_text(
        "brackets:\n  - {threshold: {2013-01-01: {value: 0}}, rate: {2013-01-01: {value: 0.1}}}\n"
    )
    with pytest.raises(RulesFileError) as caught:
        apply_reform(load_ruleset(scaled), tmp_path / "scale.yaml")
    assert caught.value.key == "rules.reform_whole_scale"
    (tmp_path / "scale.yaml").write_text(
        "parameters:\n  rates:\n    brackets:\n"
        "      - {threshold: {2013-01-01: {value: 0}}, rate: {2013-01-01: {value: 0.2}}}\n"
    )
    doubled = apply_reform(load_ruleset(scaled), tmp_path / "scale.yaml")
    pay = pd.DataFrame({"person_id": ["a"], "household_id": ["h"], "pay": [1000.0]})
    assert simulate(doubled, pay, pd.DataFrame({"household_id": ["h"]}), 2020).calculate(
        "tax"
    ).tolist() == [200.0]


def test_a_missing_parameter_value_is_refused_before_any_data_is_read(tmp_path: Path) -> None:
    (tmp_path / "parameters").mkdir()
    (tmp_path / "parameters" / "amount.yaml").write_text("values: {2025-01-01: {value: 10}}\n")
    (tmp_path / "variables").mkdir()
    (tmp_path / "variables" / "v.yaml").write_text(
        "kind: {entity: household, type: str, period: year, values: [a, b]}\n"
        "pay: {entity: household, type: float, period: year,\n"
        "      formula: 'where(kind == \"a\", parameters.amount, 0)'}\n"
    )
    rules = load_ruleset(tmp_path)
    persons = pd.DataFrame({"person_id": ["p"], "household_id": ["h"]})
    households = pd.DataFrame({"household_id": ["h"], "kind": ["not a code"]})
    with pytest.raises(RulesFileError) as caught:  # not rules.unknown_code: the data is unread
        simulate(rules, persons, households, 2024).calculate("pay")
    assert caught.value.key == "rules.no_value" and caught.value.file == "parameters/amount.yaml"
    with pytest.raises(SejahteraError) as caught:
        simulate(rules, persons, households, 2025).calculate("pay")
    assert caught.value.key == "rules.unknown_code"
