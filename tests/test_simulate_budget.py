"""The budget solver, checked against costs and poverty computed another way: straight from the
data, or by simulating a reform file with the value the solver chose."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from sejahtera.cli import main
from sejahtera.data.frame import load
from sejahtera.errors import SejahteraError
from sejahtera.measure.functions import fgt
from sejahtera.rules.ruleset import load_ruleset
from sejahtera.simulate.budget import AMOUNT_TOLERANCE_RP, BudgetResult, solve_budget
from sejahtera.simulate.payments import draws
from sejahtera.simulate.scenario import scenario
from sejahtera.synth import SynthOptions, synthesise

SEMBAKO_YEAR = 12 * 200_000


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("budget") / "region"
    synthesise(SynthOptions("34.02", 1_500, seed=5), path)
    return path


@pytest.fixture(scope="module")
def data(region: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    table = load(region)
    return table.dataset.persons(), table.frame  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def indonesia():
    return load_ruleset("indonesia")


def reformed(
    tmp_path: Path, data, changes: dict[str, float], baseline: str = "rules"
) -> pd.DataFrame:
    """Household results under a reform *file* with these parameter values (not the solver's
    in-memory override)."""
    reform = tmp_path / "reform.yaml"
    reform.write_text(
        "parameters:\n"
        + "".join(
            f"  {path}: {{2025-01-01: {{value: {value}}}}}\n" for path, value in changes.items()
        )
    )
    persons, households = data
    result = scenario("indonesia", persons, households, 2025, reform=reform, baseline=baseline)
    return result.reform_results


def cost(results: pd.DataFrame, programme: str) -> float:
    return float((results["weight"] * results[programme]).sum())


def cards(households: pd.DataFrame, persons: pd.DataFrame) -> np.ndarray:
    """Family cards (KK) per household, in the households' order: Sembako pays each one."""
    per = persons.groupby("household_id")["family_id"].nunique()
    return households["household_id"].map(per).to_numpy(dtype=np.float64)


def sembako_cost_by_desil(households: pd.DataFrame, desil: int, persons: pd.DataFrame) -> float:
    families = households["weight"].to_numpy() * cards(households, persons)
    return SEMBAKO_YEAR * float(families[(households["desil"] <= desil).to_numpy()].sum())


def test_the_chosen_desil_fits_and_the_next_does_not(indonesia, data, tmp_path: Path) -> None:
    persons, households = data
    budget = (
        sembako_cost_by_desil(households, 3, persons)
        + sembako_cost_by_desil(households, 4, persons)
    ) / 2
    result = solve_budget(indonesia, persons, households, "sembako", "desil", budget, 2025, "rules")
    assert result.chosen is not None and result.chosen.value == 3
    assert result.parameters == {"sembako.max_desil": 3}
    assert result.objective == "gap_reduction_rp"
    # Recomputed by simulating a reform file with that cut-off, and with the next one.
    chosen = reformed(tmp_path, data, {"sembako.max_desil": 3})
    following = reformed(tmp_path, data, {"sembako.max_desil": 4})
    assert cost(chosen, "sembako") <= budget < cost(following, "sembako")
    assert result.chosen.cost_rp == pytest.approx(cost(chosen, "sembako"))
    # Poverty after the chosen scenario, by the measure module's own FGT.
    people = chosen["weight"] * chosen["size"]
    for alpha in (0, 1, 2):
        expected = fgt(chosen["welfare_after"], chosen["poverty_line"], alpha, people)
        assert getattr(result.chosen, f"fgt{alpha}") == pytest.approx(expected)
    # The gap reduction is measured against no Sembako, every other programme as it is.
    base = reformed(tmp_path, data, {})
    without = base.assign(welfare_after=base["welfare_after"] - base["sembako"] / 12 / base["size"])
    gap = {
        name: 12 * float((people * (frame["poverty_line"] - frame["welfare_after"]).clip(0)).sum())
        for name, frame in (("without", without), ("with", chosen))
    }
    assert result.chosen.gap_reduction_rp == pytest.approx(gap["without"] - gap["with"])
    assert result.without["fgt0"] == pytest.approx(
        fgt(without["welfare_after"], without["poverty_line"], 0, people)
    )


def test_pkh_by_desil_against_a_reform(indonesia, data, tmp_path: Path) -> None:
    persons, households = data
    costs = {k: cost(reformed(tmp_path, data, {"pkh.max_desil": k}), "pkh") for k in (2, 3)}
    budget = (costs[2] + costs[3]) / 2
    result = solve_budget(indonesia, persons, households, "pkh", "desil", budget, 2025, "rules")
    assert result.chosen is not None and result.chosen.value == 2
    assert result.chosen.cost_rp == pytest.approx(costs[2])


def test_the_amount_found_exhausts_the_budget(indonesia, data) -> None:
    persons, households = data
    families = households["weight"].to_numpy() * cards(households, persons)
    eligible = float(families[(households["desil"] <= 4).to_numpy()].sum())
    budget = 4.1e11
    exact = budget / (12 * eligible)  # the monthly Sembako amount that spends it all
    result = solve_budget(
        indonesia, persons, households, "sembako", "amount", budget, 2025, "rules"
    )
    assert result.chosen is not None and result.unit == "IDR/month"
    assert exact - AMOUNT_TOLERANCE_RP < result.chosen.value <= exact
    assert result.chosen.cost_rp == pytest.approx(12 * eligible * result.chosen.value)
    assert result.chosen.cost_rp <= budget
    assert result.parameters == {"sembako.amount": pytest.approx(result.chosen.value)}
    assert result.tolerance_rp == pytest.approx(AMOUNT_TOLERANCE_RP)
    # The frontier grid includes today's amount, which costs what the data says it costs.
    today = next(c for c in result.candidates if c.value == pytest.approx(200_000))
    assert today.cost_rp == pytest.approx(SEMBAKO_YEAR * eligible)


def test_several_amounts_move_by_one_factor(indonesia, data, tmp_path: Path) -> None:
    persons, households = data
    today = cost(reformed(tmp_path, data, {}), "pkh")
    budget = 0.7 * today
    result = solve_budget(indonesia, persons, households, "pkh", "amount", budget, 2025, "rules")
    assert result.unit == "factor" and result.chosen is not None
    # PKH's cost is proportional to its component amounts, the largest of which is 3,000,000.
    assert 0.7 - AMOUNT_TOLERANCE_RP / 3e6 < result.chosen.value <= 0.7
    assert result.parameters["pkh.components.sd"] == pytest.approx(900_000 * result.chosen.value)
    assert len(result.parameters) == 7


def test_the_pmt_ceiling_is_the_largest_that_fits(indonesia, data) -> None:
    persons, households = data
    score = households["pmt_score"].to_numpy()
    w = households["weight"].to_numpy() * cards(households, persons)  # families represented

    def by_hand(ceiling: float) -> float:  # Sembako by PMT score alone
        return SEMBAKO_YEAR * float(w[score <= ceiling].sum())

    budget = by_hand(float(np.quantile(score, 0.33))) + 1  # 1 Rp of room against rounding
    result = solve_budget(indonesia, persons, households, "sembako", "pmt", budget, 2025, "rules")
    assert result.chosen is not None
    ceiling = result.chosen.value
    higher = score[score > ceiling].min()
    assert by_hand(ceiling) <= budget < by_hand(higher)
    assert result.chosen.cost_rp == pytest.approx(by_hand(ceiling))
    assert result.parameters == {"sembako.max_pmt_score": ceiling, "sembako.max_desil": 10}


def test_frontier_points_are_not_dominated(indonesia, data) -> None:
    persons, households = data
    result = solve_budget(
        indonesia, persons, households, "blt_dana_desa", "desil", 3e11, 2025, "rules"
    )
    values = [c.value for c in result.candidates]
    assert values == sorted(values) == [float(k) for k in range(1, 11)]

    def dominates(a, b) -> bool:
        return (
            a.cost_rp <= b.cost_rp
            and a.gap_reduction_rp >= b.gap_reduction_rp
            and (a.cost_rp < b.cost_rp or a.gap_reduction_rp > b.gap_reduction_rp)
        )

    for c in result.candidates:
        beaten = any(dominates(other, c) for other in result.candidates if other is not c)
        assert c.efficient == (not beaten), c
    assert any(c.efficient for c in result.candidates)
    # By the rules desil ≤ 4 get Sembako, hence no BLT.
    assert [c.cost_rp for c in result.candidates[:4]] == [0, 0, 0, 0]
    assert result.candidates[4].cost_rp > 0
    table = result.tidy()
    assert list(table["value"]) == values and table["chosen"].sum() == 1


def test_a_programme_without_cash_is_judged_by_the_poor_it_reaches(indonesia, data) -> None:
    persons, households = data
    size = persons.groupby("household_id").size().reindex(households["household_id"]).to_numpy()
    people = households["weight"].to_numpy() * size
    premiums = {k: 12 * 42_000 * people[households["desil"] <= k].sum() for k in (2, 3)}
    result = solve_budget(
        indonesia, persons, households, "pbi_jkn", "desil", premiums[3] - 1, 2025, "rules"
    )
    assert result.objective == "poor_persons_reached"
    assert all(c.gap_reduction_rp == pytest.approx(0) for c in result.candidates)
    assert result.chosen is not None and result.chosen.value == 2
    assert result.chosen.cost_rp == pytest.approx(premiums[2])
    # The poor are poor before today's transfers (the scenario's welfare_before).
    before = scenario("indonesia", persons, households, 2025).results["welfare_before"]
    poor = before.to_numpy() < households["poverty_line"].to_numpy()
    reached = (households["desil"] <= 2) & poor
    assert result.chosen.poor_persons_reached == pytest.approx(people[reached.to_numpy()].sum())


def test_an_impossible_budget_is_said_so(indonesia, data, region: Path) -> None:
    persons, households = data
    result = solve_budget(indonesia, persons, households, "sembako", "desil", 1_000)
    assert result.chosen is None and result.parameters == {}
    assert "no value" in result.summary("en").lower()
    args = ["budget", str(region), "--rules", "indonesia", "--programme", "sembako"]
    outcome = CliRunner().invoke(
        main, ["--lang", "en", *args, "--lever", "desil", "--budget", "1000"]
    )
    assert outcome.exit_code == 2 and outcome.stdout == ""
    assert "fits the budget of Rp1,000" in outcome.stderr and "cheapest" in outcome.stderr


def test_unknown_names_are_refused_with_the_allowed_ones(indonesia, data) -> None:
    persons, households = data
    with pytest.raises(SejahteraError) as error:
        solve_budget(indonesia, persons, households, "bansos", "desil", 1e9)
    assert error.value.key == "budget.unknown_programme"
    assert error.value.values["allowed"] == "pkh, sembako, pbi_jkn, pip, blt_dana_desa"
    with pytest.raises(SejahteraError) as error:
        solve_budget(indonesia, persons, households, "sembako", "quota", 1e9)
    assert error.value.values["allowed"] == "desil, pmt, amount"
    with pytest.raises(SejahteraError) as error:  # the premium is not a benefit amount
        solve_budget(indonesia, persons, households, "pbi_jkn", "amount", 1e9)
    assert error.value.values["allowed"] == "desil, pmt"
    with pytest.raises(SejahteraError) as error:
        solve_budget(indonesia, persons, households, "sembako", "desil", -5)
    assert error.value.key == "budget.bad_budget"
    with pytest.raises(SejahteraError) as error:
        solve_budget(indonesia, persons, households.drop(columns="pmt_score"), "pip", "pmt", 1e9)
    assert error.value.key == "budget.needs_pmt_score"


def test_the_command_line(region: Path, data) -> None:
    persons, households = data
    budget = (
        sembako_cost_by_desil(households, 5, persons)
        + sembako_cost_by_desil(households, 6, persons)
    ) / 2
    args = ["budget", str(region), "--rules", "indonesia", "--programme", "sembako"]
    args += ["--lever", "desil", "--budget", str(budget), "--period", "2025", "--baseline", "rules"]
    outcome = CliRunner().invoke(main, [*args, "--json"])
    assert outcome.exit_code == 0, outcome.output
    report = json.loads(outcome.stdout)
    assert report["chosen"]["value"] == 5 and report["parameters"] == {"sembako.max_desil": 5}
    assert report["chosen"]["cost_rp"] == pytest.approx(
        sembako_cost_by_desil(households, 5, persons)
    )
    assert report["objective"] == "gap_reduction_rp" and len(report["frontier"]) == 10
    assert {"fgt0", "fgt1", "fgt2", "within_budget", "efficient"} <= set(report["frontier"][0])
    assert [p["within_budget"] for p in report["frontier"]] == [True] * 5 + [False] * 5
    # The chosen cut-off's Sembako by kecamatan and desa adds up to its cost.
    for level in ("by_region", "by_district", "by_village"):
        parts = report[level].values()
        total = sum(part["sembako"]["cost_rp"] for part in parts)
        assert total == pytest.approx(report["chosen"]["cost_rp"])
    assert set(report["by_district"]) == set(households["district_code"])
    text = CliRunner().invoke(main, ["--lang", "en", *args]).stdout
    assert "Chosen: 5 (desil)" in text and "gap reduction (Rp)" in text
    unknown = CliRunner().invoke(main, ["--lang", "en", *args[:4], "--programme", "x", *args[6:]])
    assert unknown.exit_code == 2 and "choose one of: pkh, sembako" in unknown.stderr


def test_the_result_is_one_object(indonesia, data) -> None:
    persons, households = data
    result = solve_budget(indonesia, persons, households, "pip", "desil", 1e10)
    assert isinstance(result, BudgetResult)
    assert set(result.to_dict()) >= {"chosen", "frontier", "without_programme", "objective"}


def test_from_today_a_cut_off_changes_receipt_only_where_eligibility_changes(
    indonesia, data
) -> None:
    """Today's Sembako recipients keep it; at desil 5, family cards of desil 5 not receiving it
    today join at the take-up rate (85 %, a draw fixed per card)."""
    persons, households = data
    result = solve_budget(indonesia, persons, households, "sembako", "desil", 1e15)
    # One row per family card: its household's weight, desil and recorded receipt, which is the
    # head's card's.
    head = persons.loc[persons["relationship"] == "head", ["household_id", "family_id"]]
    families = persons.drop_duplicates("family_id")[["household_id", "family_id"]].merge(
        households[["household_id", "weight", "desil", "receives_sembako"]], on="household_id"
    )
    is_head = families["family_id"].isin(head["family_id"]).to_numpy()
    w, desil = families["weight"].to_numpy(), families["desil"].to_numpy()
    receives = families["receives_sembako"].to_numpy(dtype=bool) & is_head
    today = SEMBAKO_YEAR * w[receives].sum()
    by_value = {c.value: c for c in result.candidates}
    assert by_value[4].cost_rp == pytest.approx(today)  # today's rule: today's cost
    ids = families["family_id"].astype(str).to_numpy()
    joins = (desil == 5) & ~receives & (draws(ids, "sembako", "take-up-new") < 0.85)
    assert joins.any()
    assert by_value[5].cost_rp == pytest.approx(today + SEMBAKO_YEAR * w[joins].sum())
    # Lowering the cut-off to 3 removes today's desil-4 recipients, not the inclusion errors.
    leaves = receives & (desil == 4)
    assert by_value[3].cost_rp == pytest.approx(today - SEMBAKO_YEAR * w[leaves].sum())
