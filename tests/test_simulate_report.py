"""`sejahtera simulate`: cost, reach and poverty, checked against the dataset directly."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from sejahtera.cli import main
from sejahtera.data.dataset import Dataset
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
    assert list(report["by_decile"]) == [str(d) for d in range(1, 11)]
    # Transfers lower the headcount in the poorest decile, where the poor are.
    poorest = report["by_decile"]["1"]
    assert poorest["fgt0_after"] < poorest["fgt0_before"]
