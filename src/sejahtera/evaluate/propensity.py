"""The propensity score and the design around it, for :mod:`sejahtera.evaluate.matching`.

- :func:`prepare` checks the complete rows (:func:`.columns.complete_rows` has left out those
  with a missing value) and builds the covariate columns: numeric and boolean columns
  as they are, text and categorical columns one-hot (one 0/1 column per value; the model leaves
  out the first value as the reference, the balance table shows every value).
- :func:`fit_score` fits the logit of treatment on the covariates (statsmodels GLM, binomial
  family, logit link; survey weights as ``var_weights``) and refuses to go on when the groups are
  separated (see :func:`fit_score`).
- :func:`support`, :func:`trim_bounds`, :func:`balance_table` and :func:`overlap_plot` give the
  common support, the trimming rule, the balance table and the data of the overlap plot.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy.optimize import linprog
from statsmodels.tools.sm_exceptions import PerfectSeparationError, PerfectSeparationWarning

from sejahtera.errors import SejahteraError
from sejahtera.evaluate.columns import positive_weights
from sejahtera.evaluate.result import NotIdentified

# A fitted logit whose linear predictor reaches this size (a score within 3e-7 of 0 or 1) is
# checked for separation before it is used; real data reach it too (LaLonde's CPS sample: -20.6).
SUSPECT_LOGIT = 15.0
BINS = 20  # bars of the overlap plot, on the score scale 0–1
BalanceRow = dict[str, Any]  # one covariate of the balance table: see balance_table


@dataclass(frozen=True)
class Sample:
    """The checked table: every array has one entry per row."""

    outcome: np.ndarray
    treated: np.ndarray  # bool
    weights: np.ndarray  # survey weights; ones when none were given
    model: np.ndarray  # the logit's covariate columns, standardised (mean 0, SD 1)
    terms: list[str]  # their names: a column, or "column=value" for one value of a category
    balance: np.ndarray  # the covariates as given (every value of a category), for balance
    balance_terms: list[str]
    binary: np.ndarray  # bool per balance column: only 0/1 values

    @property
    def parameters(self) -> int:
        return len(self.terms) + 1


@dataclass(frozen=True)
class Score:
    """The fitted propensity score ``p``, its logit, and what the standard errors need."""

    p: np.ndarray
    logit: np.ndarray
    design: np.ndarray  # constant + standardised covariates
    information_inverse: np.ndarray  # (Σ w p (1 − p) x xᵀ)⁻¹, from statsmodels


def prepare(
    frame: pd.DataFrame,
    outcome: str,
    treatment: str,
    covariates: Sequence[str],
    weights: str | None,
) -> Sample:
    """Check the columns of the complete rows in ``frame`` and build the arrays; every problem
    names its column."""
    covariates = list(dict.fromkeys(covariates))
    if not covariates:
        raise SejahteraError("evaluate.match_no_covariates")
    for column in (outcome, treatment):
        if column in covariates or column == weights:
            raise SejahteraError("evaluate.match_column_twice", column=column)
    treated = _treatment(frame[treatment], treatment)
    n_treated = int(treated.sum())
    if n_treated in (0, len(treated)):
        raise NotIdentified(
            "evaluate.match_no_variation",
            column=treatment,
            treated=n_treated,
            controls=len(treated) - n_treated,
        )
    if not _numeric(frame[outcome]):
        raise SejahteraError("evaluate.match_outcome_not_numeric", column=outcome)
    given = positive_weights(frame, weights)
    unit_weights = np.ones(len(frame)) if given is None else given
    model, terms, balance, balance_terms = _covariates(frame, covariates)
    sample = Sample(
        outcome=frame[outcome].to_numpy(dtype=float),
        treated=treated,
        weights=unit_weights,
        model=model,
        terms=terms,
        balance=balance,
        balance_terms=balance_terms,
        binary=np.array([set(np.unique(c)) <= {0.0, 1.0} for c in balance.T]),
    )
    smaller = min(n_treated, len(treated) - n_treated)
    if smaller <= sample.parameters:
        raise NotIdentified(
            "evaluate.match_too_few",
            treated=n_treated,
            controls=len(treated) - n_treated,
            parameters=sample.parameters,
        )
    return sample


def _numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)


def _treatment(series: pd.Series, column: str) -> np.ndarray:
    values = set(pd.unique(series).tolist())
    if not _numeric(series) or not values <= {0, 1}:
        shown = ", ".join(map(str, sorted(values, key=str)[:5]))
        raise SejahteraError("evaluate.match_treatment_not_binary", column=column, values=shown)
    return series.to_numpy(dtype=float) == 1


def _covariates(
    frame: pd.DataFrame, covariates: list[str]
) -> tuple[np.ndarray, list[str], np.ndarray, list[str]]:
    """(model columns standardised, their names, balance columns, their names)."""
    model, terms, balance, balance_terms = [], [], [], []
    for column in covariates:
        series = frame[column]
        if _numeric(series):
            values = series.to_numpy(dtype=float)
            if values.std() == 0:
                raise NotIdentified("evaluate.match_constant_covariate", column=column)
            model.append(values)
            terms.append(column)
            balance.append(values)
            balance_terms.append(column)
            continue
        levels = sorted(pd.unique(series.astype(str)))
        if len(levels) < 2:
            raise NotIdentified("evaluate.match_constant_covariate", column=column)
        text = series.astype(str).to_numpy()
        for position, level in enumerate(levels):
            dummy = (text == level).astype(float)
            balance.append(dummy)
            balance_terms.append(f"{column}={level}")
            if position:
                model.append(dummy)
                terms.append(f"{column}={level}")
    matrix = np.column_stack(model)
    matrix = (matrix - matrix.mean(axis=0)) / matrix.std(axis=0)
    _full_rank(matrix, terms)
    return matrix, terms, np.column_stack(balance), balance_terms


def _full_rank(matrix: np.ndarray, terms: list[str]) -> None:
    """A covariate that other covariates determine exactly cannot be told apart from them."""
    with_constant = np.column_stack([np.ones(len(matrix)), matrix])
    if np.linalg.matrix_rank(with_constant) == with_constant.shape[1]:
        return
    for stop in range(2, with_constant.shape[1] + 1):
        if np.linalg.matrix_rank(with_constant[:, :stop]) < stop:
            raise NotIdentified("evaluate.match_collinear", column=terms[stop - 2])


def fit_score(sample: Sample) -> Score:
    """The logit propensity score, or :class:`NotIdentified` when the groups are separated.

    Separation (the MLE does not exist: some combination of the covariates puts every treated
    unit on one side and every control on the other, or on the boundary) is checked twice: one
    covariate at a time before the fit (so the message can name it), and, when the fit fails,
    does not converge or gives scores within 3e-7 of 0 or 1, by the linear programme of Konis
    (2007): is there a direction b with (2W − 1)·xᵀb ≥ 0 for every unit and > 0 for some?
    """
    for position, term in enumerate(sample.terms):
        column = sample.model[:, position]
        treated, controls = column[sample.treated], column[~sample.treated]
        if treated.max() <= controls.min() or controls.max() <= treated.min():
            raise NotIdentified("evaluate.separation", covariate=term)
    design = np.column_stack([np.ones(len(sample.model)), sample.model])
    fit, converged = _fit_logit(design, sample)
    logit = design @ fit.params if fit is not None else np.full(len(design), np.inf)
    if not converged or not (np.abs(logit) <= SUSPECT_LOGIT).all():
        separating = _separating_terms(design, sample.treated, sample.terms)
        if separating:
            raise NotIdentified("evaluate.separation", covariate=", ".join(separating))
    if fit is None or not converged or not np.isfinite(logit).all():
        raise NotIdentified("evaluate.match_propensity_failed")
    return Score(
        p=np.asarray(fit.fittedvalues, dtype=float),
        logit=logit,
        design=design,
        information_inverse=np.asarray(fit.cov_params()) / fit.scale,
    )


def _fit_logit(design: np.ndarray, sample: Sample) -> tuple[object | None, bool]:
    """The statsmodels fit (Newton's method), and whether it converged without a warning of
    perfect separation."""
    model = sm.GLM(
        sample.treated.astype(float),
        design,
        family=sm.families.Binomial(),
        var_weights=sample.weights,
    )
    fit = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with contextlib.suppress(PerfectSeparationError, np.linalg.LinAlgError, ValueError):
            fit = model.fit(method="newton", maxiter=100, disp=False)
    if fit is None:
        return None, False
    separated = any(issubclass(w.category, PerfectSeparationWarning) for w in caught)
    return fit, bool(fit.mle_retvals["converged"]) and not separated


def _separating_terms(design: np.ndarray, treated: np.ndarray, terms: list[str]) -> list[str]:
    """A smallest set of covariates that separates the groups (each needed), or [] when the
    groups are not separated."""
    if not _separates(design, treated):
        return []
    needed = list(range(len(terms)))
    for term in range(len(terms)):
        fewer = [t for t in needed if t != term]
        if _separates(design[:, [0, *(t + 1 for t in fewer)]], treated):
            needed = fewer
    return [terms[t] for t in needed] or ["—"]


def _separates(design: np.ndarray, treated: np.ndarray) -> bool:
    """Konis (2007): is there a b with (2W − 1)·xᵀb ≥ 0 for every unit, > 0 for some?"""
    signed = np.where(treated, 1.0, -1.0)[:, None] * design
    result = linprog(
        -signed.sum(axis=0),
        A_ub=-signed,
        b_ub=np.zeros(len(signed)),
        bounds=[(-1.0, 1.0)] * design.shape[1],
        method="highs",
    )
    return result.status == 0 and -result.fun > 1e-6


def support(p: np.ndarray, treated: np.ndarray) -> dict[str, Any]:
    """The score range of each group, their overlap, and how many units lie outside the other
    group's range (the min–max rule of Dehejia & Wahba 1999)."""
    t, c = p[treated], p[~treated]
    return {
        "treated_range": [float(t.min()), float(t.max())],
        "control_range": [float(c.min()), float(c.max())],
        "region": [float(max(t.min(), c.min())), float(min(t.max(), c.max()))],
        "treated_outside": int(((t < c.min()) | (t > c.max())).sum()),
        "controls_outside": int(((c < t.min()) | (c > t.max())).sum()),
    }


def trim_bounds(
    trim: tuple[float, float] | str, p: np.ndarray, treated: np.ndarray, weights: np.ndarray
) -> tuple[float, float]:
    """The score band kept by ``trim``: given bounds, ``"minmax"`` (the overlap of the two
    ranges) or ``"crump"`` (Crump, Hotz, Imbens & Mitnik 2009, Biometrika: keep α ≤ p ≤ 1 − α,
    with α from their optimal rule — about 0.1 in many data sets, 0 when overlap is good)."""
    if trim == "minmax":
        low, high = support(p, treated)["region"]
    elif trim == "crump":
        low, high = _crump(p, weights)
    else:
        low, high = trim
    return float(low), float(high)


def _crump(p: np.ndarray, weights: np.ndarray) -> tuple[float, float]:
    """α of Crump et al. (2009): with g = 1/(p(1 − p)), no trimming when max g ≤ 2·E[g]; else
    γ = 1/(α(1 − α)) solves γ = 2·E[g | g ≤ γ]."""
    g = 1.0 / (p * (1.0 - p))
    order = np.argsort(g)
    g, w = g[order], weights[order]
    running = np.cumsum(g * w) / np.cumsum(w)
    if g[-1] <= 2 * running[-1]:
        return 0.0, 1.0
    last = np.flatnonzero(g <= 2 * running)[-1]
    gamma = 2 * running[last]
    alpha = 0.5 - np.sqrt(max(0.25 - 1.0 / gamma, 0.0))
    return float(alpha), float(1.0 - alpha)


def weighted_mean_var(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column means and (population) variances of ``x`` under weights ``w``."""
    w = w / w.sum()
    mean = w @ x
    return mean, w @ (x - mean) ** 2


def balance_table(sample: Sample, before: np.ndarray, after: np.ndarray) -> list[dict[str, object]]:
    """Means, standardised mean differences and variance ratios before and after.

    ``before``/``after`` are each unit's weight in the comparison (0 for units left out). The
    SMD's denominator is the same before and after: the pooled SD √((s²_t + s²_c)/2) of the
    unmatched sample (Austin 2009, Stat Med 28:3083), so the change shows the means moving.
    """
    t, c = sample.treated, ~sample.treated
    mean_t, var_t = weighted_mean_var(sample.balance[t], before[t])
    mean_c, var_c = weighted_mean_var(sample.balance[c], before[c])
    pooled = np.sqrt((var_t + var_c) / 2)
    after_t, after_var_t = weighted_mean_var(sample.balance[t], after[t])
    after_c, after_var_c = weighted_mean_var(sample.balance[c], after[c])
    rows = []
    for i, term in enumerate(sample.balance_terms):
        rows.append(
            {
                "covariate": term,
                "binary": bool(sample.binary[i]),
                "mean_treated_before": float(mean_t[i]),
                "mean_control_before": float(mean_c[i]),
                "smd_before": _ratio(mean_t[i] - mean_c[i], pooled[i]),
                "variance_ratio_before": _ratio(var_t[i], var_c[i]),
                "mean_treated_after": float(after_t[i]),
                "mean_control_after": float(after_c[i]),
                "smd_after": _ratio(after_t[i] - after_c[i], pooled[i]),
                "variance_ratio_after": _ratio(after_var_t[i], after_var_c[i]),
            }
        )
    return rows


def _ratio(top: float, bottom: float) -> float:
    return float(top / bottom) if bottom > 0 else float("nan")


def overlap_plot(
    p: np.ndarray, treated: np.ndarray, before: np.ndarray, after: np.ndarray
) -> dict[str, object]:
    """The overlap plot's data: the score histogram of each group, before (counts of units)
    and after (weighted counts, scaled to the number of units that carry weight)."""
    edges = np.linspace(0.0, 1.0, BINS + 1)

    def bars(group: np.ndarray, weights: np.ndarray) -> list[float]:
        mask = group & (weights > 0)
        counts, _ = np.histogram(p[mask], bins=edges, weights=weights[mask])
        total = counts.sum()
        return (counts / total * mask.sum()).tolist() if total > 0 else counts.tolist()

    return {
        "kind": "overlap",
        "x": "propensity_score",
        "bin_edges": edges.tolist(),
        "before": {"treated": bars(treated, before), "controls": bars(~treated, before)},
        "after": {"treated": bars(treated, after), "controls": bars(~treated, after)},
    }
