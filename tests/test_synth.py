"""The synthetic generator: determinism, geography, calibration to published figures, realism.

Published figures come from ../shared/reference/facts/di-yogyakarta.md (BPS releases); poverty
and inequality are recomputed here independently of the generator's own calibration code.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sejahtera.data.dataset import Dataset
from sejahtera.data.regions import registry
from sejahtera.data.validate import validate_dataset
from sejahtera.errors import SejahteraError
from sejahtera.synth import SynthOptions, synthesise

# BPS DIY, March 2025 (release of 25 July 2025), and Gini March 2025 (BPS).
P0_DIY, P0_URBAN, P0_RURAL, GINI_DIY = 0.1023, 0.1016, 0.1046, 0.426
BOTTOM40_SHARE = 0.1648  # BPS DIY, September 2024
POOR_HOUSEHOLD_SIZE = 4.32  # BPS DIY, September 2024
CENSUS_2020 = {"34.01": 436395, "34.02": 985770, "34.03": 747161, "34.04": 1125804, "34.71": 373589}
WORKING_AGE_SHARE = 0.7072  # SP2020, Indonesia, aged 15-64


def lorenz_gini(values: np.ndarray, weights: np.ndarray) -> float:
    """Gini as one minus twice the area under the Lorenz curve (trapezoids)."""
    order = np.argsort(values)
    w, y = weights[order], values[order] * weights[order]
    population = np.concatenate([[0], np.cumsum(w) / w.sum()])
    income = np.concatenate([[0], np.cumsum(y) / y.sum()])
    area = np.sum(np.diff(population) * (income[1:] + income[:-1]) / 2)
    return 1 - 2 * area


@pytest.fixture(scope="module")
def frames(diy: Dataset) -> tuple[pd.DataFrame, pd.DataFrame]:
    households, persons = diy.households(), diy.persons()
    households["size"] = households["household_id"].map(persons.groupby("household_id").size())
    households["people"] = households["weight"] * households["size"]
    households["poor"] = households["consumption_pc"] < households["poverty_line"]
    return households, persons


def headcount(households: pd.DataFrame) -> float:
    return float(np.average(households["poor"], weights=households["people"]))


def test_same_seed_gives_the_same_bytes(tmp_path: Path) -> None:
    options = SynthOptions("34.02", 12_000, seed=3, batch_size=5_000)
    first = synthesise(options, tmp_path / "a")
    synthesise(options, tmp_path / "b")
    other = synthesise(SynthOptions("34.02", 12_000, seed=4, batch_size=5_000), tmp_path / "c")
    assert len(first.manifest.files) == 6  # three parts of households and of persons
    for relative in [*first.manifest.files, "dataset.json"]:
        assert (tmp_path / "a" / relative).read_bytes() == (tmp_path / "b" / relative).read_bytes()
    assert first.manifest.files != other.manifest.files


def test_every_kecamatan_and_desa_is_populated(frames) -> None:
    households, _ = frames
    names = registry()
    assert set(households["district_code"]) == {r.code for r in names.descendants("34", "district")}
    assert set(households["village_code"]) == {r.code for r in names.descendants("34", "village")}


def test_households_follow_population(frames) -> None:
    households, _ = frames
    share = households.groupby("regency_code")["people"].sum() / households["people"].sum()
    census = pd.Series(CENSUS_2020) / sum(CENSUS_2020.values())
    assert np.allclose(share.sort_index(), census.sort_index(), atol=0.005)
    # Desa of Kapanewon Sleman with their 2020 census counts (de.wikipedia, from BPS SP2020).
    counted = {
        "34.04.13.2001": 14969,
        "34.04.13.2002": 18984,
        "34.04.13.2003": 15316,
        "34.04.13.2004": 12652,
        "34.04.13.2005": 9967,
    }
    inside = households[households["district_code"] == "34.04.13"]
    persons_by_desa = inside.groupby("village_code")["people"].sum()
    expected = pd.Series(counted) / sum(counted.values())
    assert np.allclose(persons_by_desa / persons_by_desa.sum(), expected.sort_index(), atol=0.02)


def test_weights_represent_the_census_population(frames) -> None:
    households, _ = frames
    assert households["people"].sum() == pytest.approx(sum(CENSUS_2020.values()), rel=0.01)


def test_poverty_rate_matches_bps(frames) -> None:
    households, _ = frames
    urban = households["urban"]
    assert headcount(households) == pytest.approx(P0_DIY, abs=0.008)
    assert headcount(households[urban]) == pytest.approx(P0_URBAN, abs=0.012)
    assert headcount(households[~urban]) == pytest.approx(P0_RURAL, abs=0.015)
    assert (
        households.loc[urban, "poverty_line"].iloc[0]
        > households.loc[~urban, "poverty_line"].iloc[0]
    )


def test_inequality_matches_bps(frames) -> None:
    households, _ = frames
    values = households["consumption_pc"].to_numpy()
    weights = households["people"].to_numpy()
    assert lorenz_gini(values, weights) == pytest.approx(GINI_DIY, abs=0.015)
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order]) / weights.sum()
    spending = (values * weights)[order]
    assert spending[cumulative <= 0.4].sum() / spending.sum() == pytest.approx(
        BOTTOM40_SHARE, abs=0.015
    )


def test_kabupaten_keep_their_published_ranking(frames) -> None:
    households, _ = frames
    rates = households.groupby("regency_code").apply(headcount, include_groups=False)
    # Published: Kulon Progo 15.6 %, Gunungkidul 14.2 %, Bantul 11.7 %, Sleman 6.7 %, Kota 6.3 %.
    assert (
        min(rates["34.01"], rates["34.03"]) > rates["34.02"] > max(rates["34.04"], rates["34.71"])
    )


def test_kecamatan_differ(frames) -> None:
    households, _ = frames
    rates = households.groupby("district_code").apply(headcount, include_groups=False)
    assert rates.std() > 0.02
    assert rates.max() - rates.min() > 0.08


def test_household_size_and_age_structure(frames) -> None:
    households, persons = frames
    assert 2.9 < households["size"].mean() < 3.6
    poor_size = np.average(
        households.loc[households["poor"], "size"],
        weights=households.loc[households["poor"], "weight"],
    )
    assert poor_size == pytest.approx(POOR_HOUSEHOLD_SIZE, abs=0.5)
    assert poor_size > households.loc[~households["poor"], "size"].mean() + 0.5
    ages = persons["age"]
    assert ((ages >= 15) & (ages <= 64)).mean() == pytest.approx(WORKING_AGE_SHARE, abs=0.04)
    assert 0.08 < (ages >= 60).mean() < 0.17
    heads = persons[persons["relationship"] == "head"]
    assert len(heads) == len(households)
    assert 0.10 < (heads["sex"] == "F").mean() < 0.25


def test_housing_assets_and_pmt_follow_consumption(frames) -> None:
    households, _ = frames
    log_c = np.log(households["consumption_pc"])
    floor_rank = households["floor_type"].map(
        {"earth": 0, "bamboo": 1, "wood": 2, "cement": 3, "tile": 4, "ceramic": 5}
    )
    assert np.corrcoef(floor_rank, log_c)[0, 1] > 0.2
    assert households.groupby("owns_refrigerator")["consumption_pc"].median().diff().iloc[-1] > 0
    r_squared = np.corrcoef(households["pmt_score"], log_c)[0, 1] ** 2
    assert 0.3 < r_squared < 0.9
    shares = households["desil"].value_counts(normalize=True).sort_index()
    assert list(shares.index) == list(range(1, 11))
    assert np.allclose(shares, 0.1, atol=0.02)
    by_desil = households.groupby("desil").apply(headcount, include_groups=False)
    assert by_desil.iloc[0] > 3 * P0_DIY and by_desil.iloc[-1] < 0.01


def test_persons_attributes_by_age(frames) -> None:
    _, persons = frames
    pregnant = persons[persons["pregnant"]]
    assert len(pregnant) > 0
    assert (pregnant["sex"] == "F").all() and pregnant["age"].between(15, 49).all()
    enrolled = persons.groupby(pd.cut(persons["age"], [6, 12, 15, 18, 23]), observed=True)[
        "enrolled"
    ].mean()
    assert enrolled.iloc[0] > 0.95 and enrolled.iloc[1] > 0.9
    assert 0.5 < enrolled.iloc[2] < 0.85 and 0.15 < enrolled.iloc[3] < 0.45
    assert persons.loc[persons["enrolled"], "school_level"].notna().all()
    assert persons.loc[~persons["enrolled"], "school_level"].isna().all()
    assert (persons.loc[persons["school_level"] == "sd", "age"] <= 12).all()
    disabled = persons.groupby(persons["age"] >= 60)["disability_severe"].mean()
    assert disabled[True] > 2 * disabled[False]
    assert persons.loc[persons["age"] < 15, "employed"].sum() == 0


def test_programmes_have_realistic_targeting_errors(frames) -> None:
    households, persons = frames
    poor = households["poor"]
    for column in ("receives_pkh", "receives_sembako"):
        received = households[column]
        exclusion = 1 - np.average(received[poor], weights=households.loc[poor, "weight"])
        assert 0.2 < exclusion < 0.8, column  # many poor households are not reached
        assert (~poor[received]).mean() > 0.2, column  # many recipients are not poor
        assert received[poor].mean() > 3 * received[~poor].mean(), column  # but it targets
    assert households["receives_pkh"].mean() == pytest.approx(0.108, abs=0.02)
    assert households["receives_sembako"].mean() == pytest.approx(0.202, abs=0.02)
    pbi_people = np.average(households["receives_pbi"], weights=households["size"])
    assert pbi_people == pytest.approx(0.34, abs=0.03)
    in_pbi = persons["household_id"].isin(
        households.loc[households["receives_pbi"], "household_id"]
    )
    assert persons.loc[in_pbi, "has_jkn"].all()


def test_synthetic_dataset_passes_validation(diy: Dataset) -> None:
    report = validate_dataset(diy)
    assert not report, report.to_table()
    assert diy.manifest.synthetic
    notes = json.loads((diy.path / "dataset.json").read_text())["generator"]["notes"]["34"]
    assert any("derived" in note for note in notes)


def test_kabupaten_and_kecamatan_regions(tmp_path: Path) -> None:
    gunungkidul = synthesise(SynthOptions("34.03", 3_000, seed=1), tmp_path / "gk").households()
    assert set(gunungkidul["regency_code"]) == {"34.03"}
    assert len(gunungkidul) == 3_000
    sleman = synthesise(SynthOptions("34.04.13", 1_000, seed=1), tmp_path / "kec").households()
    assert set(sleman["district_code"]) == {"34.04.13"}
    assert sleman["village_code"].nunique() == 5


def test_province_without_kecamatan_detail(tmp_path: Path) -> None:
    households = synthesise(SynthOptions("33", 5_000, seed=1), tmp_path / "jateng").households()
    assert households["regency_code"].nunique() == 35
    assert households["district_code"].isna().all()
    weights = households["weight"] * 1.0
    assert weights.gt(0).all()


def test_national_run_spreads_over_provinces(tmp_path: Path) -> None:
    options = SynthOptions("ID", 20_000, seed=1, batch_size=10_000, calibration_households=8_000)
    dataset = synthesise(options, tmp_path / "id", progress=None)
    households = dataset.households(["province_code"])
    counts = households["province_code"].value_counts()
    assert len(counts) == 38
    assert counts.idxmax() == "32"  # Jawa Barat is the most populous province
    assert dataset.households(["household_id"])["household_id"].is_unique


@pytest.mark.parametrize("region", ["99", "34.99", "33.01.01", "34.04.13.2001", "not-a-code"])
def test_unknown_or_undetailed_region_is_refused(tmp_path: Path, region: str) -> None:
    with pytest.raises(SejahteraError):
        synthesise(SynthOptions(region, 100, seed=1), tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_jkn_coverage_follows_the_seed(tmp_path: Path) -> None:
    """Every random draw comes from the seeded stream: other seeds, other draws."""
    draws = []
    for seed in (3, 4):
        dataset = synthesise(SynthOptions("34.71", 3_000, seed=seed), tmp_path / str(seed))
        households = dataset.households(["household_id", "receives_pbi"])
        persons = dataset.persons(["household_id", "has_jkn"])
        pbi = households.loc[households["receives_pbi"], "household_id"]
        draws.append((persons["has_jkn"].to_numpy(), persons["household_id"].isin(pbi).to_numpy()))
    (first, first_pbi), (second, second_pbi) = draws
    size = min(len(first), len(second))
    outside_pbi = ~first_pbi[:size] & ~second_pbi[:size]  # where has_jkn is a random draw
    assert (first[:size] == second[:size])[outside_pbi].mean() < 0.8
