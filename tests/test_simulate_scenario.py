"""`sejahtera simulate` starts from today's situation: recorded receipt, welfare before transfers,
a reform compared with the status quo. Checked against `sejahtera measure`, against PKH and
Sembako recomputed from the data with plain loops, and against the legal caps."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from sejahtera.cli import main
from sejahtera.data.dataset import Dataset
from sejahtera.data.frame import household_frame
from sejahtera.data.regions import registry
from sejahtera.errors import SejahteraError
from sejahtera.rules.reform import with_parameter_values
from sejahtera.rules.ruleset import load_ruleset
from sejahtera.simulate.payments import draws
from sejahtera.simulate.scenario import paid_simulation, reformed_rules, scenario
from sejahtera.synth import SynthOptions, synthesise

REFORMS = Path(__file__).resolve().parent.parent / "src/sejahtera/rulesets/indonesia/reforms"
# Published by the regulation and read by hand (Permendesa PDT 2/2024 Pasal 2(1); PMK 108/2024:
# Dana Desa Gunungkidul Rp168.808.759.000 for 144 kalurahan).
BLT_CAP = 0.15 * 168_808_759_000 / 144
PKH = {"pregnant": 3e6, "early": 3e6, "sd": 0.9e6, "smp": 1.5e6, "sma": 2e6, "disability": 2.4e6}


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    """Synthetic Gunungkidul: every household in a desa, with desa codes."""
    return synthesise(SynthOptions("34.03", 6_000, seed=5), tmp_path_factory.mktemp("gk") / "gk")


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def simulate_json(region: Dataset, *extra: str) -> dict:
    result = run("simulate", str(region.path), "--rules", "indonesia", "--json", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def today(region: Dataset, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, pd.DataFrame]:
    out = tmp_path_factory.mktemp("out") / "households.csv"
    report = simulate_json(region, "--households-out", str(out))
    return report, pd.read_csv(out, dtype={"regency_code": str, "district_code": str})


def test_status_quo_poverty_is_what_measure_gives(region: Dataset, today) -> None:
    report, _ = today
    measured = run("measure", str(region.path), "--json", "--variance", "none")
    assert measured.exit_code == 0, measured.output
    estimates = {row["indicator"]: row["estimate"] for row in json.loads(measured.stdout)}
    after = report["poverty"]["after"]
    for indicator in ("fgt0", "fgt1", "fgt2", "gini"):
        assert after[indicator] == pytest.approx(estimates[indicator], abs=1e-9)
    assert report["baseline"] == "status_quo"
    assert report["status_quo"] == {
        "pkh": "recorded",
        "sembako": "recorded",
        "pbi_jkn": "recorded",
        "pip": "quota",
        "blt_dana_desa": "quota",
    }


def pkh_by_hand(persons: pd.DataFrame) -> dict[str, float]:
    """PKH per household, recomputed with loops: the family card of the head (the one the
    registry records as receiving), each member at their highest component, the four largest
    (elderly from 70)."""
    components: dict[str, list[float]] = defaultdict(list)
    head_family = {
        row.household_id: row.family_id
        for row in persons.itertuples()
        if row.relationship == "head"
    }
    for row in persons.itertuples():
        if row.family_id != head_family[row.household_id]:
            continue
        school = row.school_level if row.enrolled else None
        amounts = [
            PKH["pregnant"] if row.pregnant else 0,
            PKH["early"] if row.age <= 6 else 0,
            PKH.get(school, 0) if school in ("sd", "smp", "sma") else 0,
            PKH["disability"] if row.disability_severe else 0,
            2.4e6 if row.age >= 70 else 0,
        ]
        components[row.household_id].append(max(amounts))
    return {h: sum(sorted(c, reverse=True)[:4]) for h, c in components.items()}


def test_recorded_recipients_are_paid_and_welfare_before_takes_their_transfers_away(
    region: Dataset, today
) -> None:
    report, households = today
    data = household_frame(region).set_index("household_id")
    frame = households.set_index("household_id").join(data[["receives_pkh", "receives_sembako"]])
    by_hand = pkh_by_hand(region.persons())
    expected_pkh = np.where(frame["receives_pkh"], frame.index.map(by_hand), 0.0)
    assert frame["pkh"].to_numpy() == pytest.approx(expected_pkh)
    assert (frame["sembako"] == np.where(frame["receives_sembako"], 2.4e6, 0)).all()
    # Welfare before = recorded consumption less today's cash, per person per month.
    cash = frame["pkh"] + frame["sembako"] + frame["pip"] + frame["blt_dana_desa"]
    before = data["consumption_pc"] - cash / 12 / data["size"]
    assert frame["welfare_before"].to_numpy() == pytest.approx(before.loc[frame.index].to_numpy())
    assert (frame["welfare_after"] == data["consumption_pc"].loc[frame.index]).all()
    people = data["weight"] * data["size"]
    poor_before = (before < data["poverty_line"]).astype(float)
    assert report["poverty"]["before"]["fgt0"] == pytest.approx(
        float((people * poor_before).sum() / people.sum()), abs=1e-9
    )
    assert report["poverty"]["before"]["fgt0"] > report["poverty"]["after"]["fgt0"]


def test_blt_dana_desa_stays_within_each_desa_cap(region: Dataset, today) -> None:
    _, households = today
    data = household_frame(region).set_index("household_id")
    frame = households.set_index("household_id")
    paid = frame["blt_dana_desa"] > 0
    assert paid.any()
    spent = (frame["weight"] * frame["blt_dana_desa"]).groupby(data["village_code"]).sum()
    # Each desa spends at most the cap, give or take half a (weighted) family at the margin.
    margin = frame["weight"].max() * 3.6e6 / 2
    assert (spent <= BLT_CAP + margin).all()
    assert spent.max() > BLT_CAP - 3 * margin  # somewhere the cap binds
    recipients = data.loc[paid[paid].index]
    assert (recipients["desil"] == 1).all()
    # Rp300,000 a month to each family paid; a family receiving PKH or Sembako today (the head's
    # card, in households recorded as receiving) is not paid.
    families = frame.loc[paid, "blt_dana_desa_families"]
    assert (frame.loc[paid, "blt_dana_desa"] == 3.6e6 * families).all()
    cards = region.persons().groupby("household_id")["family_id"].nunique()
    listed = recipients["receives_pkh"] | recipients["receives_sembako"]
    assert (families[listed] <= cards.loc[listed[listed].index] - 1).all()


def test_pip_places_go_to_eligible_pupils_at_the_take_up_rate(region: Dataset) -> None:
    rules = load_ruleset("indonesia")
    households, persons = household_frame(region), region.persons()
    result = scenario(rules, persons, households, 2025)
    paid = result.results["pip_persons"].sum()
    everyone = (
        scenario(rules, persons, households, 2025, baseline="rules").results["pip_persons"].sum()
    )
    # Quota share 1: every eligible pupil has a place; 85 % take it up.
    assert paid / everyone == pytest.approx(0.85, abs=0.03)


def test_no_change_means_every_difference_is_exactly_zero(region: Dataset, tmp_path: Path) -> None:
    same = tmp_path / "same.yaml"
    same.write_text("parameters:\n  sembako.amount: {2025-01-01: {value: 200000}}\n")
    report = simulate_json(region, "--reform", str(same))
    difference = report["difference"]

    def values(tree: object):
        if isinstance(tree, dict):
            for key, value in tree.items():
                if key not in ("unchanged", "name"):  # households and names, not differences
                    yield from values(value)
        else:
            yield tree

    assert all(value == 0 for value in values(difference))
    assert len(list(values(difference))) > 50
    assert difference["unchanged"] == pytest.approx(region.households()["weight"].sum())


def test_a_reform_adds_a_regional_programme_paid_by_the_kabupaten(region: Dataset) -> None:
    report = simulate_json(region, "--reform", str(REFORMS / "lansia-daerah.yaml"))
    difference = report["difference"]
    reform = report["reform"]
    added = reform["programs"]["lansia_daerah"]
    assert added["cost_rp"] > 0 and report["baseline"]["programs"].get("lansia_daerah") is None
    assert difference["net_cost_by_funder"]["apbd_kabupaten"] == pytest.approx(added["cost_rp"])
    assert difference["net_cost_by_funder"]["apbn"] == 0
    assert difference["net_cost_rp"] == pytest.approx(added["cost_rp"])
    # Rp200,000 a month to each elderly person paid: cost = 2.4 million × weighted persons.
    assert added["cost_rp"] == pytest.approx(2.4e6 * added["persons"])
    assert difference["losers"] == 0 and difference["winners"] == pytest.approx(added["households"])
    assert difference["newly_reached_poor"] > 0
    assert difference["poverty_change"]["fgt0"] <= 0 and difference["poverty_change"]["fgt1"] < 0
    assert reform["status_quo"]["lansia_daerah"] == "new"
    assert reform["cost_by_funder"]["apbd_kabupaten"] == pytest.approx(added["cost_rp"])
    by_desil = difference["by_desil"]
    assert set(by_desil) <= {str(d) for d in range(1, 11)}
    assert all(by_desil[d]["winners"] == 0 for d in by_desil if int(d) > 2)  # desil 1-2 only
    for level in ("by_region", "by_district", "by_village"):
        parts = difference[level].values()
        assert sum(d["net_change_rp"] for d in parts) == pytest.approx(difference["net_change_rp"])
        assert sum(d["newly_reached_poor"] for d in parts) == pytest.approx(
            difference["newly_reached_poor"]
        )


def test_widening_pkh_keeps_todays_recipients_and_adds_newcomers_at_the_take_up_rate(
    region: Dataset,
) -> None:
    rules = load_ruleset("indonesia")
    households, persons = household_frame(region), region.persons()
    reform = reformed_rules(rules, REFORMS / "pkh-desil-5.yaml", "status_quo")
    # Per family card (KK): what is paid today and under the reform, and by the rules.
    paid = {
        name: paid_simulation(rules, changed, persons, households, "2025", baseline=baseline)
        for name, changed, baseline in (
            ("today", None, "status_quo"),
            ("reform", reform, "status_quo"),
            ("rules", None, "rules"),
            ("rules_reform", reform, "rules"),
        )
    }
    pkh = {name: simulation.calculate("pkh") for name, simulation in paid.items()}
    cards = persons.drop_duplicates("family_id")
    desil = cards["household_id"].map(households.set_index("household_id")["desil"]).to_numpy()
    today = pkh["today"] > 0
    # Today's recipients keep their PKH, whatever their desil (inclusion errors included).
    assert (pkh["reform"][today] == pkh["today"][today]).all()
    assert (desil[today] > 5).any()
    joined = (pkh["reform"] > 0) & ~today
    assert joined.any() and (desil[joined] == 5).all()
    newly = (pkh["rules_reform"] > 0) & ~(pkh["rules"] > 0)
    chosen = draws(cards["family_id"].astype(str).to_numpy(), "pkh", "take-up-new") < 0.85
    assert (joined == (newly & chosen & ~today)).all()
    assert joined.sum() / newly.sum() == pytest.approx(0.85, abs=0.06)


def test_take_up_draws_do_not_depend_on_row_order(region: Dataset) -> None:
    rules = load_ruleset("indonesia")
    households, persons = household_frame(region), region.persons()
    reform = REFORMS / "pkh-desil-5.yaml"
    first = scenario(rules, persons, households, 2025, reform=reform).households()
    shuffled = households.sample(frac=1, random_state=3)
    again = scenario(rules, persons, shuffled, 2025, reform=reform).households()
    merged = first.merge(again, on="household_id", suffixes=("", "_again"))
    assert (merged["pkh_reform"] == merged["pkh_reform_again"]).all()
    assert (merged["pip"] == merged["pip_again"]).all()


def test_a_reform_change_that_reaches_no_programme_is_an_error(
    region: Dataset, tmp_path: Path
) -> None:
    added = tmp_path / "added.yaml"
    added.write_text(
        "variables:\n"
        "  add:\n"
        "    topup: {entity: household, type: float, period: year, formula: desil * 0}\n"
    )
    result = run("--lang", "en", "simulate", str(region.path), "--rules", "indonesia",
                 "--reform", str(added))  # fmt: skip
    assert result.exit_code == 2
    assert "added.yaml, line 3" in result.output and "topup" in result.output
    unread = tmp_path / "unread.yaml"
    unread.write_text(
        "parameters:\n  x.amount:\n    description: d\n    values: {2025-01-01: {value: 1}}\n"
    )
    result = run("--lang", "en", "simulate", str(region.path), "--rules", "indonesia",
                 "--reform", str(unread))  # fmt: skip
    assert result.exit_code == 2 and "unread.yaml, line 2" in result.output
    assert "x.amount" in result.output
    benefit = tmp_path / "benefit.yaml"
    benefit.write_text("variables:\n  replace:\n    pkh: {formula: pkh_amount * 2}\n")
    result = run("--lang", "en", "simulate", str(region.path), "--rules", "indonesia",
                 "--reform", str(benefit))  # fmt: skip
    assert result.exit_code == 2 and "benefit.yaml, line 3" in result.output
    assert "pkh_amount" in result.output
    # By the rules as written the benefit's own formula is what runs: allowed.
    result = run("simulate", str(region.path), "--rules", "indonesia", "--reform", str(benefit),
                 "--baseline", "rules", "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["difference"]["net_cost_by_programme"]["pkh"] > 0


def test_results_by_kecamatan_and_desa(region: Dataset, today) -> None:
    report, households = today
    data = household_frame(region)
    for key, column in (("by_district", "district_code"), ("by_village", "village_code")):
        parts = report[key]
        assert set(parts) == set(data[column].astype(str))
        assert set(next(iter(parts.values()))) == set(next(iter(report["by_region"].values())))
        for programme in ("pkh", "blt_dana_desa"):
            total = sum(part[programme]["cost_rp"] for part in parts.values())
            assert total == pytest.approx(report["programs"][programme]["cost_rp"])
        population = sum(part["population"] for part in parts.values())
        assert population == pytest.approx((data["weight"] * data["size"]).sum())
    names = registry()
    for code, part in report["by_district"].items():
        assert part["name"] == names.name(code) != code
    assert {"regency_code", "district_code", "village_code"} <= set(households.columns)


def test_baseline_rules_pays_everyone_eligible(region: Dataset) -> None:
    report = simulate_json(region, "--baseline", "rules")
    assert report["baseline"] == "rules"
    assert set(report["status_quo"].values()) == {"rules"}
    data = household_frame(region)
    w, desil = data["weight"], data["desil"]
    assert report["programs"]["sembako"]["households"] == pytest.approx(w[desil <= 4].sum())
    assert report["poverty"]["before"] == simulate_json(region)["poverty"]["before"]


def test_the_report_says_which_baseline_it_used(region: Dataset) -> None:
    english = run("--lang", "en", "simulate", str(region.path), "--rules", "indonesia").stdout
    assert "Today's situation (status quo)" in english and "recorded recipients" in english
    assert "Permensos 1/2018 says 60" in english and "85%" in english
    indonesian = run("simulate", str(region.path), "--rules", "indonesia").stdout
    assert "Kondisi saat ini" in indonesian and "penerima tercatat" in indonesian
    assert "Rp" in indonesian and "," not in indonesian.split("Rp", 1)[1].split(" ", 1)[0]
    rules = run("--lang", "en", "simulate", str(region.path), "--rules", "indonesia",
                "--baseline", "rules").stdout  # fmt: skip
    assert "Rules as written" in rules


def test_a_programme_that_depends_on_another_reads_what_is_paid() -> None:
    """BLT Dana Desa is for families without PKH: a recorded PKH family in desil 1 gets none,
    a desil-1 family the rules would give PKH but the registry does not, does."""
    persons = pd.DataFrame(
        {
            "person_id": ["a", "b"],
            "household_id": ["A", "B"],
            "age": [3, 4],
            "relationship": ["head", "head"],
        }
    )
    households = pd.DataFrame(
        {
            "household_id": ["A", "B"],
            "desil": [1, 1],
            "receives_pkh": [True, False],
            "receives_sembako": [False, False],
            "receives_pbi": [False, False],
            "village_code": ["34.03.01.2001", "34.03.01.2001"],
            "weight": [1.0, 1.0],
            "consumption_pc": [400_000.0, 400_000.0],
            "poverty_line": [500_000.0, 500_000.0],
        }
    )
    result = scenario("indonesia", persons, households, 2025)
    assert result.results["pkh"].tolist() == [3e6, 0]
    assert result.results["blt_dana_desa"].tolist() == [0, 3.6e6]
    # Welfare before: 400,000 less the consumed transfer per person per month.
    assert result.results["welfare_before"].tolist() == [150_000, 100_000]
    assert result.results["welfare_after"].tolist() == [400_000, 400_000]


def test_an_unknown_baseline_is_refused() -> None:
    with pytest.raises(SejahteraError, match="status_quo"):
        scenario("indonesia", pd.DataFrame(), pd.DataFrame(), 2025, baseline="today")  # type: ignore[arg-type]


def test_take_up_is_a_parameter(region: Dataset) -> None:
    rules = load_ruleset("indonesia")
    households, persons = household_frame(region), region.persons()
    full = with_parameter_values(
        rules, {"scenario.take_up_newly_eligible": {pd.Timestamp("2025-01-01").date(): 1.0}}
    )
    # Take-up 1: every eligible pupil given a place (all of them, quota share 1) is paid.
    simulation = paid_simulation(full, None, persons, households, "2025")
    paid, eligible = simulation.calculate("pip"), simulation.calculate("pip_eligible")
    assert ((paid > 0) == eligible).all() and eligible.sum() > 100


def test_the_needs_profile_and_simulate_count_the_same_unreached_poor(
    region: Dataset, today, tmp_path: Path
) -> None:
    report, _ = today
    result = run("profile", str(region.path), "--out", str(tmp_path / "profile"))
    assert result.exit_code == 0, result.output
    coverage = pd.read_csv(tmp_path / "profile" / "coverage.csv")
    assert coverage["unreached_poor"].sum() == pytest.approx(report["poor_reached_by_none"])
    # PIP and BLT Dana Desa, which the data do not record, count as the scenario allots them.
    assert {"exclusion_pip", "exclusion_blt_dana_desa"} <= set(coverage.columns)
    # Independently: poor by recorded consumption, in households receiving nothing today.
    data = household_frame(region).set_index("household_id")
    _, households = today
    frame = households.set_index("household_id")
    nothing = frame[["pkh", "sembako", "pbi_jkn", "pip", "blt_dana_desa"]].sum(axis=1) == 0
    poor = data["consumption_pc"] < data["poverty_line"]
    people = data["weight"] * data["size"]
    assert report["poor_reached_by_none"] == pytest.approx(float(people[poor & nothing].sum()))


@pytest.mark.parametrize("name", ["pkh-desil-5", "lansia-daerah", "pbi-apbd"])
def test_reusing_what_a_reform_leaves_alone_changes_nothing(region: Dataset, name: str) -> None:
    """A reform's run reuses the baseline's values of what the reform cannot change; the same
    reform computed afresh gives the same households, to the bit."""
    from sejahtera.simulate.scenario import (
        Start,
        _reform_payer,
        _run,
        household_results,
        unaffected,
        with_programmes,
    )

    rules = load_ruleset("indonesia")
    start = Start(rules, region.persons(), household_frame(region), 2025)
    reformed = with_programmes(reformed_rules(rules, REFORMS / f"{name}.yaml", "status_quo"))
    keep, untouched = unaffected(start.rules, reformed)
    assert "pkh_component" in keep and "sembako" in keep  # what no reform here touches
    assert (name == "pkh-desil-5") == ("pkh" not in untouched)
    _, shared = start.run(reformed)
    payer = _reform_payer(start.base, "status_quo")
    fresh = _run("reform", reformed, start.persons, start.households, start.year, payer)
    pd.testing.assert_frame_equal(shared, household_results(fresh, start.today, start.households))


def test_a_quota_of_places_per_kabupaten_from_regional_values(tmp_path: Path) -> None:
    """PIP with a number of places per kabupaten (a kuota), given in regional/: the poorest
    eligible pupils of each kabupaten get the places, up to the quota, all taking them up."""
    import shutil

    folder = tmp_path / "rules"
    shutil.copytree(load_ruleset("indonesia").folder, folder)
    declarations = (folder / "programmes.yaml").read_text()
    (folder / "programmes.yaml").write_text(
        declarations.replace("quota: {share: pip.quota_share}", "quota: {units: pip.quota_units}")
    )
    (folder / "parameters" / "pip.yaml").write_text(
        (folder / "parameters" / "pip.yaml").read_text()
        + "quota_units:\n  description: PIP places per kabupaten\n"
        "  metadata: {unit: pupils, reference: test}\n  values: {2025-01-01: {value: 1}}\n"
    )
    (folder / "regional" / "pip.quota_units.csv").write_text(
        "region_code,start,value,reference\n34.01,2025-01-01,2,test\n"
    )
    (folder / "parameters" / "scenario.yaml").write_text(
        (folder / "parameters" / "scenario.yaml")
        .read_text()
        .replace("values: {2025-01-01: {value: 0.85}}", "values: {2025-01-01: {value: 1.0}}")
    )
    rules = load_ruleset(folder)
    pupils = [("a", "A", 1), ("b", "B", 2), ("c", "C", 3), ("d", "D", 1), ("e", "E", 2)]
    persons = pd.DataFrame(
        {
            "person_id": [p for p, _, _ in pupils],
            "household_id": [h for _, h, _ in pupils],
            "relationship": "head",
            "age": 10,
            "enrolled": True,
            "school_level": "sd",
        }
    )
    households = pd.DataFrame(
        {
            "household_id": list("ABCDE"),
            "regency_code": ["34.01", "34.01", "34.01", "34.02", "34.02"],
            "desil": [d for _, _, d in pupils],
            "weight": 1.0,
            "consumption_pc": 500_000.0,
            "poverty_line": 600_000.0,
        }
    )
    paid = scenario(rules, persons, households, 2025).results.set_index("household_id")["pip"]
    # Kulon Progo (34.01) has 2 places: desil 1 and 2; Bantul, the national 1: desil 1.
    assert paid.to_dict() == {"A": 450e3, "B": 450e3, "C": 0, "D": 450e3, "E": 0}


def test_progress_is_told_in_order_and_may_stop_the_work(region: Dataset) -> None:
    persons = region.persons()
    households = household_frame(region, persons)
    rules = load_ruleset("indonesia")
    reform = reformed_rules(rules, REFORMS / "pkh-desil-5.yaml", "status_quo")
    told: list[tuple[float, str]] = []
    scenario(
        rules, persons, households, 2025, reform=reform, progress=lambda f, m: told.append((f, m))
    )
    fractions = [fraction for fraction, _ in told]
    assert fractions == sorted(fractions) and len(fractions) == 3
    assert all(message for _, message in told)

    class Stop(Exception):
        pass

    def stop(fraction: float, message: str) -> None:
        if fraction > 0:
            raise Stop

    with pytest.raises(Stop):
        scenario(rules, persons, households, 2025, reform=reform, progress=stop)
