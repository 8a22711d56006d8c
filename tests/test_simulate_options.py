"""`sejahtera budget --extra`: what an additional budget buys, options ranked; each point checked
against a reform file simulated the ordinary way."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from sejahtera.cli import main
from sejahtera.data.frame import load
from sejahtera.errors import SejahteraError
from sejahtera.simulate.options import solve_extra
from sejahtera.simulate.scenario import scenario
from sejahtera.synth import SynthOptions, synthesise

REFORMS = Path(__file__).resolve().parent.parent / "src/sejahtera/rulesets/indonesia/reforms"


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("extra") / "region"
    synthesise(SynthOptions("34.03", 2_000, seed=9), path)
    return path


@pytest.fixture(scope="module")
def data(region: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    table = load(region)
    return table.dataset.persons(), table.frame  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def found(data):
    persons, households = data
    return solve_extra("indonesia", persons, households, 20e9, ("pkh", "lansia-daerah", "pbi-apbd"))


def reform_file(tmp_path: Path, changes: dict[str, float]) -> Path:
    path = tmp_path / "option.yaml"
    lines = [f"  {name}: {{2025-01-01: {{value: {value}}}}}" for name, value in changes.items()]
    path.write_text("parameters:\n" + "\n".join(lines) + "\n")
    return path


def test_a_point_is_what_the_same_reform_gives(data, found, tmp_path: Path) -> None:
    persons, households = data
    pkh = next(o for o in found.options if o.name == "pkh")
    point = next(p for p in pkh.points if p.desil == 5 and p.factor == 1.5)
    components = {
        "pregnant": 3e6,
        "early_childhood": 3e6,
        "sd": 0.9e6,
        "smp": 1.5e6,
        "sma": 2e6,
        "severe_disability": 2.4e6,
        "elderly": 2.4e6,
    }
    changes = {
        "pkh.max_desil": 5,
        **{f"pkh.components.{k}": 1.5 * v for k, v in components.items()},
    }
    reform = reform_file(tmp_path, changes)
    result = scenario("indonesia", persons, households, 2025, reform=reform)
    difference = result.to_dict()["difference"]
    assert point.net_cost_rp == pytest.approx(difference["net_cost_rp"])
    assert point.newly_reached_poor == pytest.approx(difference["newly_reached_poor"])
    assert point.fgt0 == pytest.approx(result.to_dict()["reform"]["poverty"]["after"]["fgt0"])
    people = result.results["weight"] * result.results["size"]
    line = result.results["poverty_line"]

    def gap(welfare: pd.Series) -> float:
        return 12 * float((people * (line - welfare).clip(lower=0)).sum())

    expected = gap(result.results["welfare_after"]) - gap(result.reform_results["welfare_after"])
    assert point.gap_reduction_rp == pytest.approx(expected)


def test_a_new_programme_option_is_its_template(data, found) -> None:
    persons, households = data
    lansia = next(o for o in found.options if o.name == "lansia-daerah")
    point = next(p for p in lansia.points if p.desil == 2 and p.factor == 1.0)
    result = scenario(
        "indonesia", persons, households, 2025, reform=REFORMS / "lansia-daerah.yaml"
    ).to_dict()
    assert point.net_cost_rp == pytest.approx(result["difference"]["net_cost_rp"])
    assert lansia.programme.funder == "apbd_kabupaten"
    assert sorted({p.desil for p in lansia.points}) == [float(k) for k in range(1, 11)]


def test_the_best_point_fits_and_options_are_ranked(found) -> None:
    for option in found.options:
        if option.best is not None:
            assert 0 < option.best.net_cost_rp <= 20e9
            fitting = [p for p in option.points if p.within_budget and p.net_cost_rp > 0]
            measure = option.measure
            assert getattr(option.best, measure) == max(getattr(p, measure) for p in fitting)
    cash = [o for o in found.options if o.measure == "gap_reduction_rp" and o.best is not None]
    ratios = [o.per_rupiah for o in cash]
    assert ratios == sorted(ratios, reverse=True)
    pbi = next(o for o in found.options if o.name == "pbi-apbd")
    assert pbi.measure == "newly_reached_poor" and pbi.best is not None
    assert all(p.gap_reduction_rp == 0 for p in pbi.points)


def test_existing_programmes_only_widen_and_raise(found) -> None:
    pkh = next(o for o in found.options if o.name == "pkh")
    assert min(p.desil for p in pkh.points) == 4 and min(p.factor for p in pkh.points) == 1.0
    today = next(p for p in pkh.points if p.desil == 4 and p.factor == 1.0)
    assert today.net_cost_rp == 0 and today.gap_reduction_rp == 0


def test_frontier_points_are_not_dominated(found) -> None:
    for option in found.options:
        measure = option.measure
        for p in option.points:
            beaten = any(
                o.net_cost_rp <= p.net_cost_rp
                and getattr(o, measure) >= getattr(p, measure)
                and (o.net_cost_rp < p.net_cost_rp or getattr(o, measure) > getattr(p, measure))
                for o in option.points
            )
            assert p.efficient == (not beaten)


def test_priority_areas_are_where_the_unreached_poor_live(data) -> None:
    persons, households = data
    found = solve_extra("indonesia", persons, households, 5e9, ("topup-wilayah",), areas=2)
    results = scenario("indonesia", persons, households, 2025).results
    people = results["weight"] * results["size"]
    poor = results["welfare_before"] < results["poverty_line"]
    unreached = (
        (people * (poor & (results["benefit_total"] == 0))).groupby(results["district_code"]).sum()
    )
    assert list(found.priority_areas) == list(unreached.sort_values(ascending=False).index[:2])
    topup = found.options[0]
    assert topup.best is not None and topup.best.newly_reached_poor > 0


def test_the_command_line(region: Path) -> None:
    args = ["budget", str(region), "--rules", "indonesia", "--extra", "1e10"]
    args += ["--option", "sembako", "--option", str(REFORMS / "beasiswa-daerah.yaml")]
    outcome = CliRunner().invoke(main, [*args, "--json"])
    assert outcome.exit_code == 0, outcome.output
    report = json.loads(outcome.stdout)
    assert report["extra_rp"] == 1e10 and len(report["ranking"]) == 2
    assert {r["option"] for r in report["ranking"]} == {"sembako", "beasiswa-daerah"}
    first = report["ranking"][0]
    assert {"best", "frontier", "points", "gap_reduction_per_rupiah"} <= set(first)
    assert all(point["efficient"] for point in first["frontier"])
    # The best pair by kecamatan and desa adds up to its net cost.
    found = next(r for r in report["ranking"] if r["best"] is not None)
    for level in ("by_district", "by_village"):
        parts = found[level].values()
        assert sum(p["net_change_rp"] for p in parts) == pytest.approx(found["best"]["net_cost_rp"])
    english = CliRunner().invoke(main, ["--lang", "en", *args]).stdout
    assert "An extra Rp10,000,000,000 a year" in english and "net cost" in english
    indonesian = CliRunner().invoke(main, args).stdout
    assert "Rp10.000.000.000" in indonesian and "biaya bersih" in indonesian
    both = CliRunner().invoke(main, ["--lang", "en", *args, "--budget", "1e9"])
    assert both.exit_code == 2 and "Choose one" in both.stderr


def test_an_unknown_option_names_the_known_ones(data) -> None:
    persons, households = data
    with pytest.raises(SejahteraError) as error:
        solve_extra("indonesia", persons, households, 1e9, ("bansos",))
    assert "lansia-daerah" in error.value.values["known"] and "pkh" in error.value.values["known"]
