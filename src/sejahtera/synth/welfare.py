"""Consumption, housing and assets, the proxy-means test, and programme receipt."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sejahtera.synth.calibrate import probit, weighted_quantile

HOUSING = (
    "floor_type",
    "wall_type",
    "roof_type",
    "water_source",
    "toilet",
    "electricity",
    "cooking_fuel",
)
ASSETS = ("owns_motorcycle", "owns_refrigerator", "owns_land")


def welfare_index(
    rng: np.random.Generator,
    effect: np.ndarray,
    status: np.ndarray,
    size: np.ndarray,
    children: np.ndarray,
    elderly: np.ndarray,
) -> np.ndarray:
    """Unscaled log-consumption index: place, standing, household make-up, luck, a heavy top."""
    n = len(size)
    luck = rng.normal(0, 0.5, n)
    top = (rng.random(n) < 0.12) * np.minimum(rng.exponential(0.55, n), 3.0)
    return (
        effect
        + 0.45 * status
        - 0.55 * np.log(size)
        - 0.45 * children / size
        - 0.15 * elderly / size
        + luck
        + top
    )


def draw_housing(
    rng: np.random.Generator,
    welfare: np.ndarray,
    urban: np.ndarray,
    size: np.ndarray,
    facts: dict[str, Any],
) -> dict[str, np.ndarray]:
    """Category index (poorest first) per housing variable, asset flags and floor area.

    ``welfare`` is standardised log consumption per capita.
    """
    housing = facts["housing"]
    loading = housing["welfare_loading"]
    shift = housing["urban_shift"] * urban
    noise_scale = np.sqrt(1 - loading**2)
    out: dict[str, np.ndarray] = {}
    for name in HOUSING:
        shares = np.array(list(housing["categories"][name].values()), dtype=float)
        cuts = [probit(float(p)) for p in np.cumsum(shares / shares.sum())[:-1]]
        latent = loading * welfare + noise_scale * rng.normal(0, 1, len(welfare)) + shift
        out[name] = np.searchsorted(cuts, latent).astype(np.int8)
    for name in ASSETS:
        cut = probit(1 - housing["assets"][name])
        latent = loading * welfare + noise_scale * rng.normal(0, 1, len(welfare))
        if name == "owns_land":
            latent = latent - shift  # land is more often owned in rural areas
        out[name] = latent > cut
    area = housing["floor_area_pc_median_m2"] * np.exp(
        0.3 * welfare - 0.35 * np.log(size / 3) + rng.normal(0, 0.35, len(welfare))
    )
    out["floor_area_pc"] = np.round(area, 1)
    return out


def pmt_features(
    urban: np.ndarray,
    size: np.ndarray,
    children: np.ndarray,
    elderly: np.ndarray,
    head_education: np.ndarray,
    female_head: np.ndarray,
    housing: dict[str, np.ndarray],
) -> np.ndarray:
    """Design matrix of the proxy-means test: what an enumerator can observe."""
    columns = [
        np.ones(len(size)),
        urban.astype(float),
        np.log(size),
        children / size,
        elderly / size,
        female_head.astype(float),
        np.log(housing["floor_area_pc"] + 1),
    ]
    columns += [(head_education == level).astype(float) for level in (1, 2, 3, 4)]
    columns += [housing[name].astype(float) for name in HOUSING]
    columns += [housing[name].astype(float) for name in ASSETS]
    return np.column_stack(columns)


@dataclass(frozen=True)
class Targeting:
    """Fitted on the calibration sample, then applied unchanged to every batch."""

    pmt_coefficients: np.ndarray
    desil_cuts: np.ndarray
    pmt_mean: float
    pmt_sd: float
    pkh_cut: float
    sembako_cut: float
    pbi_cut: float
    noise: float

    def desil(self, pmt: np.ndarray) -> np.ndarray:
        return (np.searchsorted(self.desil_cuts, pmt, side="right") + 1).astype(np.int16)

    def receipt(
        self,
        rng: np.random.Generator,
        pmt: np.ndarray,
        has_component: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        scores = programme_scores(rng, pmt, self.pmt_mean, self.pmt_sd, self.noise)
        return (
            has_component & (scores[0] < self.pkh_cut),
            scores[1] < self.sembako_cut,
            scores[2] < self.pbi_cut,
        )


def programme_scores(
    rng: np.random.Generator, pmt: np.ndarray, mean: float, sd: float, noise: float
) -> np.ndarray:
    """Noisy registry rankings: a shared error (data quality) and one per programme."""
    shared = (pmt - mean) / sd + rng.normal(0, noise, len(pmt))
    return np.stack(
        [shared, shared + rng.normal(0, 0.3, len(pmt)), shared + rng.normal(0, 0.5, len(pmt))]
    )


def fit_targeting(
    rng: np.random.Generator,
    features: np.ndarray,
    log_consumption: np.ndarray,
    persons: np.ndarray,
    has_component: np.ndarray,
    facts: dict[str, Any],
) -> Targeting:
    """Estimate the PMT by least squares, then the cut-offs that give published coverage."""
    coefficients, *_ = np.linalg.lstsq(features, log_consumption, rcond=None)
    coefficients = np.round(coefficients, 6)
    pmt = features @ coefficients
    programmes = facts["programmes"]
    noise = float(programmes["targeting_noise"]["value"])
    mean, sd = float(pmt.mean()), float(pmt.std())
    scores = programme_scores(rng, pmt, mean, sd, noise)
    households = np.ones(len(pmt))
    eligible = has_component
    pkh_share_of_eligible = min(programmes["pkh_household_share"] / max(eligible.mean(), 1e-9), 1.0)
    return Targeting(
        pmt_coefficients=coefficients,
        desil_cuts=np.quantile(pmt, np.arange(1, 10) / 10),
        pmt_mean=mean,
        pmt_sd=sd,
        pkh_cut=weighted_quantile(scores[0][eligible], households[eligible], pkh_share_of_eligible),
        sembako_cut=weighted_quantile(scores[1], households, programmes["sembako_household_share"]),
        pbi_cut=weighted_quantile(scores[2], persons, programmes["pbi_person_share"]),
        noise=noise,
    )
