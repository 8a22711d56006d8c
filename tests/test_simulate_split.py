"""`simulate(..., workers=N)`: the households in N pieces on N threads give the values of one
simulation of all of them, bit for bit, in the data's order."""

from __future__ import annotations

import numpy as np
import pytest

from country_template_population import population
from sejahtera.data.frame import household_frame
from sejahtera.errors import SejahteraError
from sejahtera.rules.ruleset import load_ruleset
from sejahtera.simulate import simulate
from sejahtera.synth import SynthOptions, synthesise

OUTPUTS = ("disposable_income", "total_benefits", "total_taxes", "income_tax", "basic_income")


@pytest.mark.parametrize(("workers", "shuffled"), [(2, False), (3, True)])
def test_pieces_on_threads_give_one_simulation_bit_for_bit(workers: int, shuffled: bool) -> None:
    persons, households = population(3_001, seed=7, shuffled=shuffled)
    rules = load_ruleset("country_template")
    whole = simulate(rules, persons, households, "2016-06")
    split = simulate(rules, persons, households, "2016-06", workers=workers)
    for name in OUTPUTS:
        assert np.array_equal(whole.calculate(name), split.calculate(name)), name
    many = split.calculate_many(list(OUTPUTS), "2016-06")
    assert all(np.array_equal(many[n], whole.calculate(n, "2016-06")) for n in OUTPUTS)


def test_inputs_for_single_periods_reach_their_own_rows() -> None:
    persons, households = population(1_000, seed=3, shuffled=True)
    rules = load_ruleset("country_template")
    rng = np.random.default_rng(1)
    inputs = {
        "salary": {"2016-06": rng.uniform(0, 5_000, len(persons))},
        "rent": {"2016-06": rng.uniform(0, 900, len(households))},
    }
    whole = simulate(rules, persons, households, "2016-06", inputs=inputs)
    split = simulate(rules, persons, households, "2016-06", inputs=inputs, workers=2)
    for name in ("disposable_income", "housing_allowance", "salary"):
        assert np.array_equal(whole.calculate(name), split.calculate(name)), name


def test_an_unknown_household_is_refused_as_one_simulation_refuses_it() -> None:
    persons, households = population(200, seed=2)
    persons.loc[persons.index[17], "household_id"] = -5
    with pytest.raises(SejahteraError) as one:
        simulate("country_template", persons, households, "2016-06")
    with pytest.raises(SejahteraError) as split:
        simulate("country_template", persons, households, "2016-06", workers=2)
    assert str(split.value) == str(one.value) and "18" in str(one.value)


def test_family_values_are_refused(tmp_path) -> None:
    dataset = synthesise(
        SynthOptions("34.71", 400, seed=2, calibration_households=5_000), tmp_path / "d"
    )
    persons = dataset.persons()
    split = simulate("indonesia", persons, household_frame(dataset, persons), 2025, workers=2)
    assert np.array_equal(
        split.calculate("pbi_jkn_covered"),
        simulate("indonesia", persons, household_frame(dataset, persons), 2025).calculate(
            "pbi_jkn_covered"
        ),
    )
    with pytest.raises(ValueError, match="family"):
        split.calculate("pkh")
