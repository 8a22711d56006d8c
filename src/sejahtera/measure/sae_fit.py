"""The Fay–Herriot area-level model: the variance of the area effects, EBLUPs and their MSE.

For each sampled area ``i`` the direct estimate ``y_i`` is modelled as

    y_i = x_i'β + v_i + e_i,   v_i ~ N(0, A),   e_i ~ N(0, ψ_i),   ψ_i known

(Fay & Herriot 1979; Rao & Molina 2015, *Small Area Estimation*, 2nd ed., chapter 6). Here ``A`` is
σ²_v. Given ``A`` the weights are ``w_i = 1 / (A + ψ_i)``, β̂ is the weighted least-squares fit and
the EBLUP shrinks the direct estimate towards it: ``θ̂_i = γ_i y_i + (1 − γ_i) x_i'β̂`` with
``γ_i = A / (A + ψ_i)``. An area without a sample gets the synthetic estimate ``x_i'β̂``.

``A`` is found by REML, ML or the Fay–Herriot moment equation: a first Fisher-scoring (or Newton)
step, then secant steps, each guarded by a bracket so that a step never leaves the interval known
to hold the root. When the estimating equation is not positive at zero, ``Â = 0`` and every
estimate is synthetic.

The MSE estimates are second-order approximations, ``g1 + g2 + 2 g3 − b ∂g1/∂A``:
Prasad & Rao (1990) for REML (``b = 0``), Datta & Lahiri (2000) for ML, and Datta, Rao & Smith
(2005) for the moment method. For an area without a sample the MSE of the synthetic estimator is
``A + x'(X'WX)⁻¹x − b`` (the same expression when ψ_i grows without bound).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from sejahtera.errors import SejahteraError

Method = Literal["reml", "ml", "fh"]
METHODS: tuple[Method, ...] = ("reml", "ml", "fh")
Equation = Callable[[float], tuple[float, float]]


@dataclass(frozen=True)
class Fit:
    """The fitted model: ``variance`` is Â (σ̂²_v); ``beta_cov`` is (X'ŴX)⁻¹."""

    method: Method
    variance: float
    beta: np.ndarray
    beta_cov: np.ndarray
    iterations: int
    log_likelihood: float  # Gaussian log-likelihood at (β̂, Â), the same form for every method


@dataclass(frozen=True)
class Prediction:
    """Per area: shrinkage factor, synthetic part, estimate and MSE (sampled areas first)."""

    gamma: np.ndarray
    synthetic: np.ndarray
    estimate: np.ndarray
    mse: np.ndarray


class _Weighted:
    """Weighted least squares at a given A."""

    def __init__(self, y: np.ndarray, psi: np.ndarray, x: np.ndarray, variance: float) -> None:
        self.w = 1.0 / (variance + psi)
        self.wx = self.w[:, None] * x
        self.cov = np.linalg.inv(x.T @ self.wx)
        self.beta = self.cov @ (self.wx.T @ y)
        self.resid = y - x @ self.beta


def fit(
    y: np.ndarray,
    psi: np.ndarray,
    x: np.ndarray,
    method: Method = "reml",
    tolerance: float = 1e-10,
    max_iterations: int = 200,
) -> Fit:
    """Estimate A, then β̂ and its covariance at Â."""
    areas, parameters = x.shape
    equations: dict[Method, Callable[[float], tuple[float, float]]] = {
        "reml": lambda a: _reml(_Weighted(y, psi, x, a)),
        "ml": lambda a: _ml(_Weighted(y, psi, x, a)),
        "fh": lambda a: _moment(_Weighted(y, psi, x, a), areas - parameters),
    }
    scale = float(np.median(psi))
    # Start from the simple moment estimate (residual variance of OLS less the mean ψ) when it
    # is larger than the typical ψ, so that a large A is reached in a few steps.
    ols = np.linalg.lstsq(x, y, rcond=None)[0]
    spread = float(np.sum((y - x @ ols) ** 2)) / max(areas - parameters, 1) - float(psi.mean())
    start = max(scale, spread)
    variance, iterations = _root(equations[method], start, scale, tolerance, max_iterations)
    at = _Weighted(y, psi, x, variance)
    log_likelihood = -0.5 * float(np.sum(np.log(2 * np.pi / at.w) + at.w * at.resid**2))
    return Fit(method, variance, at.beta, at.cov, iterations, log_likelihood)


def _reml(at: _Weighted) -> tuple[float, float]:
    """REML score and Fisher information in A, with P = W − WX(X'WX)⁻¹X'W."""
    w, cov = at.w, at.cov
    xw2x = at.wx.T @ at.wx
    xw3x = at.wx.T @ (w[:, None] * at.wx)
    c2 = cov @ xw2x
    trace_p = w.sum() - np.trace(c2)
    trace_p2 = np.sum(w**2) - 2 * np.trace(cov @ xw3x) + np.trace(c2 @ c2)
    score = 0.5 * (np.sum((w * at.resid) ** 2) - trace_p)
    return float(score), float(0.5 * trace_p2)


def _ml(at: _Weighted) -> tuple[float, float]:
    score = 0.5 * (np.sum((at.w * at.resid) ** 2) - at.w.sum())
    return float(score), float(0.5 * np.sum(at.w**2))


def _moment(at: _Weighted, degrees: int) -> tuple[float, float]:
    """Fay–Herriot's equation Σ w r² = m − p; its slope is −Σ w² r² (β̂ minimises Σ w r²)."""
    value = np.sum(at.w * at.resid**2) - degrees
    return float(value), float(np.sum((at.w * at.resid) ** 2))


def _root(
    equation: Equation, start: float, scale: float, tolerance: float, limit: int
) -> tuple[float, int]:
    """Zero of an equation positive below its root and negative above, A ≥ 0.

    ``equation(a)`` gives the value and a positive slope (minus the derivative, or the Fisher
    information). The first step is Newton's (Fisher scoring for REML and ML); later steps use
    the secant through the last two points, which converges faster than scoring when the
    expected information is far from the observed one. A step is taken only inside the bracket
    known to hold the root; otherwise the bracket is doubled (no upper end yet) or halved. A
    value not above zero at A = 0 gives A = 0.
    """
    low, high = 0.0, math.inf
    a, zero_tried = start, False
    before: tuple[float, float] | None = None
    for iteration in range(1, limit + 1):
        value, slope = equation(a)
        if a == 0.0 and value <= 0:
            return 0.0, iteration
        if value > 0:
            low = a
        else:
            high = a
        if before is not None and before[0] != a:
            secant = (before[1] - value) / (a - before[0])
            slope = secant if secant > 0 else slope
        before = (a, value)
        step = a + value / slope if slope > 0 else math.copysign(math.inf, value)
        if low < step < high:
            following = step
        elif step <= low and low == 0.0 and not zero_tried:
            following, zero_tried = 0.0, True
        elif math.isinf(high):
            following = 2 * a + scale
        else:
            following = 0.5 * (low + high)
        if abs(following - a) <= tolerance * (a + scale) and following > 0:
            return following, iteration
        a = following
    raise SejahteraError("sae.no_convergence", iterations=limit)


def _bias(fit: Fit, psi: np.ndarray, x: np.ndarray) -> tuple[float, float]:
    """Asymptotic variance of Â and its bias to order 1/m, for the fitting method."""
    w = 1.0 / (fit.variance + psi)
    areas = len(psi)
    if fit.method == "fh":
        total = w.sum()
        return 2 * areas / total**2, 2 * (areas * np.sum(w**2) - total**2) / total**3
    information = np.sum(w**2)
    variance = 2 / information
    if fit.method == "reml":
        return variance, 0.0
    wx = w[:, None] * x
    return variance, -float(np.trace(fit.beta_cov @ (wx.T @ wx))) / information


def predict(
    fit: Fit, y: np.ndarray, psi: np.ndarray, x: np.ndarray, x_out: np.ndarray
) -> Prediction:
    """EBLUPs and MSEs for sampled areas (y, ψ, x), then synthetic ones for the rows of x_out."""
    a = fit.variance
    gamma = a / (a + psi)
    synthetic = x @ fit.beta
    estimate = gamma * y + (1 - gamma) * synthetic
    variance_a, bias_a = _bias(fit, psi, x)
    leverage = np.einsum("ij,jk,ik->i", x, fit.beta_cov, x)
    g1 = gamma * psi
    g2 = (1 - gamma) ** 2 * leverage
    g3 = psi**2 / (a + psi) ** 3 * variance_a
    mse = g1 + g2 + 2 * g3 - bias_a * (1 - gamma) ** 2
    out = x_out @ fit.beta
    mse_out = a + np.einsum("ij,jk,ik->i", x_out, fit.beta_cov, x_out) - bias_a
    return Prediction(
        gamma=np.concatenate([gamma, np.zeros(len(x_out))]),
        synthetic=np.concatenate([synthetic, out]),
        estimate=np.concatenate([estimate, out]),
        mse=np.maximum(np.concatenate([mse, mse_out]), 0.0),
    )
