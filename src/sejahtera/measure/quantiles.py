"""Weighted quantiles and the kernel density that linearises them.

The default definition is Eurostat's for EU-SILC (the one the laeken package implements): sort the
values, take the cumulative weight share ``F_k``; the p-quantile is the first value with
``F_k > p``, or the mean of that value and the next when ``F_k`` equals ``p`` exactly. Two other
definitions are options:

``inverse_cdf``
    the first value with ``F_k >= p`` (no averaging; Hyndman–Fan type 1 with weights);
``interpolate``
    linear interpolation between values placed at the midpoints of their weight,
    ``(C_k - w_k / 2) / W`` (with equal weights this is Hyndman–Fan type 5).
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

QuantileMethod = Literal["eurostat", "inverse_cdf", "interpolate"]
QUANTILE_METHODS: tuple[QuantileMethod, ...] = ("eurostat", "inverse_cdf", "interpolate")
# Shares closer than this to p count as equal to it: cumulative sums of weights carry rounding.
TIE = 1e-12


def sorted_quantile(
    y: np.ndarray, cumulative_weight: np.ndarray, p: float, method: QuantileMethod = "eurostat"
) -> float:
    """The p-quantile of ascending ``y`` whose running weight total is ``cumulative_weight``."""
    n = len(y)
    total = cumulative_weight[-1]
    if p <= 0:
        return float(y[0])
    if p >= 1:
        return float(y[-1])
    if method == "interpolate":
        weights = np.diff(cumulative_weight, prepend=0.0)
        held = weights > 0  # a row of zero weight (an undrawn bootstrap PSU) is not there
        position = (cumulative_weight[held] - weights[held] / 2) / total
        return float(np.interp(p, position, y[held]))
    target = p * total
    k = min(int(np.searchsorted(cumulative_weight, target * (1 - TIE), side="left")), n - 1)
    if method == "eurostat" and abs(cumulative_weight[k] - target) <= TIE * total:
        # Average with the next row that carries weight.
        after = int(np.searchsorted(cumulative_weight, cumulative_weight[k], side="right"))
        if after < n:
            return float((y[k] + y[after]) / 2)
    if method not in QUANTILE_METHODS:
        raise ValueError(f"unknown quantile method {method!r}")
    return float(y[k])


def weighted_quantile(
    values: np.ndarray, weights: np.ndarray, p: float, method: QuantileMethod = "eurostat"
) -> float:
    """The p-quantile of ``values`` under ``weights`` (any order)."""
    order = np.argsort(values, kind="stable")
    return sorted_quantile(values[order], np.cumsum(weights[order]), p, method)


def bandwidth(y: np.ndarray, w: np.ndarray, cumulative_weight: np.ndarray) -> float:
    """Silverman's rule of thumb with weighted spread, on the number of observations."""
    total = cumulative_weight[-1]
    mean = float(np.dot(w, y) / total)
    sd = math.sqrt(max(float(np.dot(w, (y - mean) ** 2) / total), 0.0))
    iqr = sorted_quantile(y, cumulative_weight, 0.75) - sorted_quantile(y, cumulative_weight, 0.25)
    spread = min(sd, iqr / 1.349) if iqr > 0 else sd
    return 1.06 * spread * len(y) ** -0.2 if spread > 0 else 1.0


def density(y: np.ndarray, w: np.ndarray, total: float, at: float, h: float) -> float:
    """Gaussian kernel estimate of the weighted density of ``y`` (total weight ``total``) at ``at``.

    Only values within eight bandwidths matter (``y`` is sorted), which keeps it cheap on large
    groups.
    """
    low, high = np.searchsorted(y, [at - 8 * h, at + 8 * h])
    z = (y[low:high] - at) / h
    mass = float(np.dot(w[low:high], np.exp(-0.5 * z * z)))
    return mass / (total * h * math.sqrt(2 * math.pi))
