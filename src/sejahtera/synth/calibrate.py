"""Solve for the consumption scale and level that reproduce published poverty and inequality.

Log consumption per capita is ``level[area] + scale[area] * index`` where ``index`` is the welfare
index a household draws (location, household composition, standing, luck). The Gini depends on
the scale only; given the scale, the level puts the poverty line at the published headcount.
Headcounts and the Gini are person-based, as BPS computes them: households weigh by their size.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from sejahtera.measure.indicators import gini
from sejahtera.measure.quantiles import weighted_quantile as measured_quantile
from sejahtera.synth.facts import ProvinceTargets

probit = NormalDist().inv_cdf  # standard normal quantile


def weighted_quantile(values: np.ndarray, weights: np.ndarray, p: float) -> float:
    """Smallest value whose cumulative weight share reaches ``p``."""
    return measured_quantile(values, weights, p, method="inverse_cdf")


@dataclass(frozen=True)
class Scaling:
    level_urban: float
    scale_urban: float
    level_rural: float
    scale_rural: float

    def log_consumption(self, index: np.ndarray, urban: np.ndarray) -> np.ndarray:
        return np.where(
            urban,
            self.level_urban + self.scale_urban * index,
            self.level_rural + self.scale_rural * index,
        )


def _bisect(function: Callable[[float], float], target: float, low: float, high: float) -> float:
    """Root of the increasing ``function(x) = target`` on [low, high], to about 1e-9."""
    for _ in range(42):
        middle = (low + high) / 2
        if function(middle) < target:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def solve(
    index: np.ndarray, urban: np.ndarray, persons: np.ndarray, targets: ProvinceTargets
) -> Scaling:
    """Scaling that puts the sample exactly on the targets."""
    areas = {True: targets.urban, False: targets.rural}
    masks = {flag: urban == flag for flag in (True, False)}
    # The index value at the headcount does not depend on the scale: find it once per area.
    cuts = {
        flag: weighted_quantile(index[mask], persons[mask], areas[flag].p0)
        for flag, mask in masks.items()
        if mask.any()
    }

    def level(scale: float, is_urban: bool) -> float:
        if is_urban not in cuts:
            return 0.0
        return float(np.log(areas[is_urban].line) - scale * cuts[is_urban])

    def area_gini(scale: float, is_urban: bool) -> float:
        mask = masks[is_urban]
        return gini(np.exp(scale * index[mask]), persons[mask])

    if targets.urban.gini and targets.rural.gini and len(cuts) == 2:
        scale_u = _bisect(lambda s: area_gini(s, True), targets.urban.gini, 0.01, 5.0)
        scale_r = _bisect(lambda s: area_gini(s, False), targets.rural.gini, 0.01, 5.0)
    else:

        def overall(scale: float) -> float:
            trial = Scaling(level(scale, True), scale, level(scale, False), scale)
            return gini(np.exp(trial.log_consumption(index, urban)), persons)

        scale_u = scale_r = _bisect(overall, targets.gini, 0.01, 5.0)
    return Scaling(level(scale_u, True), scale_u, level(scale_r, False), scale_r)
