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

import itertools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from sejahtera.measure.quantiles import QuantileMethod, bandwidth, density, sorted_quantile

ATKINSON_EPSILONS = (0.5, 1.0, 2.0)


Part = Callable[[int, int], np.ndarray]  # the influence on rows start:end


@dataclass(frozen=True)
class Lazy:
    """An influence computed on demand, for any run of rows (``part(start, end)``).

    ``moments``, when set, gives ``(Σ w·u, Σ (w·u)²)`` over all rows without building ``u``:
    influences made of steps are linear in y between a few cut points, so prefix sums of w², w²y
    and w²y² give these sums directly (what a design without strata or PSUs needs).
    """

    part: Part
    n: int
    moments: Callable[[], tuple[float, float]] | None = None


@dataclass(frozen=True)
class Value:
    """An estimate, its influence on the group's rows, and its slope in a relative line.

    The influence is an array or a :class:`Lazy` one: the engine asks for it block by block, so
    that the rows it works on stay in the processor's cache.
    """

    estimate: float
    source: np.ndarray | Lazy | None
    line_slope: float = 0.0

    @property
    def influence(self) -> np.ndarray | None:
        """The whole influence vector (None when not computed)."""
        if isinstance(self.source, Lazy):
            return self.source.part(0, self.source.n)
        return self.source

    def part(self, start: int, end: int) -> np.ndarray:
        """The influence on rows ``start:end``."""
        if isinstance(self.source, Lazy):
            return self.source.part(start, end)
        assert self.source is not None
        return self.source[start:end]


NAN = Value(math.nan, None)


@dataclass(frozen=True)
class Step:
    """An influence on sorted rows: ``slope·y + below`` on the first ``k`` rows, ``above`` after.

    Quantiles and incomes below a quantile have influences of this shape; sums of them are built
    in one pass over the rows (:meth:`Segment.combine`) instead of one pass per term.
    """

    k: int
    below: float
    above: float
    slope: float = 1.0


def gini(values: np.ndarray, weights: np.ndarray) -> float:
    """The weighted Gini of ``values`` (any order), without its influence."""
    order = np.argsort(values, kind="stable")
    y, w = values[order], weights[order]
    return _gini(y, w, np.cumsum(w), float(np.dot(w, y)))


def _gini(
    y: np.ndarray,
    w: np.ndarray,
    cumulative_weight: np.ndarray,
    total: float,
    wy: np.ndarray | None = None,
) -> float:
    area = float(np.dot(w * y if wy is None else wy, cumulative_weight - w / 2))
    return 2 * area / (float(cumulative_weight[-1]) * total) - 1


def _from_zero(values: np.ndarray) -> np.ndarray:
    """Running sums with a leading zero: element ``i`` is the sum of the first ``i`` values."""
    running = np.empty(len(values) + 1)
    running[0] = 0.0
    np.cumsum(values, out=running[1:])
    return running


def _power(y: np.ndarray, exponent: float) -> np.ndarray:
    """``y ** exponent``, with the common exponents through their faster functions."""
    if exponent == 0.5:
        return np.sqrt(y)
    if exponent == -1:
        return np.reciprocal(y)
    return y**exponent


class Segment:
    """One group's welfare sorted ascending, with weights and (optionally) per-row lines.

    With ``influence=False`` only estimates are computed (no standard errors, e.g. bootstrap
    replicates), which roughly halves the work.
    """

    def __init__(
        self,
        y: np.ndarray,
        w: np.ndarray,
        line: np.ndarray | float | None = None,
        method: QuantileMethod = "eurostat",
        influence: bool = True,
    ) -> None:
        self.y = y
        self.w = w
        self._poverty: dict[float | None, tuple[np.ndarray, np.ndarray]] = {}
        self._density: dict[float, float] = {}
        self.line = line
        self.method = method
        self.influence = influence
        self.n = len(y)
        # Running sums with a leading zero (what step moments read) and, as views, without.
        self._from_zero_w = _from_zero(w)
        self.cw = self._from_zero_w[1:]
        self.W = float(self.cw[-1])
        self.wy = w * y
        self._from_zero_wy = _from_zero(self.wy)
        self.cwy = self._from_zero_wy[1:]
        self.T = float(self.cwy[-1])
        self.mu = self.T / self.W

    @property
    def line(self) -> np.ndarray | float | None:
        """The rows' own poverty lines (absolute lines)."""
        return self._line

    @line.setter
    def line(self, value: np.ndarray | float | None) -> None:
        self._line = value
        self._poverty.clear()  # who is poor depends on the lines

    @staticmethod
    def pieces(
        terms: list[tuple[float, Step]], y: float, constant: float, start: int, end: int
    ) -> Iterator[tuple[int, int, float, float]]:
        """The runs of rows ``start:end`` on which ``constant + y·y_k + Σ c·step_k`` is ``a + b·y``.

        Yields ``(low, high, a, b)``: between two step cut points every step is either below
        its cut (``slope·y + below``) or above it (``above``).
        """
        cuts = sorted({start, end, *(min(max(step.k, start), end) for _, step in terms)})
        for low, high in itertools.pairwise(cuts):
            a, b = constant, y
            for coefficient, step in terms:
                if low < step.k:
                    a += coefficient * step.below
                    b += coefficient * step.slope
                else:
                    a += coefficient * step.above
            yield low, high, a, b

    def combine(
        self,
        terms: list[tuple[float, Step]],
        y: float = 0.0,
        constant: float = 0.0,
        start: int = 0,
        end: int | None = None,
    ) -> np.ndarray:
        """``constant + y·y_k + Σ coefficient·step_k`` for rows ``start:end``, in one pass."""
        end = self.n if end is None else end
        u = np.empty(end - start)
        for low, high, a, b in self.pieces(terms, y, constant, start, end):
            piece = u[low - start : high - start]
            if b:
                np.multiply(self.y[low:high], b, out=piece)
                piece += a
            else:
                piece[:] = a
        return u

    def lazy(self, part: Part) -> Lazy:
        return Lazy(part, self.n)

    def steps(self, terms: list[tuple[float, Step]], y: float = 0.0, constant: float = 0.0) -> Lazy:
        """:meth:`combine` on demand, with its weighted moments from prefix sums."""
        return Lazy(
            lambda start, end: self.combine(terms, y, constant, start, end),
            self.n,
            lambda: self.step_moments(terms, y, constant),
        )

    @cached_property
    def _prefix(self) -> tuple[np.ndarray, ...]:
        """Running sums from 0 of w, w·y, w², w²·y and w²·y², each with a leading zero."""
        term = self.w * self.w
        w2 = _from_zero(term)
        term *= self.y
        w2y = _from_zero(term)
        term *= self.y
        return self._from_zero_w, self._from_zero_wy, w2, w2y, _from_zero(term)

    def step_moments(
        self, terms: list[tuple[float, Step]], y: float = 0.0, constant: float = 0.0
    ) -> tuple[float, float]:
        """``Σ w·u`` and ``Σ (w·u)²`` of :meth:`combine`'s ``u`` over all rows."""
        w, wy, w2, w2y, w2y2 = self._prefix
        first = second = 0.0
        for low, high, a, b in self.pieces(terms, y, constant, 0, self.n):
            first += a * (w[high] - w[low]) + b * (wy[high] - wy[low])
            second += (
                a * a * (w2[high] - w2[low])
                + 2 * a * b * (w2y[high] - w2y[low])
                + b * b * (w2y2[high] - w2y2[low])
            )
        return first, second

    # -- quantiles ---------------------------------------------------------------------------
    def quantile(self, p: float) -> float:
        return sorted_quantile(self.y, self.cw, p, self.method)

    @cached_property
    def bandwidth(self) -> float:
        return bandwidth(self.y, self.w, self.cw)

    def density(self, at: float) -> float:
        if at not in self._density:  # a relative line's FGT(0) and poor count both ask for it
            self._density[at] = density(self.y, self.w, self.W, at, self.bandwidth)
        return self._density[at]

    def at_or_below(self, q: float) -> int:
        """How many rows have y ≤ q."""
        return int(np.searchsorted(self.y, q, side="right"))

    def quantile_value(self, p: float) -> Value:
        q = self.quantile(p)
        if not self.influence:
            return Value(q, None)
        f = self.density(q)
        if f <= 0:
            return Value(q, None)
        scale = self.W * f
        step = Step(self.at_or_below(q), -(1 - p) / scale, p / scale, slope=0.0)
        return Value(q, self.steps([(1.0, step)]))

    def income_below(self, p: float) -> tuple[float, Step]:
        """Σ w y 1(y ≤ q_p) and its influence y 1(y ≤ q) − q (1(y ≤ q) − p), as a step."""
        q = self.quantile(p)
        k = self.at_or_below(q)
        total = float(self.cwy[k - 1]) if k else 0.0
        return total, Step(k, -q * (1 - p), q * p)

    # -- central tendency --------------------------------------------------------------------
    def mean(self) -> Value:
        if not self.influence:
            return Value(self.mu, None)
        return Value(self.mu, self.steps([], y=1 / self.W, constant=-self.mu / self.W))

    # -- poverty -----------------------------------------------------------------------------
    def lines(self, z: float | None) -> np.ndarray | float:
        if z is not None:
            return z
        if self.line is None:
            raise ValueError("no poverty line")
        return self.line

    def poverty(self, z: float | None) -> tuple[np.ndarray, np.ndarray]:
        """Who is poor against ``z`` (or the rows' own lines), and their normalised gaps."""
        if z not in self._poverty:
            lines = self.lines(z)
            poor = self.y < lines
            self._poverty[z] = poor, np.where(poor, (lines - self.y) / lines, 0.0)
        return self._poverty[z]

    def fgt(self, alpha: int, z: float | None = None) -> Value:
        """FGT(α) against ``z`` (a relative line) or the segment's own lines."""
        poor, gap = self.poverty(z)
        g = poor.astype(np.float64) if alpha == 0 else gap if alpha == 1 else gap**alpha
        value = float(np.dot(self.w, g)) / self.W
        if not self.influence:
            return Value(value, None)
        slope = 0.0
        if z is not None:
            if alpha == 0:
                slope = self.density(z)
            else:
                inner = 1.0 if alpha == 1 else gap[poor] ** (alpha - 1)
                slope = float(np.dot(self.w[poor], alpha * inner * self.y[poor])) / (z * z * self.W)
        total = self.W
        return Value(value, self.lazy(lambda start, end: (g[start:end] - value) / total), slope)

    def poor_count(self, z: float | None = None) -> Value:
        headcount = self.fgt(0, z)
        poor, _ = self.poverty(z)
        part = self.lazy(lambda start, end: poor[start:end].astype(np.float64))
        return Value(
            headcount.estimate * self.W,
            part if self.influence else None,
            headcount.line_slope * self.W,
        )

    # -- inequality --------------------------------------------------------------------------
    def gini(self) -> Value:
        y, w, cw, cwy = self.y, self.w, self.cw, self.cwy
        if self.T <= 0:
            return NAN
        g = _gini(y, w, cw, self.T, self.wy)
        if not self.influence:
            return Value(g, None)
        # Ties share the derivative of their whole group: use the running totals at its end.
        last = np.flatnonzero(np.r_[y[1:] != y[:-1], True])
        tie_end = np.repeat(last, np.diff(np.r_[-1, last]))
        total, people = self.T, self.W

        def part(start: int, end: int) -> np.ndarray:
            ends, values = tie_end[start:end], y[start:end]
            d = values * cw[ends] + total - cwy[ends]
            return (2 * d - (g + 1) * (total + people * values)) / (people * total)

        return Value(g, self.lazy(part))

    def theil(self) -> Value:
        if self.y[0] < 0 or self.T <= 0:
            return NAN
        if self._log_y is not None:  # all positive
            ylogy = self.y * self._log_y[0]
        else:  # 0 · log 0 = 0
            ylogy = np.where(self.y > 0, self.y * np.log(np.where(self.y > 0, self.y, 1.0)), 0.0)
        s = float(np.dot(self.w, ylogy))
        value = s / self.T - math.log(self.mu)
        if not self.influence:
            return Value(value, None)
        y, total, people = self.y, self.T, self.W

        def part(start: int, end: int) -> np.ndarray:
            values = y[start:end]
            return ylogy[start:end] / total - (s / total**2 + 1 / total) * values + 1 / people

        return Value(value, self.lazy(part))

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
        if not self.influence:
            return Value(value, None)
        y, income, people = self.y, self.T, self.W

        def part(start: int, end: int) -> np.ndarray:
            return y[start:end] / income - log_y[start:end] / people + (total / people - 1) / people

        return Value(value, self.lazy(part))

    def atkinson(self, epsilon: float) -> Value:
        if epsilon == 1:
            if self._log_y is None:
                return NAN
            log_y, total = self._log_y
            m = math.exp(total / self.W)
        else:
            if self.y[0] < 0 or (epsilon > 1 and self.y[0] <= 0):
                return NAN
            power = _power(self.y, 1 - epsilon)
            r = float(np.dot(self.w, power))
            m = (r / self.W) ** (1 / (1 - epsilon))
        ratio = m / self.mu
        if not self.influence:
            return Value(1 - ratio, None)
        y, mu, people = self.y, self.mu, self.W

        def part(start: int, end: int) -> np.ndarray:
            mean_growth = (y[start:end] - mu) / (people * mu)
            if epsilon == 1:
                growth = (log_y[start:end] - total / people) / people
            else:
                growth = (power[start:end] / r - 1 / people) / (1 - epsilon)
            return -ratio * (growth - mean_growth)

        return Value(1 - ratio, self.lazy(part))

    def share_ratio(self, top: float, bottom: float, of_means: bool = False) -> Value:
        """Income of the top ``top`` share over income of the bottom ``bottom`` share.

        With ``of_means`` it is the ratio of the two groups' mean incomes, as laeken computes the
        S80/S20 ratio; the two agree when each group holds exactly its share of the population.
        """
        low, u_low = self.income_below(bottom)
        below_top, u_below_top = self.income_below(1 - top)
        high = self.T - below_top
        if low <= 0 or high <= 0:  # nobody strictly above the top cut-off: undefined
            return NAN
        ratio = high / low
        extra = 0.0
        if of_means:
            people_low = float(self.cw[u_low.k - 1])
            people_high = self.W - float(self.cw[u_below_top.k - 1])
            ratio *= people_low / people_high
            # To first order the groups' sizes are pW: their influence is the constant p.
            extra = bottom / people_low - top / people_high
        if not self.influence:
            return Value(ratio, None)
        # ratio · ((y − u_below_top) / high − u_low / low + extra)
        terms = [(-ratio / high, u_below_top), (-ratio / low, u_low)]
        return Value(ratio, self.steps(terms, y=ratio / high, constant=ratio * extra))

    def decile_shares(self) -> list[Value]:
        """Each decile's share of income: (I(q_d) − I(q_d−1)) / T, I the income at or below."""
        shares = []
        previous, step_previous = 0.0, Step(0, 0.0, 0.0)
        for decile in range(1, 11):
            if decile == 10:  # all income: its influence is y everywhere
                below, step = self.T, Step(self.n, 0.0, 0.0)
            else:
                below, step = self.income_below(decile / 10)
            share = (below - previous) / self.T
            influence = None
            if self.influence:
                terms = [(1 / self.T, step), (-1 / self.T, step_previous)]
                influence = self.steps(terms, y=-share / self.T)
            shares.append(Value(share, influence))
            previous, step_previous = below, step
        return shares
