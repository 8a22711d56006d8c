"""A synthetic population for openfisca-country-template's rules, and how OpenFisca takes it in.

Shared by ``test_country_template_parity.py`` and ``benchmarks/simulate_openfisca.py``, so the
parity test and the benchmark run the same households through the same OpenFisca set-up.

``population(households, seed, as_of)`` gives two frames in the form
:func:`sejahtera.simulation` reads (one row per person, one per household; enum values as text):

- persons: ``person_id``, ``household_id``, ``role`` (``adult`` or ``child``), ``birth``
  (``datetime64``), monthly ``salary`` and ``capital_returns``;
- households: ``household_id``, monthly ``rent``, ``accommodation_size`` (m²) and
  ``housing_occupancy_status`` (``owner``, ``tenant``, ``free_lodger`` or ``homeless``).

Ages are drawn relative to ``as_of``, so every branch of the rules is exercised in the month
simulated: children under 6 and under 8, single parents, two-parent families, households with
no adult, retirees, incomes of zero and under the parenting-allowance threshold, salaries in
every bracket of the social security scale, housing below and above the housing tax's minimum,
and every occupancy status. Persons come in household order, as in a dataset; ``shuffled=True``
puts them in random order instead.
"""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd

ROLES = ("adult", "child")
STATUSES = ("owner", "tenant", "free_lodger", "homeless")
SIZE_SHARES = (0.18, 0.24, 0.22, 0.18, 0.11, 0.07)  # households of 1 to 6 persons
STATUS_SHARES = (0.55, 0.33, 0.09, 0.03)


def population(
    households: int, seed: int = 1, as_of: str = "2016-06", shuffled: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``households`` households and their members, drawn with ``seed``; ages as at ``as_of``."""
    rng = np.random.default_rng(seed)
    size = rng.choice(np.arange(1, 7), size=households, p=SIZE_SHARES)
    adults = _adults(rng, size)
    household_of = np.repeat(np.arange(households), size)
    rank = np.arange(len(household_of)) - np.repeat(np.cumsum(size) - size, size)
    is_adult = rank < adults[household_of]
    persons = pd.DataFrame(
        {
            "person_id": np.arange(len(household_of)),
            "household_id": household_of,
            "role": np.where(is_adult, "adult", "child"),
            "birth": _births(rng, is_adult, as_of),
            "salary": _salaries(rng, is_adult),
            "capital_returns": _money(rng, len(is_adult), zero=0.8, median=300.0, spread=1.2),
        }
    )
    if shuffled:
        persons = persons.iloc[rng.permutation(len(persons))].reset_index(drop=True)
    status = rng.choice(len(STATUSES), size=households, p=STATUS_SHARES)
    area = np.round(rng.lognormal(np.log(60.0), 0.5, households), 1)
    frame = pd.DataFrame(
        {
            "household_id": np.arange(households),
            "rent": np.where(status == 1, _money(rng, households, 0.0, 800.0, 0.5), 0.0),
            "accommodation_size": np.where(status == 3, 0.0, area),
            "housing_occupancy_status": np.asarray(STATUSES)[status],
        }
    )
    return persons, frame


def _adults(rng: np.random.Generator, size: np.ndarray) -> np.ndarray:
    """Adults per household: singles, single parents, couples, some with a grandparent, and a
    few households of children only."""
    adults = np.where(size == 1, 1, rng.choice([1, 2, 2, 2, 3], size=len(size)))
    adults = np.minimum(adults, size)
    return np.where(rng.random(len(size)) < 0.01, 0, adults)


def _births(rng: np.random.Generator, is_adult: np.ndarray, as_of: str) -> np.ndarray:
    """Birth dates: adults 18 to 95 years old (a fifth past 61), children 0 to 17. Some are
    born on the 1st of a month, the day the rules count a birthday as passed."""
    start = np.datetime64(datetime.date.fromisoformat(f"{as_of}-01"), "D")
    count = len(is_adult)
    retired = rng.random(count) < 0.2
    years = np.where(
        is_adult,
        np.where(retired, rng.uniform(58.0, 95.0, count), rng.uniform(17.5, 60.0, count)),
        rng.uniform(0.0, 18.0, count),
    )
    births = start - np.round(years * 365.25).astype("timedelta64[D]")
    first = births.astype("datetime64[M]").astype("datetime64[D]")
    return np.where(rng.random(count) < 0.05, first, births)


def _salaries(rng: np.random.Generator, is_adult: np.ndarray) -> np.ndarray:
    """Monthly salaries: about 40% of adults and 95% of children earn nothing; the rest are
    lognormal (median 2,000), so a few earn under 500 and a few over the 12,300 bracket."""
    adult = _money(rng, len(is_adult), zero=0.4, median=2000.0, spread=1.0)
    child = _money(rng, len(is_adult), zero=0.95, median=300.0, spread=0.8)
    return np.where(is_adult, adult, child)


def _money(
    rng: np.random.Generator, count: int, zero: float, median: float, spread: float
) -> np.ndarray:
    """Amounts in cents, zero with probability ``zero``, else lognormal."""
    amount = np.round(rng.lognormal(np.log(median), spread, count), 2)
    return np.where(rng.random(count) < zero, 0.0, amount)


def openfisca_simulation(
    system: object, persons: pd.DataFrame, households: pd.DataFrame, period: str
) -> object:
    """An OpenFisca simulation of ``system`` on the frames, built vectorised.

    Inputs hold in ``period``; those of the household that the yearly housing tax reads in
    January are also set for January, since Sejahtera's inputs hold in every period.
    """
    from openfisca_core import periods
    from openfisca_core.simulations import SimulationBuilder

    builder = SimulationBuilder()
    builder.create_entities(system)
    builder.declare_person_entity("person", persons["person_id"].to_numpy())
    group = builder.declare_entity("household", households["household_id"].to_numpy())
    roles = (persons["role"] == "child").to_numpy(dtype=np.int16)  # index in ROLES
    builder.join_with_persons(group, persons["household_id"].to_numpy(), roles)
    simulation = builder.build(system)
    month = periods.period(period)
    simulation.set_input("birth", periods.ETERNITY, persons["birth"].to_numpy("datetime64[D]"))
    for name in ("salary", "capital_returns"):
        simulation.set_input(name, month, persons[name].to_numpy())
    simulation.set_input("rent", month, households["rent"].to_numpy())
    # Codes in the order of OpenFisca's HousingOccupancyStatus, the fastest input it takes.
    text = households["housing_occupancy_status"]
    status = np.select([(text == word).to_numpy() for word in STATUSES], range(len(STATUSES)))
    size = households["accommodation_size"].to_numpy()
    for when in {month, month.this_year.first_month}:
        simulation.set_input("accommodation_size", when, size)
        simulation.set_input("housing_occupancy_status", when, status)
    return simulation


def largest_difference(ours: np.ndarray, theirs: np.ndarray) -> float:
    """The largest difference between two engines' values, as a fraction of the largest value
    (at least 1): OpenFisca computes in float32, so small values cannot be compared one by one."""
    scale = max(1.0, float(np.nanmax(np.abs(theirs), initial=0.0)))
    difference = np.abs(np.asarray(ours, dtype=np.float64) - theirs)
    return float("inf") if np.isnan(difference).any() else float(difference.max(initial=0)) / scale
