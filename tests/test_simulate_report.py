"""`sejahtera simulate`: cost, reach and poverty, checked against the dataset directly and against
figures worked out by hand on six households."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from sejahtera.cli import main
from sejahtera.data.dataset import Dataset
from sejahtera.errors import SejahteraError
from sejahtera.simulate.report import programmes, summarise
from sejahtera.synth import SynthOptions, synthesise


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    return synthesise(SynthOptions("34.02", 3_000, seed=21), tmp_path_factory.mktemp("b") / "b")


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_costs_and_poverty(region: Dataset, tmp_path: Path) -> None:
    out = tmp_path / "households.csv"
    result = run(
        "simulate", str(region.path), "--rules", "indonesia", "--json", "--households-out", str(out)
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    households = region.households()
    size = region.persons(["household_id"]).groupby("household_id").size()
    households["size"] = households["household_id"].map(size)
    w, desil = households["weight"], households["desil"]
    programs = report["programs"]
    assert set(programs) == {"pkh", "sembako", "pbi_jkn", "pip", "blt_dana_desa"}
    assert programs["sembako"]["cost_rp"] == pytest.approx(2.4e6 * w[desil <= 4].sum())
    assert programs["sembako"]["households"] == pytest.approx(w[desil <= 4].sum())
    pbi_people = (w * households["size"])[desil <= 5].sum()
    assert programs["pbi_jkn"]["cost_rp"] == pytest.approx(42_000 * 12 * pbi_people)
    assert programs["pbi_jkn"]["persons"] == pytest.approx(pbi_people)
    assert programs["blt_dana_desa"]["cost_rp"] == 0
    before, after = report["poverty"]["before"], report["poverty"]["after"]
    assert set(before) == {"fgt0", "fgt1", "fgt2", "gini"}
    assert 0 < after["fgt0"] < before["fgt0"] < 1 and after["fgt1"] < before["fgt1"]
    assert report["gap_reduction_per_rupiah"] > 0
    assert sum(report["incidence_by_decile"].values()) == pytest.approx(1.0)
    per_household = pd.read_csv(out)
    assert len(per_household) == len(households)
    assert {"pkh", "sembako", "welfare_before", "welfare_after"} <= set(per_household.columns)
    assert (per_household["welfare_after"] >= per_household["welfare_before"]).all()


def test_a_reform_has_winners(region: Dataset, tmp_path: Path) -> None:
    reform = tmp_path / "sembako.yaml"
    reform.write_text("parameters:\n  sembako.amount: {2025-01-01: {value: 300000}}\n")
    result = run(
        "simulate", str(region.path), "--rules", "indonesia", "--reform", str(reform), "--json"
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    households = region.households()
    eligible = households["weight"][households["desil"] <= 4].sum()
    assert report["difference"]["winners"] == pytest.approx(eligible)
    assert report["difference"]["losers"] == 0
    assert report["difference"]["net_cash_change_rp"] == pytest.approx(1.2e6 * eligible)
    assert (
        report["reform"]["poverty"]["after"]["fgt0"]
        <= report["baseline"]["poverty"]["after"]["fgt0"]
    )
    text = run(
        "--lang",
        "en",
        "simulate",
        str(region.path),
        "--rules",
        "indonesia",
        "--reform",
        str(reform),
    ).stdout
    assert "Reform" in text and "households gain" in text


def test_needs_a_dataset(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a\n1\n")
    result = run("--lang", "en", "simulate", str(path), "--rules", "indonesia")
    assert result.exit_code == 2 and "dataset" in result.stderr


def test_breakdowns_add_up(region: Dataset) -> None:
    result = run("simulate", str(region.path), "--rules", "indonesia", "--json")
    report = json.loads(result.stdout)
    for breakdown in ("by_region", "by_decile"):
        parts = report[breakdown].values()
        for programme in ("pkh", "sembako"):
            total = sum(part[programme]["cost_rp"] for part in parts)
            assert total == pytest.approx(report["programs"][programme]["cost_rp"])
        reached = sum(part["total"]["households"] for part in parts)
        assert reached == pytest.approx(report["total"]["households"])
        assert {"coverage_of_poor", "exclusion_error", "inclusion_error"} <= set(
            next(iter(parts))["pbi_jkn"]
        )
    assert sum(report["incidence_by_programme"]["pkh"].values()) == pytest.approx(1.0)
    assert set(report["overlap"]) >= {"pkh+sembako", "sembako+pbi_jkn"}
    assert list(report["by_decile"]) == [str(d) for d in range(1, 11)]
    # Transfers lower the headcount in the poorest decile, where the poor are.
    poorest = report["by_decile"]["1"]
    assert poorest["fgt0_after"] < poorest["fgt0_before"]


# Six households by hand. Persons = weight × size; the poor are below the line before transfers.
#   id  w size before line  pkh   sembako pip (pupils) region  poor  persons
#   A   2  4    400    500  1200  240     0            r1      yes   8
#   B   1  2    450    500  0     240     100 (1)      r1      yes   2
#   C   3  3    800    500  0     0       0            r2      no    9
#   D   1  5    300    500  0     0       0            r2      yes   5   (reached by none)
#   E   2  1    900    500  0     240     0            r2      no    2
#   F   1  2    700    500  600   0       0            r1      no    2
HAND = pd.DataFrame(
    {
        "household_id": list("ABCDEF"),
        "weight": [2.0, 1, 3, 1, 2, 1],
        "size": [4.0, 2, 3, 5, 1, 2],
        "welfare_before": [400.0, 450, 800, 300, 900, 700],
        "poverty_line": [500.0] * 6,
        "pkh": [1200.0, 0, 0, 0, 0, 600],
        "sembako": [240.0, 240, 0, 0, 240, 0],
        "pip": [0.0, 100, 0, 0, 0, 0],
        "pip_persons": [0, 1, 0, 0, 0, 0],
        "regency_code": ["r1", "r1", "r2", "r2", "r2", "r1"],
    }
)


@pytest.fixture
def hand() -> dict:
    cash = HAND["pkh"] + HAND["sembako"] + HAND["pip"]
    frame = HAND.assign(
        cash_total=cash, welfare_after=HAND["welfare_before"] + cash / 12 / HAND["size"]
    )
    return summarise(frame, ["pkh", "sembako", "pip"])


def test_targeting_by_hand(hand: dict) -> None:
    poor = 8 + 2 + 5
    sembako = hand["programs"]["sembako"]  # A, B, E
    assert sembako["cost_rp"] == pytest.approx(2 * 240 + 240 + 2 * 240)
    assert sembako["households"] == pytest.approx(2 + 1 + 2)
    assert sembako["persons"] == pytest.approx(8 + 2 + 2)
    assert sembako["coverage_of_poor"] == pytest.approx((8 + 2) / poor)
    assert sembako["exclusion_error"] == pytest.approx(5 / poor)
    assert sembako["inclusion_error"] == pytest.approx(2 / (8 + 2 + 2))
    pkh = hand["programs"]["pkh"]  # A, F
    assert pkh["coverage_of_poor"] == pytest.approx(8 / poor)
    assert pkh["inclusion_error"] == pytest.approx(2 / (8 + 2))
    pip = hand["programs"]["pip"]  # one pupil in B
    assert pip["persons"] == pytest.approx(1) and pip["cost_rp"] == pytest.approx(100)
    assert pip["coverage_of_poor"] == pytest.approx(2 / poor) and pip["inclusion_error"] == 0
    total = hand["total"]  # A, B, E, F reached by something
    assert total["cost_rp"] == pytest.approx(2 * 1200 + 600 + 1200 + 100)
    assert total["households"] == pytest.approx(6) and total["persons"] == pytest.approx(14)
    assert total["coverage_of_poor"] == pytest.approx(10 / poor)
    assert total["inclusion_error"] == pytest.approx((2 + 2) / 14)
    assert hand["overlap"] == {"pkh+sembako": 2.0, "pkh+pip": 0.0, "sembako+pip": 1.0}
    assert hand["poor_households_reached_by_none"] == pytest.approx(1)


def test_breakdowns_by_hand(hand: dict) -> None:
    r1, r2 = hand["by_region"]["r1"], hand["by_region"]["r2"]  # r1: A, B, F; r2: C, D, E
    assert r1["sembako"]["cost_rp"] == pytest.approx(2 * 240 + 240)
    assert r1["sembako"]["coverage_of_poor"] == 1 and r1["sembako"]["inclusion_error"] == 0
    assert r1["total"]["persons"] == pytest.approx(12)
    assert r1["total"]["inclusion_error"] == pytest.approx(2 / 12)
    assert r2["sembako"]["households"] == pytest.approx(2)
    assert r2["sembako"]["coverage_of_poor"] == 0 and r2["sembako"]["exclusion_error"] == 1
    assert r2["sembako"]["inclusion_error"] == 1
    assert r2["pkh"]["cost_rp"] == 0 and np.isnan(r2["pkh"]["inclusion_error"])
    assert r2["fgt0_before"] == pytest.approx(5 / (9 + 5 + 2))
    # Persons by welfare: D 5, A 8, B 2, F 2, C 9, E 2 (28). Cumulative shares put D in decile
    # 2 (5/28), A in 5 (13/28), B in 6 (15/28), F in 7 (17/28), C and E in 10.
    deciles = hand["by_decile"]
    assert list(deciles) == ["2", "5", "6", "7", "10"]
    assert deciles["10"]["sembako"]["cost_rp"] == pytest.approx(2 * 240)
    assert deciles["5"]["total"]["coverage_of_poor"] == 1
    incidence = hand["incidence_by_programme"]
    assert incidence["sembako"] == pytest.approx(
        {
            str(d): share
            for d, share in zip(range(1, 11), [0, 0, 0, 0, 0.4, 0.2, 0, 0, 0, 0.4], strict=True)
        }
    )
    assert incidence["pkh"]["5"] == pytest.approx(2400 / 3000)
    assert incidence["pkh"]["7"] == pytest.approx(600 / 3000)
    assert hand["incidence_by_decile"]["5"] == pytest.approx((2400 + 480) / 4300)


def test_programmes_are_declared_as_data(tmp_path: Path) -> None:
    shipped = programmes()
    assert list(shipped) == ["pkh", "sembako", "pbi_jkn", "pip", "blt_dana_desa"]
    assert shipped["pbi_jkn"].variable == "pbi_jkn_premium" and not shipped["pbi_jkn"].cash
    assert shipped["blt_dana_desa"].switch == "blt_dana_desa.active"
    assert shipped["pip"].levers["amount"] == ("pip.sd", "pip.smp", "pip.sma")
    (tmp_path / "programmes.yaml").write_text(
        "bansos: {variable: bansos, cash: true, levers: {desil: bansos.max_desil}}\n"
    )
    mine = programmes(SimpleNamespace(name="mine", folder=tmp_path))  # type: ignore[arg-type]
    assert list(mine) == ["bansos"] and mine["bansos"].levers == {"desil": ("bansos.max_desil",)}
    (tmp_path / "programmes.yaml").write_text("bansos: {variable: b, levers: {quota: x}}\n")
    other = SimpleNamespace(name="other", folder=tmp_path)
    with pytest.raises(SejahteraError, match="quota"):
        programmes(other)  # type: ignore[arg-type]
