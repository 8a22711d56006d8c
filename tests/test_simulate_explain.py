"""The household explainer: why one household gets what it gets, today and under a reform.
Checked on a household read by hand: its members' PKH components from the parameter files'
values (written here, not read from the code), the rule's text and its legal reference."""

from __future__ import annotations

import pytest

from sejahtera.data.frame import household_frame
from sejahtera.errors import SejahteraError
from sejahtera.rules.overlay import Overlay
from sejahtera.rules.ruleset import load_ruleset
from sejahtera.simulate.explain import explain
from sejahtera.simulate.scenario import Start
from sejahtera.synth import SynthOptions, synthesise

# parameters/pkh.yaml, read by hand: yearly amount per component, the elderly from 70.
SD, SMP, SMA, EARLY, PREGNANT, DISABILITY, ELDERLY = 9e5, 1.5e6, 2e6, 3e6, 3e6, 2.4e6, 2.4e6


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory):
    dataset = synthesise(SynthOptions("34", 2_000, seed=11), tmp_path_factory.mktemp("x") / "d")
    persons = dataset.persons()
    return persons, household_frame(dataset, persons)


@pytest.fixture(scope="module")
def start(data):
    persons, households = data
    return Start(load_ruleset("indonesia"), persons, households, 2025)


def component(person) -> float:
    school = person.school_level if person.enrolled else None
    return max(
        PREGNANT if person.pregnant else 0,
        EARLY if person.age <= 6 else 0,
        SD if school == "sd" else 0,
        SMP if school == "smp" else 0,
        SMA if school == "sma" else 0,
        DISABILITY if person.disability_severe else 0,
        ELDERLY if person.age >= 70 else 0,
    )


def pkh_recipient(data) -> tuple[str, float]:
    """A one-family household the registry records as receiving PKH, with a pupil in SD, and
    its PKH by hand: the four largest components of its members."""
    persons, households = data
    for household in households[households["receives_pkh"]].itertuples():
        members = persons[persons["household_id"] == household.household_id]
        if members["family_id"].nunique() != 1 or not (members["school_level"] == "sd").any():
            continue
        amounts = sorted((component(p) for p in members.itertuples()), reverse=True)
        return household.household_id, sum(amounts[:4])
    raise AssertionError("no such household in the sample")


def test_a_recipient_today_its_amount_rule_and_legal_reference(start, data) -> None:
    household, by_hand = pkh_recipient(data)
    found = explain(start, household).to_dict()
    pkh = next(p for p in found["programmes"] if p["name"] == "pkh")
    assert pkh["benefit_rp"]["status_quo"] == pytest.approx(by_hand)
    [family] = pkh["units"]["status_quo"]
    assert family["reason"] == "recorded_paid" and family["amount_rp"] == pytest.approx(by_hand)
    rules = {rule["variable"]: rule for rule in pkh["rules"]}
    assert rules["pkh_eligible"]["formula"]["status_quo"].startswith(
        "desil <= parameters.pkh.max_desil"
    )
    assert set(rules) >= {"pkh_eligible", "pkh_amount", "pkh_component"}
    parameters = {value["path"]: value for value in pkh["parameters"]}
    assert parameters["pkh.max_desil"]["value"]["status_quo"] == 4
    assert "Permensos 1/2018" in parameters["pkh.max_desil"]["reference"]["status_quo"]
    assert parameters["pkh.components.sd"]["value"]["status_quo"] == SD
    assert (
        "Kepdirjen Linjamsos 02/SK/LJS/01/2019"
        in parameters["pkh.components.sd"]["reference"]["status_quo"]
    )
    assert parameters["pkh.components.elderly_min_age"]["value"]["status_quo"] == 70
    inputs = {rule["variable"] for rule in pkh["inputs"]}
    assert {"desil", "age", "school_level"} <= inputs


def test_under_a_reform_the_new_value_and_the_new_amount(start, data) -> None:
    household, by_hand = pkh_recipient(data)
    persons, _ = data
    members = persons[persons["household_id"] == household]
    pupils = sorted((component(p) for p in members.itertuples()), reverse=True)[:4].count(SD)
    reformed = Overlay("sd", "2025", {"pkh.components.sd": 1_000_000}).apply(start.rules)
    found = explain(start, household, reformed).to_dict()
    pkh = next(p for p in found["programmes"] if p["name"] == "pkh")
    assert found["runs"] == ["status_quo", "reform"]
    assert pkh["benefit_rp"]["reform"] == pytest.approx(by_hand + pupils * 100_000)
    assert pkh["units"]["reform"][0]["reason"] == "kept"
    sd = next(v for v in pkh["parameters"] if v["path"] == "pkh.components.sd")
    assert sd["value"] == {"status_quo": SD, "reform": 1_000_000}


def test_a_household_newly_eligible_joins_or_not_at_the_take_up_rate(start, data) -> None:
    """PKH widened to desil 5: a family of desil 5 not paid today with a PKH component is newly
    eligible; whether it joins is its take-up draw, and the reason says which."""
    persons, households = data
    reformed = Overlay("d5", "2025", {"pkh.max_desil": 5}).apply(start.rules)
    candidates = households[(households["desil"] == 5) & ~households["receives_pkh"]]
    reasons = set()
    for household in candidates["household_id"].head(40):
        members = persons[persons["household_id"] == household]
        if members["family_id"].nunique() != 1 or not any(
            component(p) > 0 for p in members.itertuples()
        ):
            continue
        found = explain(start, household, reformed).to_dict()
        pkh = next(p for p in found["programmes"] if p["name"] == "pkh")
        [unit] = pkh["units"]["reform"]
        reasons.add(unit["reason"])
        assert (unit["reason"] == "joined") == (pkh["benefit_rp"]["reform"] > 0)
        assert pkh["units"]["status_quo"][0]["reason"] == "recorded_not_paid"
    assert reasons <= {"joined", "not_taken_up"} and "joined" in reasons


def test_an_unknown_household_says_which(start) -> None:
    with pytest.raises(SejahteraError, match="H-NOPE"):
        explain(start, "H-NOPE")
