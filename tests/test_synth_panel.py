"""The synthetic evaluation panel (`sejahtera synth --panel`): its design, and a known effect that
an independent estimator recovers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from linearmodels.panel import PanelOLS

from sejahtera.cli import main
from sejahtera.data.dataset import Dataset
from sejahtera.errors import SejahteraError
from sejahtera.synth import SynthOptions, synthesise
from sejahtera.synth import panel as design


def build(folder: Path, seed: int, waves: int = 3, households: int = 8_000) -> Dataset:
    return synthesise(SynthOptions("34", households, seed, panel_waves=waves), folder / str(seed))


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    return build(tmp_path_factory.mktemp("panel"), seed=5, waves=4)


def test_one_row_per_household_and_wave_with_the_truth_recorded(dataset: Dataset) -> None:
    panel = dataset.extra("panel")
    households = dataset.households(["household_id"])
    assert len(panel) == 4 * len(households)
    waves = panel.groupby("household_id")["wave"].apply(lambda w: tuple(sorted(w)))
    assert all(w == (0, 1, 2, 3) for w in waves)
    assert sorted(panel["year"].unique()) == [2022, 2023, 2024, 2025]  # the last is the dataset's
    truth = dataset.manifest.generator["panel"]
    assert truth["waves"] == 4
    assert truth["true_effect"] == {"consumption_pc": 60_000.0, "enrolment_rate": 0.06}
    Dataset.open(dataset.path, verify=True)  # the panel's checksum is recorded and checked


def test_the_programme_rolls_out_by_kecamatan(dataset: Dataset) -> None:
    panel = dataset.extra("panel")
    starts = panel.groupby("district_code")["area_start_wave"].agg(["nunique", "first"])
    assert (starts["nunique"] <= 1).all()  # one start wave per kecamatan (none: never)
    never = starts["first"].isna().mean()
    count = len(starts)
    # About 40% of kecamatan never get it: within 3 binomial standard deviations.
    assert abs(never - design.NEVER) < 3 * np.sqrt(design.NEVER * (1 - design.NEVER) / count)
    assert set(starts["first"].dropna()) <= {1, 2, 3}
    started = panel["area_start_wave"].notna() & (panel["wave"] >= panel["area_start_wave"])
    assert panel["post"].equals(started)
    assert not panel.loc[~started, "receives"].any()  # nobody receives before their kecamatan


def test_eligibility_is_a_sharp_pmt_cut_off_and_receipt_a_fuzzy_one(dataset: Dataset) -> None:
    panel = dataset.extra("panel")
    line = np.log(design.ELIGIBLE_LINE * panel["poverty_line"])
    assert panel["eligible"].equals(panel["pmt_score"] < line)
    started = panel[panel["post"]]
    take_up = started.loc[started["eligible"], "receives"].mean()
    leakage = started.loc[~started["eligible"], "receives"].mean()
    assert abs(take_up - design.TAKE_UP) < 0.05 and leakage < 0.04


def twfe(panel: pd.DataFrame, outcome: str) -> tuple[float, float]:
    """Two-way fixed effects by linearmodels, clustered by kecamatan: independent of our code."""
    data = panel[[outcome, "receives", "district_code", "household_id", "wave"]].dropna()
    data = data.set_index(["household_id", "wave"])
    clusters = data["district_code"].astype("category").cat.codes.to_frame("kecamatan")
    fit = PanelOLS(
        data[outcome], data[["receives"]].astype(float), entity_effects=True, time_effects=True
    ).fit(cov_type="clustered", clusters=clusters)
    return float(fit.params["receives"]), float(fit.std_errors["receives"])


def test_the_true_effects_are_recovered_on_most_seeds(tmp_path: Path) -> None:
    covered = {"consumption_pc": 0, "enrolment_rate": 0}
    seeds = range(11, 17)
    for seed in seeds:
        panel = build(tmp_path, seed, waves=3).extra("panel")
        for outcome, truth in (("consumption_pc", 60_000.0), ("enrolment_rate", 0.06)):
            estimate, se = twfe(panel, outcome)
            covered[outcome] += abs(estimate - truth) < 1.96 * se
    # A 95% interval covers the truth on 6 seeds at least 5 times unless the design is biased.
    assert covered["consumption_pc"] >= 5 and covered["enrolment_rate"] >= 5, covered


def test_the_same_seed_gives_the_same_panel(tmp_path: Path, dataset: Dataset) -> None:
    again = build(tmp_path, seed=5, waves=4)
    assert again.manifest.files["panel.parquet"] == dataset.manifest.files["panel.parquet"]


def test_a_tampered_panel_is_refused(tmp_path: Path) -> None:
    built = build(tmp_path, seed=2, waves=2, households=500)
    (built.path / "panel.parquet").write_bytes(b"not the panel")
    with pytest.raises(SejahteraError) as caught:
        Dataset.open(built.path)
    assert caught.value.key == "dataset.checksum"


def test_waves_out_of_range_are_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["--lang", "en", "synth", "--region", "34", "--households", "10", "--out",
         str(tmp_path / "x"), "--panel", "9"],
    )  # fmt: skip
    assert result.exit_code == 2 and "between 2 and 6" in result.output
    assert not (tmp_path / "x").exists()
