"""The shipped `indonesia` ruleset, checked by hand on families that exercise each rule."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pytest

from sejahtera.data.dataset import Dataset
from sejahtera.data.frame import household_frame
from sejahtera.rules.reform import with_parameter_values
from sejahtera.rules.ruleset import load_ruleset, shipped_rulesets
from sejahtera.simulate import simulate


@pytest.fixture(scope="module")
def indonesia():
    return load_ruleset("indonesia")


def family(rows: list[tuple]) -> pd.DataFrame:
    columns = [
        "person_id",
        "household_id",
        "age",
        "pregnant",
        "disability_severe",
        "enrolled",
        "school_level",
    ]
    return pd.DataFrame(rows, columns=columns)


PERSONS = family(
    [
        # A, desil 1: pregnant mother, toddler, SD, SMP and SMA pupils, grandmother (6 components)
        ("a1", "A", 28, True, False, False, None),
        ("a2", "A", 3, False, False, False, None),
        ("a3", "A", 9, False, False, True, "sd"),
        ("a4", "A", 13, False, False, True, "smp"),
        ("a5", "A", 16, False, False, True, "sma"),
        ("a6", "A", 72, False, False, False, None),
        # B, desil 4: an elderly man with a severe disability counts once, at 2.4 million
        ("b1", "B", 75, False, True, False, None),
        # C, desil 5: a pupil, outside PKH, Sembako and PIP but covered by PBI-JKN
        ("c1", "C", 35, False, False, False, None),
        ("c2", "C", 10, False, False, True, "sd"),
        # D, desil 1: two working adults, no component
        ("d1", "D", 30, False, False, False, None),
        ("d2", "D", 31, False, False, False, None),
    ]
)
HOUSEHOLDS = pd.DataFrame({"household_id": ["A", "B", "C", "D"], "desil": [1, 4, 5, 1]})


def test_it_ships(indonesia) -> None:
    assert "indonesia" in shipped_rulesets()
    assert indonesia.parameters.get(("pbi_jkn", "premium")).reference.startswith("Perpres 64/2020")


def test_each_programme_by_hand(indonesia) -> None:
    run = simulate(indonesia, PERSONS, HOUSEHOLDS, 2025)
    # A: components 3.0 (pregnant), 3.0 (toddler), 0.9, 1.5, 2.0, 2.4 million; the four largest.
    assert run.calculate("pkh").tolist() == [3e6 + 3e6 + 2.4e6 + 2e6, 2.4e6, 0, 0]
    assert run.calculate("pkh_eligible").tolist() == [True, True, False, False]
    assert run.calculate("sembako").tolist() == [2.4e6, 2.4e6, 0, 2.4e6]  # 12 × 200,000
    assert run.calculate("sembako", "2025-05").tolist() == [2e5, 2e5, 0, 2e5]
    covered = run.calculate("pbi_jkn_covered")
    assert covered.tolist() == [True] * 9 + [True, True]
    assert run.calculate("pbi_jkn_premium").sum() == pytest.approx(11 * 42_000 * 12)
    assert run.calculate("pip").tolist() == [0, 0, 450e3, 750e3, 1.8e6, 0, 0, 0, 0, 0, 0]
    # BLT Dana Desa runs in 2025, but every desil-1 family here has PKH or Sembako.
    assert run.calculate("blt_dana_desa").tolist() == [0, 0, 0, 0]
    assert run.calculate("blt_dana_desa_eligible").tolist() == [False] * 4


def test_the_elderly_component_follows_practice_not_the_regulation(indonesia) -> None:
    """Permensos 1/2018 says 60; the PKH guideline since 2019 pays from 70 (stated in reports)."""
    aged = family([("x", "X", 66, False, False, False, None)])
    households = pd.DataFrame({"household_id": ["X"], "desil": [1]})
    assert simulate(indonesia, aged, households, 2025).calculate("pkh").tolist() == [0]
    leaf = indonesia.parameters.get(("pkh", "components", "elderly_min_age"))
    assert leaf.at(datetime.date(2018, 6, 1)) == 60 and leaf.at(datetime.date(2025, 1, 1)) == 70
    assert "Permensos 1/2018" in leaf.reference and "2019" in leaf.reference
    assert leaf.statement is not None and "60" in leaf.statement["id"]
    regulation = with_parameter_values(
        indonesia, {"pkh.components.elderly_min_age": {datetime.date(2025, 1, 1): 60}}
    )
    assert simulate(regulation, aged, households, 2025).calculate("pkh").tolist() == [2.4e6]


def test_pip_pays_half_in_the_first_and_final_class(indonesia) -> None:
    pupils = family(
        [
            ("p1", "P", 7, False, False, True, "sd"),
            ("p2", "P", 9, False, False, True, "sd"),
            ("p3", "P", 12, False, False, True, "sd"),
            ("p4", "P", 13, False, False, True, "smp"),
            ("p5", "P", 16, False, False, True, "sma"),
            ("p6", "P", 17, False, False, True, "sma"),
        ]
    ).assign(grade=[1, 3, 6, 7, 10, 11])
    households = pd.DataFrame({"household_id": ["P"], "desil": [2]})
    pip = simulate(indonesia, pupils, households, 2025).calculate("pip")
    assert pip.tolist() == [225e3, 450e3, 225e3, 375e3, 900e3, 1.8e6]


def test_pip_other_routes_than_the_desil(indonesia) -> None:
    """KIP holders, orphans, pupils with a disability and PKH families qualify at any desil."""
    pupils = family(
        [
            ("k", "K", 10, False, False, True, "sd"),
            ("o", "O", 10, False, False, True, "sd"),
            ("d", "D", 10, False, True, True, "sd"),
            ("n", "N", 10, False, False, True, "sd"),
        ]
    ).assign(has_kip=[True, False, False, False], orphan=[False, True, False, False])
    households = pd.DataFrame({"household_id": list("KODN"), "desil": [8] * 4})
    assert simulate(indonesia, pupils, households, 2025).calculate("pip").tolist() == [
        450e3,
        450e3,
        450e3,
        0,
    ]


def test_on_a_synthetic_region(indonesia, diy: Dataset) -> None:
    households = household_frame(diy)
    persons = diy.persons()
    run = simulate(indonesia, persons, households, 2025)
    pkh = run.calculate("pkh")  # one value per family card (KK)
    families = persons.drop_duplicates("family_id").set_index("family_id")["household_id"]
    assert len(pkh) == len(families) > len(households)  # some households hold two families
    desil = families.map(households.set_index("household_id")["desil"]).to_numpy()
    assert (pkh[desil > 4] == 0).all() and (pkh > 0).any()
    assert pkh.max() <= 4 * 3e6  # never more than four components
    sembako = run.calculate("sembako")
    assert set(np.unique(sembako)) <= {0.0, 2.4e6}
    assert ((sembako > 0) == (desil <= 4)).all()


def test_pkh_is_paid_per_family_card(indonesia) -> None:
    """A grandmother on her own card is her own PKH family; on the head's card she is one of
    its components (four at most)."""
    persons = family(
        [
            ("m", "H", 30, True, False, False, None),
            ("t", "H", 2, False, False, False, None),
            ("s", "H", 9, False, False, True, "sd"),
            ("p", "H", 13, False, False, True, "smp"),
            ("g", "H", 75, False, False, False, None),
        ]
    )
    households = pd.DataFrame({"household_id": ["H"], "desil": [1]})
    together = simulate(indonesia, persons, households, 2025).calculate("pkh")
    assert together.tolist() == [3e6 + 3e6 + 2.4e6 + 1.5e6]  # the four largest of five
    apart = persons.assign(family_id=["K1", "K1", "K1", "K1", "K2"])
    run = simulate(indonesia, apart, households, 2025)
    assert run.calculate("pkh").tolist() == [3e6 + 3e6 + 1.5e6 + 0.9e6, 2.4e6]
    assert run.calculate("sembako").tolist() == [2.4e6, 2.4e6]  # two KPM


def test_a_pmt_ceiling_is_off_until_set(indonesia) -> None:
    households = HOUSEHOLDS.assign(pmt_score=[13.0, 15.0, 13.5, None])
    run = simulate(indonesia, PERSONS, households, 2025)
    assert run.calculate("sembako").tolist() == [2.4e6, 2.4e6, 0, 2.4e6]  # scores change nothing
    start = datetime.date(2025, 1, 1)
    capped = with_parameter_values(indonesia, {"sembako.max_pmt_score": {start: 14.0}})
    run = simulate(capped, PERSONS, households, 2025)
    # B scores above the ceiling, C is desil 5, D has no score: none passes.
    assert run.calculate("sembako").tolist() == [2.4e6, 0, 0, 0]
    assert run.calculate("pkh").tolist() == [3e6 + 3e6 + 2.4e6 + 2e6, 2.4e6, 0, 0]  # no ceiling


@pytest.mark.parametrize(
    ("programme", "variable"),
    [
        ("pkh", "pkh"),
        ("sembako", "sembako"),
        ("pbi_jkn", "pbi_jkn_premium"),
        ("pip", "pip"),
        ("blt_dana_desa", "blt_dana_desa"),
    ],
)
def test_every_programme_has_a_pmt_ceiling(indonesia, programme: str, variable: str) -> None:
    assert indonesia.parameters.at((programme, "max_pmt_score"), datetime.date(2025, 1, 1)) == (
        float("inf")
    )
    households = HOUSEHOLDS.assign(pmt_score=[13.0, 13.0, 13.0, 13.0])
    start = datetime.date(2025, 1, 1)
    # BLT Dana Desa, for desil-1 households without PKH or Sembako: Sembako closed.
    blt = {"sembako.max_desil": {start: 0}, "pkh.max_desil": {start: 0}}
    opened = with_parameter_values(indonesia, blt) if programme == "blt_dana_desa" else indonesia
    paid = simulate(opened, PERSONS, households, 2025).calculate(variable)
    assert paid.sum() > 0
    ceiling = {f"{programme}.max_pmt_score": {start: 12.0}}
    if programme == "pip":  # PKH families qualify for PIP whatever their score: no PKH here
        ceiling["pkh.max_desil"] = {start: 0}
    closed = with_parameter_values(opened, ceiling)
    assert simulate(closed, PERSONS, households, 2025).calculate(variable).sum() == 0


def test_an_in_memory_change_keeps_earlier_values(indonesia) -> None:
    changed = with_parameter_values(
        indonesia, {"sembako.amount": {datetime.date(2025, 7, 1): 300_000}}
    )
    run = simulate(changed, PERSONS, HOUSEHOLDS, 2025)
    assert run.calculate("sembako", "2025-06").tolist()[0] == 200_000
    assert run.calculate("sembako").tolist()[0] == 6 * 200_000 + 6 * 300_000
    assert simulate(indonesia, PERSONS, HOUSEHOLDS, 2025).calculate("sembako")[0] == 2.4e6
