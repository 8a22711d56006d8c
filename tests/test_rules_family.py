"""Families (KK) inside households: the formula language's family.x, household.x from a family
and families.f(x), checked by hand on two households, one of them holding two family cards."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sejahtera.errors import SejahteraError
from sejahtera.rules.reform import apply_reform
from sejahtera.rules.ruleset import load_ruleset
from sejahtera.simulate import simulate

# H1: a couple with a child on card K1, the head's mother on card K2. H2: one card, no family_id.
PERSONS = pd.DataFrame(
    {
        "person_id": ["a", "b", "c", "g", "x"],
        "household_id": ["H1", "H1", "H1", "H1", "H2"],
        "family_id": ["K1", "K1", "K1", "K2", None],
        "relationship": ["head", "spouse", "child", "parent", "head"],
        "age": [40, 38, 8, 72, 50],
        "enrolled": [False, False, True, False, False],
        "school_level": [None, None, "sd", None, None],
    }
)
HOUSEHOLDS = pd.DataFrame({"household_id": ["H1", "H2"], "desil": [2, 7], "urban": [True, False]})


def reformed(tmp_path: Path, variables: str):
    path = tmp_path / "reform.yaml"
    path.write_text("variables:\n  add:\n" + variables)
    return apply_reform(load_ruleset("indonesia"), path)


def test_members_families_and_their_households(tmp_path: Path) -> None:
    rules = reformed(
        tmp_path,
        "    size_k: {entity: family, type: float, period: year,"
        " formula: members.count(age >= 0)}\n"
        "    oldest_k: {entity: family, type: float, period: year, formula: members.max(age)}\n"
        "    urban_k: {entity: family, type: bool, period: year, formula: household.urban}\n"
        "    card_size: {entity: person, type: float, period: year, formula: family.size_k}\n"
        "    cards: {entity: household, type: float, period: year,"
        " formula: families.count(size_k > 0)}\n"
        "    largest: {entity: household, type: float, period: year,"
        " formula: families.max(size_k)}\n",
    )
    run = simulate(rules, PERSONS, HOUSEHOLDS, 2025)
    assert run.calculate("size_k").tolist() == [3, 1, 1]  # K1, K2, H2's own card
    assert run.calculate("oldest_k").tolist() == [40, 72, 50]
    assert run.calculate("urban_k").tolist() == [True, True, False]
    assert run.calculate("card_size").tolist() == [3, 3, 3, 1, 1]
    assert run.calculate("cards").tolist() == [2, 1]
    assert run.calculate("largest").tolist() == [3, 1]


def test_without_family_id_each_household_is_one_family() -> None:
    run = simulate("indonesia", PERSONS.drop(columns="family_id"), HOUSEHOLDS, 2025)
    assert run.families == 2
    # The grandmother (72) is a component of the household's one card: PKH 0.9 + 2.4 million.
    assert run.calculate("pkh").tolist() == [0.9e6 + 2.4e6, 0]
    with_cards = simulate("indonesia", PERSONS, HOUSEHOLDS, 2025)
    assert with_cards.calculate("pkh").tolist() == [0.9e6, 2.4e6, 0]  # K1, K2 (her own), H2


def test_a_family_input_comes_from_its_members_rows_else_its_household() -> None:
    persons = PERSONS.assign(desil=[1, 1, 1, 3, None])
    run = simulate("indonesia", persons, HOUSEHOLDS, 2025)
    # Cards K1 and K2 carry their own desil; H2's card, whose member's row has none, its
    # household's.
    assert run.calculate("desil").tolist() == [1, 3, 7]
    plain = simulate("indonesia", PERSONS, HOUSEHOLDS, 2025)
    assert plain.calculate("desil").tolist() == [2, 2, 7]


@pytest.mark.parametrize(
    ("formula", "entity", "fragment"),
    [
        ("family.pkh", "household", "families.sum(pkh)"),
        ("members.count(age >= 0)", "person", "members"),
        ("families.sum(pkh)", "family", "families"),
    ],
)
def test_misplaced_group_expressions_are_refused(
    tmp_path: Path, formula: str, entity: str, fragment: str
) -> None:
    with pytest.raises(SejahteraError) as error:
        reformed(
            tmp_path,
            f"    wrong: {{entity: {entity}, type: float, period: year, formula: '{formula}'}}\n",
        )
    message = str(error.value)
    assert "reform.yaml, baris 3" in message and fragment in message


def test_a_family_card_in_two_households_is_refused() -> None:
    persons = PERSONS.assign(family_id=["K1", "K1", "K1", "K2", "K1"])
    with pytest.raises(SejahteraError) as error:
        simulate("indonesia", persons, HOUSEHOLDS, 2025).calculate("pkh")
    assert error.value.key == "simulate.family_households" and error.value.values["row"] == 5
