"""Poverty and inequality indicators over one group's sorted welfare, with their influence.

Every indicator returns its value and its influence ``u``: the change in the estimate per unit of
weight added to each row, to first order (``θ̂(w + δ e_k) ≈ θ̂ + δ u_k``). The survey design turns
influences into standard errors (:mod:`sejahtera.measure.design`). An indicator that depends on a
relative poverty line also returns its slope in the line, so that the line's own sampling
variability is carried into the standard error.

Formulas (y ascending, weights w, W = Σw, T = Σwy, μ = T/W, C_k running weight):

* FGT(α) = Σ w ((z−y)/z)^α 1(y<z) / W (Foster, Greer & Thorbecke 1984), strict ``y < z``.
* Gini = 2 Σ w y (C − w/2) / (W T) − 1, no small-sample correction (the weighted formula of
  Eurostat and laeken); its influence follows Langel & Tillé (2013), with ties treated alike.
* Theil GE(1) = Σ w (y/μ) log(y/μ) / W;  MLD GE(0) = Σ w log(μ/y) / W.
* Atkinson(ε) = 1 − M_ε/μ with M_ε the mean of order 1−ε (geometric mean when ε = 1).
* Income below the p-quantile: Σ w y 1(y ≤ q_p), as Eurostat's S80/S20 (top: y > q_80).
* Palma = income of the top 10 % / income of the bottom 40 % (Cobham & Sumner).
* S80/S20 = mean income above q_80 / mean income at or below q_20 (laeken's definition).

A quantile's influence is −(1(y ≤ q) − p) / (W f(q)), with f a Gaussian kernel density.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from sejahtera.measure.quantiles import QuantileMethod, bandwidth, density, sorted_quantile

ATKINSON_EPSILONS = (0.5, 1.0, 2.0)


@dataclass(frozen=True)
class Value:
    """An estimate, its influence on the group's rows, and its slope in a relative line."""

    estimate: float
    influence: np.ndarray | None
    line_slope: float = 0.0


NAN = Value(math.nan, None)


def gini(values: np.ndarray, weights: np.ndarray) -> float:
    """The weighted Gini of ``values`` (any order), without its influence."""
    order = np.argsort(values, kind="stable")
    y, w = values[order], weights[order]
    return _gini(y, w, np.cumsum(w), float(np.dot(w, y)))


def _gini(y: np.ndarray, w: np.ndarray, cumulative_weight: np.ndarray, total: float) -> float:
    area = float(np.dot(w * y, cumulative_weight - w / 2))
    return 2 * area / (float(cumulative_weight[-1]) * total) - 1


class Segment:
    """One group's welfare sorted ascending, with weights and (optionally) per-row lines."""

    def __init__(
        self,
        y: np.ndarray,
        w: np.ndarray,
        line: np.ndarray | float | None = None,
        method: QuantileMethod = "eurostat",
    ) -> None:
        self.y = y
        self.w = w
        self.line = line
        self.method = method
        self.n = len(y)
        self.cw = np.cumsum(w)
        self.W = float(self.cw[-1])
        self.wy = w * y
        self.cwy = np.cumsum(self.wy)
        self.T = float(self.cwy[-1])
        self.mu = self.T / self.W

    # -- quantiles ---------------------------------------------------------------------------
    def quantile(self, p: float) -> float:
        return sorted_quantile(self.y, self.cw, p, self.method)

    @cached_property
    def bandwidth(self) -> float:
        return bandwidth(self.y, self.w, self.cw)

    def density(self, at: float) -> float:
        return density(self.y, self.w, self.W, at, self.bandwidth)

    def at_or_below(self, q: float) -> int:
        """How many rows have y ≤ q."""
        return int(np.searchsorted(self.y, q, side="right"))

    def quantile_value(self, p: float) -> Value:
        q = self.quantile(p)
        f = self.density(q)
        below = np.arange(self.n) < self.at_or_below(q)
        if f <= 0:
            return Value(q, None)
        return Value(q, -(below - p) / (self.W * f))

    def income_below(self, p: float) -> tuple[float, np.ndarray]:
        """Σ w y 1(y ≤ q_p) and its influence y 1(y ≤ q) − q (1(y ≤ q) − p)."""
        q = self.quantile(p)
        k = self.at_or_below(q)
        below = np.zeros(self.n)
        below[:k] = 1.0
        return float(self.cwy[k - 1]) if k else 0.0, self.y * below - q * (below - p)

    # -- central tendency --------------------------------------------------------------------
    def mean(self) -> Value:
        return Value(self.mu, (self.y - self.mu) / self.W)

    # -- poverty -----------------------------------------------------------------------------
    def lines(self, z: float | None) -> np.ndarray | float:
        if z is not None:
            return z
        if self.line is None:
            raise ValueError("no poverty line")
        return self.line

    def fgt(self, alpha: int, z: float | None = None) -> Value:
        """FGT(α) against ``z`` (a relative line) or the segment's own lines."""
        lines = self.lines(z)
        gap = np.clip((lines - self.y) / lines, 0.0, None)
        poor = self.y < lines
        g = poor.astype(np.float64) if alpha == 0 else np.where(poor, gap**alpha, 0.0)
        value = float(np.dot(self.w, g)) / self.W
        slope = 0.0
        if z is not None:
            if alpha == 0:
                slope = self.density(z)
            else:
                inner = np.ones(self.n) if alpha == 1 else gap ** (alpha - 1)
                slope = float(np.dot(self.w[poor], alpha * inner[poor] * self.y[poor])) / (
                    z * z * self.W
                )
        return Value(value, (g - value) / self.W, slope)

    def poor_count(self, z: float | None = None) -> Value:
        headcount = self.fgt(0, z)
        return Value(
            headcount.estimate * self.W,
            (self.y < self.lines(z)).astype(np.float64),
            headcount.line_slope * self.W,
        )

    # -- inequality --------------------------------------------------------------------------
    def gini(self) -> Value:
        y, w, cw, cwy = self.y, self.w, self.cw, self.cwy
        if self.T <= 0:
            return NAN
        g = _gini(y, w, cw, self.T)
        # Ties share the derivative of their whole group: use the running totals at its end.
        last = np.flatnonzero(np.r_[y[1:] != y[:-1], True])
        end = np.repeat(last, np.diff(np.r_[-1, last]))
        d = y * cw[end] + self.T - cwy[end]
        u = (2 * d - (g + 1) * (self.T + self.W * y)) / (self.W * self.T)
        return Value(g, u)

    def theil(self) -> Value:
        if self.y[0] < 0 or self.T <= 0:
            return NAN
        ylogy = np.where(self.y > 0, self.y * np.log(np.where(self.y > 0, self.y, 1.0)), 0.0)
        s = float(np.dot(self.w, ylogy))
        value = s / self.T - math.log(self.mu)
        u = ylogy / self.T - s * self.y / self.T**2 - self.y / self.T + 1 / self.W
        return Value(value, u)

    @cached_property
    def _log_y(self) -> tuple[np.ndarray, float] | None:
        if self.y[0] <= 0:
            return None
        log_y = np.log(self.y)
        return log_y, float(np.dot(self.w, log_y))

    def mld(self) -> Value:
        if self._log_y is None:
            return NAN
        log_y, total = self._log_y
        value = math.log(self.mu) - total / self.W
        u = self.y / self.T - 1 / self.W - log_y / self.W + total / self.W**2
        return Value(value, u)

    def atkinson(self, epsilon: float) -> Value:
        mean_growth = (self.y - self.mu) / (self.W * self.mu)
        if epsilon == 1:
            if self._log_y is None:
                return NAN
            log_y, total = self._log_y
            m = math.exp(total / self.W)
            growth = (log_y - total / self.W) / self.W
        else:
            if self.y[0] < 0 or (epsilon > 1 and self.y[0] <= 0):
                return NAN
            power = self.y ** (1 - epsilon)
            r = float(np.dot(self.w, power))
            m = (r / self.W) ** (1 / (1 - epsilon))
            growth = (power / r - 1 / self.W) / (1 - epsilon)
        ratio = m / self.mu
        return Value(1 - ratio, -ratio * (growth - mean_growth))

    def share_ratio(self, top: float, bottom: float, of_means: bool = False) -> Value:
        """Income of the top ``top`` share over income of the bottom ``bottom`` share.

        With ``of_means`` it is the ratio of the two groups' mean incomes, as laeken computes the
        S80/S20 ratio; the two agree when each group holds exactly its share of the population.
        """
        low, u_low = self.income_below(bottom)
        below_top, u_below_top = self.income_below(1 - top)
        high, u_high = self.T - below_top, self.y - u_below_top
        if low <= 0 or high <= 0:  # nobody strictly above the top cut-off: undefined
            return NAN
        ratio = high / low
        influence = u_high / high - u_low / low
        if of_means:
            people_low = float(self.cw[self.at_or_below(self.quantile(bottom)) - 1])
            people_high = self.W - float(self.cw[self.at_or_below(self.quantile(1 - top)) - 1])
            ratio *= people_low / people_high
            # To first order the groups' sizes are pW: their influence is the constant p.
            influence += bottom / people_low - top / people_high
        return Value(ratio, ratio * influence)

    def decile_shares(self) -> list[Value]:
        shares = []
        previous, u_previous = 0.0, np.zeros(self.n)
        for decile in range(1, 11):
            if decile == 10:
                below, u_below = self.T, self.y
            else:
                below, u_below = self.income_below(decile / 10)
            share = (below - previous) / self.T
            shares.append(Value(share, (u_below - u_previous - share * self.y) / self.T))
            previous, u_previous = below, u_below
        return shares
