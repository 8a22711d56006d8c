"""Regression discontinuity at an eligibility cut-off: did crossing the PMT score threshold (a desil
rank, an age limit, …) change the outcome of the households just on the eligible side?

``rdd(frame, outcome, running, cutoff, side=...)`` returns an
:class:`~sejahtera.evaluate.result.Evaluation` (method ``rdd``). The estimation is rdrobust's
(Calonico, Cattaneo & Titiunik 2014; Calonico, Cattaneo, Farrell & Titiunik 2017): a local
polynomial on each side of the cut-off, a data-driven MSE-optimal bandwidth (``mserd``) and robust
bias-corrected inference; the manipulation check is rddensity's (Cattaneo, Jansson & Ma 2020).
This module prepares the data, refuses designs that cannot identify an effect, and reads the
results.

**Eligible side and sign.** ``side="below"``: a household is eligible (treated) when its score
is at or below the cut-off, as with the rulesets' PMT ceilings; ``side="above"``: at or above it.
Every estimate is *eligible side minus the other side*, so a positive number reads "being
eligible raised the outcome". (rdrobust itself always takes the side at or above the cut-off as
treated; for ``side="below"`` it is given the mirrored score ``cutoff − score``.)

**Sharp and fuzzy.** Without ``treatment`` the design is sharp: the estimate is the effect of
being eligible. With ``treatment=COLUMN`` (who receives the programme, 0/1: take-up) the design is
fuzzy, as rdrobust's ``fuzzy``: the estimate is the effect of receiving the programme for the
households whose receipt the cut-off decides: the jump in the outcome divided by the jump in
take-up. The first stage (the jump in take-up on the eligible side) is in
``diagnostics["first_stage"]``.

**Weights and missing values** as in every estimator (:mod:`.columns`): ``weights`` (survey
weights) multiply rdrobust's kernel weights and weight rdplot's binned means; the density test
counts households unweighted. Rows missing a used value are left out, counted in
``dropped_missing`` and named in a caveat.

**Rows** (practice of Cattaneo, Idrobo & Titiunik 2020, *A Practical Introduction to Regression
Discontinuity Designs: Foundations*, section 4):

- ``rd_effect``, the main row: rdrobust's conventional point estimate with the *robust
  bias-corrected* standard error, p-value and 95% interval. That interval is centred on the
  bias-corrected estimate, so it need not be symmetric around the point estimate.
- ``rd_conventional``, ``rd_bias_corrected``, ``rd_robust``: rdrobust's three rows as it prints
  them (the bias-corrected row has the conventional standard error).

``n`` is the number of observations inside the bandwidth, both sides.

**Diagnostics** (``below``/``above`` are the sides of the cut-off, whichever is eligible):
``design``, ``cutoff``, ``treated_side``, ``kernel``, ``polynomial`` (p), ``bias_polynomial`` (q),
``bandwidth_method``, ``bandwidth`` (h), ``bias_bandwidth`` (b), ``n``, ``n_effective``,
``dropped_missing``, ``weights``, ``variance`` (rdrobust's ``NN`` or, with ``cluster``, ``CR1``),
``clusters``, ``covariates``, ``density_test`` (``statistic``: positive when households are denser
just on the eligible side; ``p_value``; ``bandwidth``; ``n_effective``; ``None`` when it could not
be computed) and, when fuzzy, ``first_stage`` (``jump``, ``se``, ``p_value``, ``ci_low``,
``ci_high`` as in the main row; ``f_statistic``, the squared conventional z; ``take_up`` fitted
just below and just above the cut-off).

**Plot** (``Evaluation.plot``, drawn by the report): ``cutoff``, ``treated_side``, ``x`` and ``y``
(the column names), ``bandwidth``; ``bins``: binned means of the outcome over the whole score range
from rdplot with evenly spaced bins whose number minimises the integrated MSE (``binselect="es"``),
each ``{side, x (the bin's midpoint), x_low, x_high, y, n}``; ``fit``: the local polynomial of
order p that the estimate comes from, inside the bandwidth, one ``{side, x, y}`` curve a side
(without covariate adjustment; in a sharp design without covariates its jump at the cut-off is the
point estimate); ``global_fit``: rdplot's global polynomial of order 4, a curve a side.
"""

from __future__ import annotations

import contextlib
import io
import math
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from sejahtera.errors import SejahteraError
from sejahtera.evaluate.columns import complete_rows, positive_weights
from sejahtera.evaluate.result import LEVEL, Caveat, Estimate, Evaluation, NotIdentified

Side = Literal["below", "above"]
Kernel = Literal["triangular", "epanechnikov", "uniform"]

MIN_NEAR = 20  # observations needed on each side, inside the bandwidth
NO_JUMP = 0.01  # a first stage smaller than this (1 point of take-up) identifies nothing
WEAK_JUMP = 0.10  # a first stage below 10 points of take-up is weak …
WEAK_F = 10.0  # … and so is one whose F (squared z) is below 10 (Staiger & Stock's rule of thumb)
SIGNIFICANCE = 1 - LEVEL  # the density test rejects, and a first stage is significant, below this
MASS_SHARE = 0.2  # rdrobust's rule: a fifth of a side's observations repeat a score value
FEW_CLUSTERS = 10  # clusters a side inside the bandwidth below which cluster errors are unreliable
MAX_POLYNOMIAL = 4  # higher orders overfit at the cut-off (Gelman & Imbens 2019)
PLOT_POINTS = 50  # points of each fitted curve
BIN_SELECT = "es"  # rdplot: evenly spaced bins, IMSE-optimal number

_KERNELS = {"triangular": "tri", "epanechnikov": "epa", "uniform": "uni"}
_ROWS = ["Conventional", "Bias-Corrected", "Robust"]
_TERMS = ("rd_conventional", "rd_bias_corrected", "rd_robust")


@dataclass(frozen=True)
class _Sample:
    """Complete rows in rdrobust's coordinates: ``u`` is the score measured from the cut-off
    towards the eligible side (``u >= 0`` is eligible)."""

    y: np.ndarray
    u: np.ndarray
    d: np.ndarray | None
    z: np.ndarray | None
    g: np.ndarray | None
    w: np.ndarray | None


@dataclass(frozen=True)
class _Axis:
    """Back from rdrobust's coordinates to the score: ``x = cutoff + sign * u``."""

    cutoff: float
    sign: float  # +1 when the eligible side is above the cut-off, -1 when below

    def x(self, u: Any) -> Any:
        return self.cutoff + self.sign * u

    def names(self) -> tuple[str, str]:
        """The sides of the score that rdrobust's left (``u < 0``) and right sides are."""
        return ("below", "above") if self.sign > 0 else ("above", "below")

    def sides(self, left: Any, right: Any) -> dict[str, Any]:
        """rdrobust's left and right values, keyed by the side of the score."""
        left_name, right_name = self.names()
        return {"below": None, "above": None} | {left_name: left, right_name: right}

    def side(self, u: float) -> str:
        return self.names()[0 if u < 0 else 1]


def rdd(
    frame: pd.DataFrame,
    outcome: str,
    running: str,
    cutoff: float,
    *,
    side: Side,
    treatment: str | None = None,
    covariates: Sequence[str] = (),
    kernel: Kernel = "triangular",
    bandwidth: float | tuple[float, float] | None = None,
    polynomial: int = 1,
    cluster: str | None = None,
    weights: str | None = None,
) -> Evaluation:
    """The effect on ``outcome`` of being on the eligible ``side`` of ``cutoff`` in ``running``.

    ``side`` has no default: the same data give opposite signs for the two sides.
    ``treatment`` names the column of who receives the programme (a fuzzy design);
    ``covariates`` adjust the estimate; ``bandwidth`` replaces the data-driven one (one number,
    or one below and one above); ``cluster`` names the column whose groups share errors
    (village, district); ``weights`` the survey weights. Rows missing any of these values are
    left out and counted. Raises :class:`NotIdentified` when the design cannot give an effect.
    """
    covariates = tuple(covariates)
    cutoff = _check_options(side, kernel, bandwidth, polynomial, cutoff)
    axis = _Axis(cutoff, 1.0 if side == "above" else -1.0)
    rows = complete_rows(frame, [outcome, running, treatment, *covariates, cluster, weights])
    sample = _sample(rows.data, axis, outcome, running, treatment, covariates, cluster, weights)
    h = _manual_bandwidth(bandwidth, axis)
    _check_support(sample, axis, running, treatment, h)
    fit = _rdrobust(sample, kernel, h, polynomial)
    left, right = (int(n) for n in fit.N_h)
    if min(left, right) < MIN_NEAR:
        raise NotIdentified(
            "evaluate.rdd_too_few_near_cutoff",
            running=running,
            cutoff=cutoff,
            minimum=MIN_NEAR,
            **axis.sides(left, right),
        )
    diagnostics = _diagnostics(fit, sample, axis, side, kernel, bandwidth, covariates)
    diagnostics |= {"dropped_missing": rows.dropped, "weights": weights}
    caveats: list[Caveat] = []
    if treatment is not None:
        diagnostics["first_stage"] = first = _first_stage(fit, axis)
        caveats += _first_stage_caveats(first, treatment)
    _check_finite(fit)
    diagnostics["density_test"] = density = _density(sample.u, axis)
    caveats += _design_caveats(sample, fit, density, axis, running, cluster) + rows.caveats()
    plot = {"cutoff": cutoff, "treated_side": side, "x": running, "y": outcome}
    plot |= _plot(sample, fit, axis)
    return Evaluation("rdd", outcome, _estimates(fit, left + right), diagnostics, caveats, plot)


def _check_options(
    side: str, kernel: str, bandwidth: object, polynomial: object, cutoff: object
) -> float:
    """The options, checked before any data is read; returns the cut-off as a float."""
    if side not in get_args(Side):
        _bad_option("side", side, get_args(Side))
    if kernel not in get_args(Kernel):
        _bad_option("kernel", kernel, get_args(Kernel))
    if isinstance(polynomial, bool) or polynomial not in range(MAX_POLYNOMIAL + 1):
        _bad_option("polynomial", polynomial, [str(p) for p in range(MAX_POLYNOMIAL + 1)])
    if bandwidth is not None:
        try:
            values = np.asarray(bandwidth, dtype=float).reshape(-1)
        except (TypeError, ValueError):
            values = np.array([np.nan])
        if values.size not in (1, 2) or not np.all(np.isfinite(values) & (values > 0)):
            _bad_option("bandwidth", bandwidth, ["> 0", "(> 0, > 0)"])
    try:
        value = float(cutoff)
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value):
        _bad_option("cutoff", cutoff, ["a number"])
    return value


def _bad_option(option: str, value: object, allowed: Sequence[str]) -> None:
    raise SejahteraError(
        "evaluate.rdd_bad_option", option=option, value=value, allowed=", ".join(allowed)
    )


def _sample(
    frame: pd.DataFrame,
    axis: _Axis,
    outcome: str,
    running: str,
    treatment: str | None,
    covariates: tuple[str, ...],
    cluster: str | None,
    weights: str | None,
) -> _Sample:
    """The named columns of the complete rows in ``frame`` as float arrays."""
    given = [treatment] if treatment else []
    numeric = list(dict.fromkeys([outcome, running, *given, *covariates]))
    arrays = {}
    for column in numeric:
        values = frame[column]
        if not (pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)):
            raise NotIdentified("evaluate.rdd_not_numeric", column=column)
        arrays[column] = values.to_numpy(dtype=float)
    return _Sample(
        y=arrays[outcome],
        u=axis.sign * (arrays[running] - axis.cutoff),
        d=arrays[treatment] if treatment else None,
        z=np.column_stack([arrays[c] for c in covariates]) if covariates else None,
        g=pd.factorize(frame[cluster])[0] if cluster else None,
        w=positive_weights(frame, weights),
    )


def _manual_bandwidth(bandwidth: object, axis: _Axis) -> list[float] | None:
    """A bandwidth given as one number or (below, above), in rdrobust's (left, right) order."""
    if bandwidth is None:
        return None
    below, above = np.broadcast_to(np.asarray(bandwidth, dtype=float).reshape(-1), (2,))
    return [float(below), float(above)] if axis.sign > 0 else [float(above), float(below)]


def _check_support(
    sample: _Sample, axis: _Axis, running: str, treatment: str | None, h: list[float] | None
) -> None:
    """Refuse, before estimating, data with no comparison to make at the cut-off."""
    u = sample.u
    if u.size > 1 and u.min() == u.max():
        raise NotIdentified(
            "evaluate.rdd_running_constant", running=running, value=float(axis.x(u[0]))
        )
    counts = axis.sides(int((u < 0).sum()), int((u >= 0).sum()))
    if u.size == 0 or u.min() >= 0 or u.max() <= 0:
        raise NotIdentified("evaluate.rdd_one_side", running=running, cutoff=axis.cutoff, **counts)
    if h is not None:  # only those inside a bandwidth given by hand count
        counts = axis.sides(int(((u < 0) & (u > -h[0])).sum()), int(((u >= 0) & (u < h[1])).sum()))
    if min(counts.values()) < MIN_NEAR:
        raise NotIdentified(
            "evaluate.rdd_too_few_near_cutoff",
            running=running,
            cutoff=axis.cutoff,
            minimum=MIN_NEAR,
            **counts,
        )
    if sample.d is not None and np.unique(sample.d).size < 2:
        raise NotIdentified(
            "evaluate.rdd_no_treatment_variation", treatment=treatment, value=float(sample.d[0])
        )


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence rdrobust and rddensity: they print notes ("Mass points detected …") to standard
    output, which would break the CLI's ``--json``, and warn about what we check ourselves."""
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _rdrobust(sample: _Sample, kernel: str, h: list[float] | None, polynomial: int) -> Any:
    """rdrobust's fit, its failures on degenerate data translated into :class:`NotIdentified`."""
    from rdrobust import rdrobust  # imported when used: rdrobust loads plotnine, a slow import

    with _quiet():
        try:
            fit = rdrobust(
                sample.y,
                sample.u,
                c=0.0,
                fuzzy=sample.d,
                covs=sample.z,
                kernel=_KERNELS[kernel],
                h=h,
                p=polynomial,
                cluster=sample.g,
                weights=sample.w,
            )
        except Exception as exc:  # rdrobust raises bare Exception, ValueError, LinAlgError …
            raise NotIdentified("evaluate.rdd_estimation_failed", detail=str(exc)) from exc
    return fit


def _check_finite(fit: Any) -> None:
    """After the first stage is checked: a fuzzy ratio over a nil jump is not finite either."""
    numbers = np.r_[_rows(fit.coef).ravel(), _rows(fit.se).ravel(), _rows(fit.ci).ravel()]
    if not np.all(np.isfinite(numbers)):
        raise NotIdentified("evaluate.rdd_estimation_failed", detail="no finite estimate")


def _rows(table: pd.DataFrame) -> np.ndarray:
    """rdrobust's Conventional, Bias-Corrected and Robust rows, by name."""
    return table.loc[_ROWS].to_numpy(dtype=float)


def _estimates(fit: Any, n: int) -> list[Estimate]:
    coef, se, pv = (_rows(table)[:, 0].tolist() for table in (fit.coef, fit.se, fit.pv))
    ci = _rows(fit.ci).tolist()
    conventional, bias_corrected, robust = (
        Estimate(term, coef[i], se[i], n, p_value=pv[i], ci_low=ci[i][0], ci_high=ci[i][1])
        for i, term in enumerate(_TERMS)
    )
    main = Estimate(
        "rd_effect",
        conventional.estimate,
        robust.se,
        n,
        p_value=robust.p_value,
        ci_low=robust.ci_low,
        ci_high=robust.ci_high,
    )
    return [main, conventional, bias_corrected, robust]


def _pair(table: pd.DataFrame, row: str) -> tuple[float, float]:
    left, right = table.loc[row, ["left", "right"]].to_numpy(dtype=float)
    return float(left), float(right)


def _diagnostics(
    fit: Any,
    sample: _Sample,
    axis: _Axis,
    side: str,
    kernel: str,
    bandwidth: object,
    covariates: tuple[str, ...],
) -> dict[str, object]:
    clusters = None
    if sample.g is not None:
        clusters = axis.sides(int(fit.n_clust_l), int(fit.n_clust_r))
    return {
        "design": "sharp" if sample.d is None else "fuzzy",
        "cutoff": axis.cutoff,
        "treated_side": side,
        "kernel": kernel,
        "polynomial": int(fit.p),
        "bias_polynomial": int(fit.q),
        "bandwidth_method": "mserd" if bandwidth is None else "manual",
        "bandwidth": axis.sides(*_pair(fit.bws, "h")),
        "bias_bandwidth": axis.sides(*_pair(fit.bws, "b")),
        "n": axis.sides(*(int(n) for n in fit.N)),
        "n_effective": axis.sides(*(int(n) for n in fit.N_h)),
        "variance": str(fit.vce),
        "clusters": clusters,
        "covariates": list(covariates),
    }


def _first_stage(fit: Any, axis: _Axis) -> dict[str, Any]:
    """The jump in take-up on the eligible side, read as the main row is."""
    tau, se, pv = (_rows(t)[:, 0] for t in (fit.tau_T, fit.se_T, fit.pv_T))
    ci = _rows(fit.ci_T)
    take_up = axis.sides(float(fit.beta_T_p_l[0]), float(fit.beta_T_p_r[0]))
    return {
        "jump": float(tau[0]),
        "se": float(se[2]),
        "p_value": float(pv[2]),
        "ci_low": float(ci[2, 0]),
        "ci_high": float(ci[2, 1]),
        "f_statistic": float((tau[0] / se[0]) ** 2) if se[0] > 0 else math.inf,
        "take_up": take_up,
    }


def _first_stage_caveats(first: dict[str, Any], treatment: str) -> list[Caveat]:
    jump, p, f = (float(first[k]) for k in ("jump", "p_value", "f_statistic"))
    if abs(jump) < NO_JUMP:
        raise NotIdentified("evaluate.rdd_no_first_stage", treatment=treatment, jump=jump)
    if jump < WEAK_JUMP or p >= SIGNIFICANCE or f < WEAK_F:
        values = {"treatment": treatment, "jump": jump, "p": p}
        return [Caveat("evaluate.rdd_weak_first_stage", values, severe=True)]
    return []


def _density(u: np.ndarray, axis: _Axis) -> dict[str, Any] | None:
    """rddensity's manipulation test (jackknife variance, robust bias-corrected statistic), or
    ``None`` when it cannot be computed on these data."""
    from rddensity import rddensity

    with _quiet():
        try:
            test = rddensity(X=u, c=0.0)
        except Exception:  # a failed check is reported as a caveat, not as a failed estimate
            return None
        statistic, p = float(test.test["t_jk"]), float(test.test["p_jk"])
        h, n = test.h, test.n
    if not (math.isfinite(statistic) and math.isfinite(p)):
        return None
    return {
        "statistic": statistic,
        "p_value": p,
        "bandwidth": axis.sides(float(h["left"]), float(h["right"])),
        "n_effective": axis.sides(int(n["eff_left"]), int(n["eff_right"])),
    }


def _design_caveats(
    sample: _Sample,
    fit: Any,
    density: dict[str, Any] | None,
    axis: _Axis,
    running: str,
    cluster: str | None,
) -> list[Caveat]:
    caveats = []
    if density is None:
        caveats.append(Caveat("evaluate.rdd_density_unavailable", {"running": running}))
    elif density["p_value"] < SIGNIFICANCE:
        values = {"running": running, "cutoff": axis.cutoff, "p": density["p_value"]}
        caveats.append(Caveat("evaluate.manipulation", values, severe=True))
    sides = (sample.u[sample.u < 0], sample.u[sample.u >= 0])
    if any(1 - np.unique(s).size / s.size >= MASS_SHARE for s in sides):
        caveats.append(Caveat("evaluate.rdd_mass_points", {"running": running}))
    if cluster is not None and min(fit.n_clust_l, fit.n_clust_r) < FEW_CLUSTERS:
        counts = axis.sides(int(fit.n_clust_l), int(fit.n_clust_r))
        values = {"cluster": cluster, "minimum": FEW_CLUSTERS, **counts}
        caveats.append(Caveat("evaluate.rdd_few_clusters", values))
    h_left, h_right = _pair(fit.bws, "h")
    low, high = sorted([float(axis.x(-h_left)), float(axis.x(h_right))])
    caveats.append(Caveat("evaluate.rdd_local", {"running": running, "low": low, "high": high}))
    return caveats


def _plot(sample: _Sample, fit: Any, axis: _Axis) -> dict[str, object]:
    h_left, h_right = _pair(fit.bws, "h")
    u_low, u_high = float(sample.u.min()), float(sample.u.max())
    grids = (
        np.linspace(max(-h_left, u_low), 0.0, PLOT_POINTS),
        np.linspace(0.0, min(h_right, u_high), PLOT_POINTS),
    )
    fits = [
        _curve(grid, np.polynomial.polynomial.polyval(grid, beta[:, 0]), axis, side)
        for grid, beta, side in zip(grids, (fit.beta_p_l, fit.beta_p_r), (-1, 1), strict=True)
    ]
    return {"bandwidth": axis.sides(h_left, h_right), "fit": fits, **_binned(sample, axis)}


def _curve(u: np.ndarray, y: np.ndarray, axis: _Axis, side: int) -> dict[str, object]:
    """One side's curve in score coordinates, in increasing score."""
    x = axis.x(u)
    order = np.argsort(x)
    return {"side": axis.side(side), "x": x[order].tolist(), "y": np.asarray(y)[order].tolist()}


def _binned(sample: _Sample, axis: _Axis) -> dict[str, object]:
    """rdplot's binned means and global polynomial; empty lists when rdplot cannot bin."""
    from rdrobust import rdplot

    with _quiet():
        try:
            out = rdplot(
                sample.y, sample.u, c=0.0, binselect=BIN_SELECT, weights=sample.w, hide=True
            )
        except Exception:  # the estimate stands without its picture
            return {"bins": [], "global_fit": []}
    table = out.vars_bins
    bins = []
    for mid, low, high, y, n in table[
        ["rdplot_mean_bin", "rdplot_min_bin", "rdplot_max_bin", "rdplot_mean_y", "rdplot_N"]
    ].itertuples(index=False):
        if n > 0 and math.isfinite(y):
            ends = sorted([float(axis.x(low)), float(axis.x(high))])
            point = {"side": axis.side(mid), "x": float(axis.x(mid))}
            bins.append(point | {"x_low": ends[0], "x_high": ends[1], "y": float(y), "n": int(n)})
    poly = out.vars_poly[["rdplot_x", "rdplot_y"]].to_numpy(dtype=float)
    half = len(poly) // 2  # rdplot stacks the left curve, then the right one, of equal length
    curves = []
    for part, side in ((poly[:half], -1), (poly[half:], 1)):
        pick = np.unique(np.linspace(0, len(part) - 1, PLOT_POINTS).round().astype(int))
        curves.append(_curve(part[pick, 0], part[pick, 1], axis, side))
    return {"bins": sorted(bins, key=lambda b: b["x"]), "global_fit": curves}
