"""Small-area estimation end to end: a Susenas-like sample of a synthetic region, then `sae`.

The registry is the truth. A two-stage sample (desa as PSUs within kabupaten strata, a dozen
households per desa) is representative for the kabupaten but thin for each kecamatan; the
Fay–Herriot estimates, helped by registry auxiliaries, must come closer to the true kecamatan
headcounts than the direct survey estimates do.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from sejahtera.cli import main
from sejahtera.data.dataset import Dataset
from sejahtera.data.frame import household_frame


def two_stage_sample(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    """A quarter of the desa of each kabupaten, then up to 12 households in each."""
    generator = np.random.default_rng(seed)
    parts = []
    for _, regency in frame.groupby("regency_code"):
        villages = regency["village_code"].unique()
        chosen = generator.choice(villages, size=max(2, len(villages) // 4), replace=False)
        for village in chosen:
            households = regency[regency["village_code"] == village]
            take = min(12, len(households))
            picked = households.iloc[generator.choice(len(households), take, replace=False)]
            factor = (len(villages) / len(chosen)) * (len(households) / take)
            parts.append(picked.assign(weight=picked["weight"] * factor))
    sample = pd.concat(parts, ignore_index=True)
    return sample.assign(stratum=sample["regency_code"], psu=sample["village_code"])


@pytest.fixture(scope="module")
def registry_frame(diy: Dataset) -> pd.DataFrame:
    return household_frame(diy)


def truth_and_auxiliaries(frame: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame]:
    people = frame["weight"] * frame["size"]
    poor = (frame["consumption_pc"] < frame["poverty_line"]).astype(float)
    grouped = frame.assign(
        people=people,
        poor_people=people * poor,
        pmt=people * frame["pmt_score"],
        earth=people * (frame["floor_type"] == "earth"),
        low_desil=people * (frame["desil"] <= 2),
    ).groupby("district_code")
    sums = grouped[["people", "poor_people", "pmt", "earth", "low_desil"]].sum()
    truth = sums["poor_people"] / sums["people"]
    auxiliary = pd.DataFrame(
        {
            "district_code": sums.index,
            "mean_pmt": (sums["pmt"] / sums["people"]).to_numpy(),
            "earth_floor": (sums["earth"] / sums["people"]).to_numpy(),
            "low_desil": (sums["low_desil"] / sums["people"]).to_numpy(),
        }
    )
    return truth, auxiliary


def test_fay_herriot_beats_direct_estimates_of_kecamatan_poverty(
    registry_frame: pd.DataFrame, tmp_path: Path
) -> None:
    truth, auxiliary = truth_and_auxiliaries(registry_frame)
    sample = two_stage_sample(registry_frame, seed=4)
    survey = tmp_path / "survey.parquet"
    sample.to_parquet(survey)
    aux_file = tmp_path / "auxiliary.csv"
    auxiliary.to_csv(aux_file, index=False)
    result = CliRunner().invoke(
        main,
        [
            "sae",
            str(survey),
            "--auxiliary",
            str(aux_file),
            "--covariates",
            "mean_pmt,earth_floor,low_desil",
            "--size",
            "size",
            "--strata",
            "stratum",
            "--psu",
            "psu",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = pd.DataFrame(json.loads(result.stdout)).set_index("district_code")
    assert len(rows) == 78  # every kecamatan: sampled ones by EBLUP, the rest synthetic
    assert set(rows["source"]) == {"eblup", "synthetic"}
    sampled = rows[rows["source"] == "eblup"]
    error_model = ((sampled["estimate"] - truth[sampled.index]) ** 2).mean()
    error_direct = ((sampled["direct"] - truth[sampled.index]) ** 2).mean()
    assert error_model < 0.7 * error_direct, (error_model, error_direct)
    # The model's precision is honest: most true rates lie inside the 95% intervals, and the
    # estimated MSE is on the scale of the actual squared errors.
    inside = (rows["ci_low"] <= truth[rows.index]) & (truth[rows.index] <= rows["ci_high"])
    assert inside.mean() > 0.8
    assert 0.4 < (sampled["se"] ** 2).mean() / error_model < 2.5
    assert (sampled["se"] < sampled["direct_se"]).mean() > 0.9


def test_sae_names_a_missing_covariate(registry_frame: pd.DataFrame, tmp_path: Path) -> None:
    _, auxiliary = truth_and_auxiliaries(registry_frame)
    survey = tmp_path / "survey.parquet"
    two_stage_sample(registry_frame, seed=5).to_parquet(survey)
    aux_file = tmp_path / "aux.csv"
    auxiliary.to_csv(aux_file, index=False)
    result = CliRunner().invoke(
        main,
        [
            "--lang",
            "en",
            "sae",
            str(survey),
            "--auxiliary",
            str(aux_file),
            "--covariates",
            "mean_pmt,literacy",
            "--size",
            "size",
        ],
    )
    assert result.exit_code == 2
    assert "literacy" in result.stderr and "aux.csv" in result.stderr
