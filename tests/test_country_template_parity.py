"""The country_template ruleset gives OpenFisca-core's values on random households.

Every variable with a formula in openfisca-country-template is computed by both engines for the
same synthetic households (``country_template_population``), for several seeds and months
chosen so that every dated formula and parameter of the template is in force in one of them:

- 2015-11: before the basic income and the parenting allowance (whose parameters start in
  December 2015: OpenFisca refuses to compute it, and so must Sejahtera);
- 2015-12: the first month of both;
- 2016-06: the basic income for adults without a salary, the housing allowance, the 2016 scale;
- 2016-12: the basic income for every adult, the housing allowance ended;
- 2017-01: the three-bracket social security scale, a new retirement age, meal prices;
- 2025-01: years later, with the same population's ages as at that month.

Values agree when they differ by at most 1e-6 of the variable's largest value (OpenFisca
computes in float32).
"""

from __future__ import annotations

import numpy as np
import pytest
from openfisca_core.errors import ParameterNotFoundError
from openfisca_core.periods import DateUnit
from openfisca_country_template import CountryTaxBenefitSystem

from country_template_population import largest_difference, openfisca_simulation, population
from sejahtera.errors import SejahteraError
from sejahtera.rules.ruleset import Ruleset, load_ruleset
from sejahtera.simulate import simulate

HOUSEHOLDS = 2000
SEEDS = (1, 2, 3)
PERIODS = ("2015-11", "2015-12", "2016-06", "2016-12", "2017-01", "2025-01")
TOLERANCE = 1e-6


@pytest.fixture(scope="module")
def system() -> CountryTaxBenefitSystem:
    return CountryTaxBenefitSystem()


@pytest.fixture(scope="module")
def ruleset() -> Ruleset:
    return load_ruleset("country_template")


def formula_variables(system: CountryTaxBenefitSystem) -> dict[str, str]:
    """Every variable of the template with a formula, and the period to compute it for."""
    return {
        name: variable.definition_period
        for name, variable in system.variables.items()
        if variable.formulas
    }


def disagreements(
    system: CountryTaxBenefitSystem,
    ruleset: Ruleset,
    seed: int,
    period: str,
    shuffled: bool = False,
) -> list[str]:
    """What Sejahtera computes differently from OpenFisca, one line per variable."""
    persons, households = population(HOUSEHOLDS, seed, period, shuffled)
    theirs = openfisca_simulation(system, persons, households, period)
    ours = simulate(ruleset, persons, households, period)
    found = []
    for name, unit in formula_variables(system).items():
        when = period[:4] if unit == DateUnit.YEAR else period
        try:
            expected = np.asarray(theirs.calculate(name, when), dtype=np.float64)
        except ParameterNotFoundError:
            expected = None  # a parameter with no value then: Sejahtera must refuse too
        try:
            got = np.asarray(ours.calculate(name, when), dtype=np.float64)
        except SejahteraError as error:
            if expected is not None:
                found.append(f"{name}@{when}: Sejahtera refuses ({error}), OpenFisca computes")
            continue
        if expected is None:
            found.append(f"{name}@{when}: OpenFisca refuses (no parameter value), Sejahtera not")
            continue
        difference = largest_difference(got, expected)
        if not difference <= TOLERANCE:
            row = int(np.argmax(np.nan_to_num(np.abs(got - expected), nan=np.inf)))
            found.append(
                f"{name}@{when}: {difference:.3g} of the largest value; "
                f"row {row}: Sejahtera {float(got[row])}, OpenFisca {float(expected[row])}"
            )
    return found


def test_every_formula_variable_is_ported(
    system: CountryTaxBenefitSystem, ruleset: Ruleset
) -> None:
    missing = sorted(set(formula_variables(system)) - set(ruleset.variables))
    assert not missing, f"not in the country_template ruleset: {missing}"


@pytest.mark.parametrize("period", PERIODS)
@pytest.mark.parametrize("seed", SEEDS)
def test_same_values_as_openfisca(
    system: CountryTaxBenefitSystem, ruleset: Ruleset, seed: int, period: str
) -> None:
    found = disagreements(system, ruleset, seed, period)
    assert not found, f"seed {seed}, {period}:\n" + "\n".join(found)


def test_same_values_with_persons_in_random_order(
    system: CountryTaxBenefitSystem, ruleset: Ruleset
) -> None:
    found = disagreements(system, ruleset, 4, "2016-06", shuffled=True)
    assert not found, "persons shuffled:\n" + "\n".join(found)
