"""One number at a time, for notebooks: ``gini(incomes, weights)``, ``fgt(incomes, line, 1)``.

Each function sorts its input and reads one indicator off it, with the definitions of
:func:`~sejahtera.measure.estimate.measure` (which computes many indicators, by group, with
standard errors, in one go). ``weights`` default to 1; ``line`` is a number or one per value.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sejahtera.measure.indicators import Segment
from sejahtera.measure.quantiles import QuantileMethod

Numbers = Sequence[float] | np.ndarray


def _segment(
    welfare: Numbers,
    weights: Numbers | None = None,
    line: float | Numbers | None = None,
    method: QuantileMethod = "eurostat",
) -> Segment:
    y = np.asarray(welfare, dtype=np.float64)
    w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=np.float64)
    if len(y) == 0 or len(w) != len(y) or not np.isfinite(y).all() or not (w > 0).all():
        raise ValueError("welfare must be finite and non-empty, with one positive weight each")
    order = np.argsort(y)
    lines = None
    if line is not None:
        lines = np.broadcast_to(np.asarray(line, dtype=np.float64), y.shape)[order]
        if not (lines > 0).all():
            raise ValueError("poverty lines must be positive")
    return Segment(y[order], w[order], lines, method=method, influence=False)


def fgt(
    welfare: Numbers, line: float | Numbers, alpha: int = 0, weights: Numbers | None = None
) -> float:
    """Foster–Greer–Thorbecke index: P0 (headcount), P1 (gap), P2 (severity); y < line is poor."""
    return _segment(welfare, weights, line).fgt(alpha).estimate


def gini(welfare: Numbers, weights: Numbers | None = None) -> float:
    return _segment(welfare, weights).gini().estimate


def theil(welfare: Numbers, weights: Numbers | None = None) -> float:
    """Theil GE(1)."""
    return _segment(welfare, weights).theil().estimate


def mld(welfare: Numbers, weights: Numbers | None = None) -> float:
    """Mean log deviation GE(0)."""
    return _segment(welfare, weights).mld().estimate


def atkinson(welfare: Numbers, epsilon: float, weights: Numbers | None = None) -> float:
    return _segment(welfare, weights).atkinson(epsilon).estimate


def palma(welfare: Numbers, weights: Numbers | None = None) -> float:
    """Income of the top 10 % over income of the bottom 40 %."""
    return _segment(welfare, weights).share_ratio(0.1, 0.4).estimate


def s80s20(welfare: Numbers, weights: Numbers | None = None) -> float:
    """Mean income of the top quintile over that of the bottom quintile (laeken's definition)."""
    return _segment(welfare, weights).share_ratio(0.2, 0.2, of_means=True).estimate


def decile_shares(welfare: Numbers, weights: Numbers | None = None) -> list[float]:
    return [value.estimate for value in _segment(welfare, weights).decile_shares()]


def quantile(
    welfare: Numbers,
    p: float,
    weights: Numbers | None = None,
    method: QuantileMethod = "eurostat",
) -> float:
    return _segment(welfare, weights, method=method).quantile(p)
