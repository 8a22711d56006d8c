"""Textbook formulas for the measurement tests, written independently of ``sejahtera.measure``.

Each indicator is computed the plain way (loops, pairwise sums, group tables) so that the tests
compare two different computations of the same number. Nothing here sorts by cumulative weight
or uses an influence function: where a test needs a derivative it takes finite differences.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np


def mean(y: np.ndarray, w: np.ndarray) -> float:
    return sum(wi * yi for yi, wi in zip(y, w, strict=True)) / sum(w)


def fgt(y: np.ndarray, w: np.ndarray, z: float | np.ndarray, alpha: int) -> float:
    """Foster–Greer–Thorbecke: weighted mean of ((z − y)/z)^α over the poor (y < z, strictly)."""
    lines = np.broadcast_to(np.asarray(z, dtype=float), np.shape(y))
    total = 0.0
    for yi, wi, zi in zip(y, w, lines, strict=True):
        if yi < zi:
            total += wi * ((zi - yi) / zi) ** alpha
    return total / sum(w)


def gini(y: np.ndarray, w: np.ndarray) -> float:
    """G = Σ_i Σ_j w_i w_j |y_i − y_j| / (2 W² μ): half the relative mean absolute difference."""
    y, w = np.asarray(y, dtype=float), np.asarray(w, dtype=float)
    pairs = np.abs(y[:, None] - y[None, :]) * w[:, None] * w[None, :]
    big_w = w.sum()
    return float(pairs.sum()) / (2 * big_w**2 * mean(y, w))


def theil(y: np.ndarray, w: np.ndarray) -> float:
    """GE(1) = (1/W) Σ w (y/μ) log(y/μ), with 0 log 0 = 0."""
    mu = mean(y, w)
    total = 0.0
    for yi, wi in zip(y, w, strict=True):
        if yi > 0:
            total += wi * (yi / mu) * math.log(yi / mu)
    return total / sum(w)


def mld(y: np.ndarray, w: np.ndarray) -> float:
    """GE(0) = (1/W) Σ w log(μ/y)."""
    mu = mean(y, w)
    return sum(wi * math.log(mu / yi) for yi, wi in zip(y, w, strict=True)) / sum(w)


def atkinson(y: np.ndarray, w: np.ndarray, epsilon: float) -> float:
    """A(ε) = 1 − (equally distributed equivalent income) / μ."""
    big_w = sum(w)
    if epsilon == 1:
        ede = math.exp(sum(wi * math.log(yi) for yi, wi in zip(y, w, strict=True)) / big_w)
    else:
        power = sum(wi * yi ** (1 - epsilon) for yi, wi in zip(y, w, strict=True)) / big_w
        ede = power ** (1 / (1 - epsilon))
    return 1 - ede / mean(y, w)


INDICATORS: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "mean": mean,
    "gini": gini,
    "theil": theil,
    "mld": mld,
    "atkinson_0.5": lambda y, w: atkinson(y, w, 0.5),
    "atkinson_1": lambda y, w: atkinson(y, w, 1.0),
    "atkinson_2": lambda y, w: atkinson(y, w, 2.0),
}


def design_variance(
    strata: Sequence[object], psu: Sequence[object], weighted_influence: Sequence[float]
) -> float:
    """Σ_h n_h/(n_h − 1) Σ_i (t_hi − t̄_h)² with t_hi the PSU totals of w·u, by explicit loops."""
    totals: dict[object, dict[object, float]] = {}
    for h, i, value in zip(strata, psu, weighted_influence, strict=True):
        stratum = totals.setdefault(h, {})
        stratum[i] = stratum.get(i, 0.0) + float(value)
    variance = 0.0
    for stratum in totals.values():
        n_h = len(stratum)
        average = sum(stratum.values()) / n_h
        variance += n_h / (n_h - 1) * sum((t - average) ** 2 for t in stratum.values())
    return variance


def numerical_influence(
    statistic: Callable[[np.ndarray], float], w: np.ndarray, step: float = 1e-5
) -> np.ndarray:
    """∂ statistic / ∂ w_k for every row, by central differences of relative size ``step``."""
    w = np.asarray(w, dtype=float)
    out = np.empty(len(w))
    for k in range(len(w)):
        delta = step * w[k]
        up, down = w.copy(), w.copy()
        up[k] += delta
        down[k] -= delta
        out[k] = (statistic(up) - statistic(down)) / (2 * delta)
    return out


def quantile(y: Sequence[float], w: Sequence[float], p: float) -> float:
    """Eurostat's p-quantile, walking the sorted values: the first whose weight share passes p.

    For data without a value whose share is exactly p (there Eurostat averages two values).
    """
    pairs = sorted(zip(y, w, strict=True))
    total, running = sum(w), 0.0
    for value, weight in pairs:
        running += weight
        if running / total > p:
            return value
    return pairs[-1][0]


def density(y: Sequence[float], w: Sequence[float], at: float) -> float:
    """Weighted Gaussian kernel density at ``at``, Silverman's bandwidth from the weighted spread.

    h = 1.06 · min(sd, IQR/1.349) · n^(−1/5), the rule the linearised quantiles use.
    """
    total = sum(w)
    mu = mean(np.asarray(y), np.asarray(w))
    sd = math.sqrt(sum(wi * (yi - mu) ** 2 for yi, wi in zip(y, w, strict=True)) / total)
    iqr = quantile(y, w, 0.75) - quantile(y, w, 0.25)
    h = 1.06 * min(sd, iqr / 1.349) * len(y) ** -0.2
    kernel = sum(wi * math.exp(-0.5 * ((yi - at) / h) ** 2) for yi, wi in zip(y, w, strict=True))
    return kernel / (total * h * math.sqrt(2 * math.pi))
