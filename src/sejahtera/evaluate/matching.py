"""Matching and weighting on the propensity score: did the programme change the outcome of the
households it reached (ATT), or of all households (ATE), compared with similar households it
did not reach?

One call, :func:`match`, returns an :class:`~sejahtera.evaluate.result.Evaluation`. The
propensity score is a logit of treatment on the covariates (:mod:`.propensity`). Three methods
use it:

- ``"nn"``: nearest-neighbour matching on the logit of the score, ``neighbours`` controls per
  treated unit (and, for the ATE, treated per control), with or without replacement, within an
  optional caliper. Controls tied at the same distance are all used, so the answer does not
  depend on row order (with replacement). Without replacement, treated units are matched
  greedily from the highest score down, as MatchIt does; the ATE needs replacement.
- ``"ipw"``: inverse-probability weighting with normalised (Hájek) weights: treated 1/p and
  controls 1/(1 − p) for the ATE; treated 1 and controls p/(1 − p) for the ATT.
- ``"aipw"``: augmented IPW, doubly robust: an OLS outcome model per group (statsmodels WLS,
  same covariates), corrected by the weighted residuals (Glynn & Quinn 2010; for the ATT the
  form of Sant'Anna & Zhao 2020, eq. 3.3 without the time dimension).

Standard errors:

- ``"nn"``: Abadie & Imbens (2006, Econometrica 74:235), their estimator of the variance of the
  matching estimator for the population ATT/ATE, with the conditional outcome variance taken from
  the two nearest units of the same group (on the score). There is no bias correction, and the
  score is treated as known: the Abadie & Imbens (2016) adjustment for an estimated score is not
  made (it lowers the ATE's variance; for the ATT it can go either way). Without replacement
  the same formula reduces to the variance of the matched differences. No bootstrap: it is not
  valid for nearest-neighbour matching (Abadie & Imbens 2008).
- ``"ipw"``: M-estimation (sandwich) through the influence function, including the effect of
  estimating the score (Lunceford & Davidian 2004).
- ``"aipw"``: the empirical variance of the efficient influence function, the outcome models
  and score taken as given (valid when both are right; the usual practice).

Survey weights (``weights``, a column) weight the score model, the averages over units and the
balance table; in matching they weight the units matched, not the choice of neighbours.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
import statsmodels.api as sm

from sejahtera.errors import SejahteraError
from sejahtera.evaluate.columns import Complete, complete_rows
from sejahtera.evaluate.neighbours import Links, greedy, nearest, same_group_variance
from sejahtera.evaluate.propensity import (
    BalanceRow,
    Sample,
    Score,
    balance_table,
    fit_score,
    overlap_plot,
    prepare,
    support,
    trim_bounds,
)
from sejahtera.evaluate.result import Caveat, Estimate, Evaluation, NotIdentified

Method = Literal["nn", "ipw", "aipw"]
Estimand = Literal["att", "ate"]
Trim = tuple[float, float] | Literal["crump", "minmax"] | None
METHODS = ("nn", "ipw", "aipw")
ESTIMANDS = ("att", "ate")
RESULT_METHOD = {"nn": "match", "ipw": "ipw", "aipw": "aipw"}
# |SMD| above 0.1 after adjustment is meaningful imbalance (Austin 2009, Stat Med 28:3083;
# Normand et al. 2001); variance ratios outside 0.5–2 are a warning sign (Rubin 2001).
SMD_THRESHOLD = 0.1
VARIANCE_RATIO = (0.5, 2.0)


@dataclass(frozen=True)
class MatchOptions:
    """The choices of :func:`match`, checked when made.

    ``caliper``: the largest distance allowed between matched units, in standard deviations of
    the logit of the score (the pooled SD √((s²_t + s²_c)/2)); 0.2 is the usual choice (Austin
    2011, Pharm Stat 10:150). ``trim``: a band ``(low, high)`` of the score to keep,
    ``"crump"`` (Crump et al. 2009's optimal band, about 0.1–0.9 in many data sets),
    ``"minmax"`` (the overlap of the two groups' score ranges), or ``None``.
    """

    method: Method = "nn"
    estimand: Estimand = "att"
    caliper: float | None = None
    replace: bool = True
    neighbours: int = 1
    trim: Trim = None
    weights: str | None = None

    def __post_init__(self) -> None:
        _choice("method", self.method, METHODS)
        _choice("estimand", self.estimand, ESTIMANDS)
        if self.caliper is not None and not (
            isinstance(self.caliper, int | float) and self.caliper > 0
        ):
            raise SejahteraError(
                "evaluate.match_option", option="caliper", value=self.caliper, allowed="> 0"
            )
        if isinstance(self.neighbours, bool) or not (
            isinstance(self.neighbours, int) and self.neighbours >= 1
        ):
            raise SejahteraError(
                "evaluate.match_option",
                option="neighbours",
                value=self.neighbours,
                allowed="1, 2, …",
            )
        if self.method != "nn":
            for option, value, default in (
                ("caliper", self.caliper, None),
                ("replace", self.replace, True),
                ("neighbours", self.neighbours, 1),
            ):
                if value != default:
                    raise SejahteraError("evaluate.match_only_nn", option=option)
        if self.method == "nn" and self.estimand == "ate" and not self.replace:
            raise SejahteraError("evaluate.match_ate_needs_replacement")
        _check_trim(self.trim)


def _choice(option: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise SejahteraError(
            "evaluate.match_option", option=option, value=value, allowed=", ".join(allowed)
        )


def _check_trim(trim: Any) -> None:
    if trim is None or trim in ("crump", "minmax"):
        return
    bounds = isinstance(trim, tuple | list) and len(trim) == 2
    bounds = bounds and all(isinstance(v, int | float) for v in trim)
    if not bounds or not 0 <= trim[0] < trim[1] <= 1:
        raise SejahteraError(
            "evaluate.match_option",
            option="trim",
            value=trim,
            allowed="(low, high) with 0 ≤ low < high ≤ 1, crump, minmax",
        )


@dataclass
class _Fit:
    """What a method returns: the effect, its SE, and each unit's weight in the comparison."""

    estimate: float
    se: float
    weights: np.ndarray  # sums to 1 within each group; 0 for units left out
    details: dict[str, object] = field(default_factory=dict)
    unmatched: int = 0


def match(
    frame: pd.DataFrame,
    outcome: str,
    treatment: str,
    covariates: Sequence[str],
    *,
    method: Method = "nn",
    estimand: Estimand = "att",
    caliper: float | None = None,
    replace: bool = True,
    neighbours: int = 1,
    trim: Trim = None,
    weights: str | None = None,
) -> Evaluation:
    """The effect of ``treatment`` (a 0/1 or boolean column) on ``outcome``, adjusting for
    ``covariates`` through the propensity score. See the module for the methods and
    :class:`MatchOptions` for the options.

    Covariates: numeric and boolean columns as they are; text or categorical columns one-hot
    (see :mod:`.propensity`). Derived terms (squares, interactions) are columns the caller adds.

    ``diagnostics`` holds the sample sizes, the score model, the common support
    (``common_support``: each group's score range and their overlap), the trimming, the
    method's details, the balance table (``balance``: per covariate, the means, standardised
    differences and variance ratios before and after), Kish's effective sample sizes and the
    unadjusted difference of means. "After" weighs each unit as the method does: a matched
    control by the share of matches it supplies, a weighted unit by its normalised IPW weight
    (AIPW included). ``plot`` holds the overlap plot's score histograms, before and after.
    ``n`` of the estimate counts the units that carry weight in it.

    Rows with a missing value in a used column are left out, counted (``dropped_missing``) and
    named in a caveat (:mod:`.columns`). Raises :class:`NotIdentified` when the data cannot give
    an effect: no variation in treatment, no complete row, too few units for the covariates, a
    constant or redundant covariate, separation in the score model, or no common support.
    """
    options = MatchOptions(method, estimand, caliper, replace, neighbours, trim, weights)
    rows = complete_rows(frame, [outcome, treatment, *covariates, weights])
    sample = prepare(rows.data, outcome, treatment, covariates, weights)
    score = fit_score(sample)
    keep, trimming = _trim(options, sample, score)
    fitted = _ESTIMATORS[options.method](sample, score, keep, options)
    return _evaluation(options, outcome, rows, sample, score, keep, trimming, fitted)


def _trim(options: MatchOptions, sample: Sample, score: Score) -> tuple[np.ndarray, dict[str, Any]]:
    keep = np.ones(len(score.p), dtype=bool)
    trimming: dict[str, Any] = {"rule": None}
    if options.trim is not None:
        low, high = trim_bounds(options.trim, score.p, sample.treated, sample.weights)
        keep = (score.p >= low) & (score.p <= high)
        trimming = {
            "rule": options.trim if isinstance(options.trim, str) else "bounds",
            "bounds": [low, high],
            "dropped_treated": int((~keep & sample.treated).sum()),
            "dropped_controls": int((~keep & ~sample.treated).sum()),
        }
    treated, controls = int((keep & sample.treated).sum()), int((keep & ~sample.treated).sum())
    if treated == 0 or controls == 0:
        raise NotIdentified("evaluate.no_common_support", treated=treated, controls=controls)
    if min(treated, controls) <= sample.parameters:
        raise NotIdentified(
            "evaluate.match_too_few",
            treated=treated,
            controls=controls,
            parameters=sample.parameters,
        )
    return keep, trimming


# ---------------------------------------------------------------- nearest-neighbour matching


def _nn(sample: Sample, score: Score, keep: np.ndarray, options: MatchOptions) -> _Fit:
    treated, logit, y = sample.treated, score.logit, sample.outcome
    t_rows, c_rows = np.flatnonzero(keep & treated), np.flatnonzero(keep & ~treated)
    pooled = np.sqrt((logit[t_rows].var() + logit[c_rows].var()) / 2)
    radius = np.inf if options.caliper is None else options.caliper * pooled
    directions = [(t_rows, c_rows, 1.0)]
    if options.estimand == "ate":
        directions.append((c_rows, t_rows, -1.0))
    link = nearest if options.replace else greedy
    links = [link(logit[f], logit[d], y[d], options.neighbours, radius) for f, d, _ in directions]
    own, effect, kappa, kappa2 = _shares(directions, links, y, sample.weights)
    estimate = float(own @ effect)
    sigma2 = np.zeros(len(y))
    sigma2[keep] = same_group_variance(logit[keep], y[keep], treated[keep])
    extra = 2 * own * kappa + kappa**2 - kappa2  # Abadie–Imbens' K-terms, any weights and ties
    variance = own**2 @ (effect - estimate) ** 2 + extra @ sigma2
    used = own + kappa
    return _Fit(
        estimate,
        float(np.sqrt(max(variance, 0.0))),
        _per_group(used, treated),
        {
            "neighbours": options.neighbours,
            "replace": options.replace,
            "caliper": options.caliper,
            "caliper_logit": None if options.caliper is None else float(radius),
            "matched_treated": int(((own > 0) & treated).sum()),
            "matched_controls": int(((own > 0) & ~treated).sum()),
            "controls_used": int(((used > 0) & ~treated).sum()),
            "treated_used": int(((used > 0) & treated).sum()),
            "variance": "abadie_imbens_2006",
        },
        unmatched=int(sum((found.count == 0).sum() for found in links)),
    )


def _shares(
    directions: list[tuple[np.ndarray, np.ndarray, float]],
    links: list[Links],
    y: np.ndarray,
    w: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per unit: its share c of the average as a matched focal unit, its effect τ̂ᵢ, and as a
    donor the sum κ of the shares it receives (c/M from each unit matched to it) and of their
    squares κ₂. With equal weights and M matches each, κ = K/M and κ₂ = K/M² (Abadie–Imbens)."""
    own, effect = np.zeros(len(y)), np.zeros(len(y))
    for (focal, _, sign), found in zip(directions, links, strict=True):
        matched = found.count > 0
        own[focal[matched]] = w[focal[matched]]
        effect[focal] = np.where(matched, sign * (y[focal] - found.imputed), 0.0)
    if own.sum() == 0:
        raise NotIdentified("evaluate.no_common_support", treated=0, controls=0)
    own /= own.sum()
    kappa, kappa2 = np.zeros(len(y)), np.zeros(len(y))
    for (focal, donors, _), found in zip(directions, links, strict=True):
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(found.count > 0, own[focal] / found.count, 0.0)
        kappa[donors] += found.receive(share)
        kappa2[donors] += found.receive(share**2)
    return own, effect, kappa, kappa2


def _per_group(weights: np.ndarray, treated: np.ndarray) -> np.ndarray:
    out = weights.astype(float).copy()
    for group in (treated, ~treated):
        total = out[group].sum()
        if total > 0:
            out[group] /= total
    return out


# ---------------------------------------------------------------------------------- weighting


def _ipw(sample: Sample, score: Score, keep: np.ndarray, options: MatchOptions) -> _Fit:
    """Hájek IPW; the influence function includes the score's estimation (M-estimation)."""
    t, y, w, p, x = sample.treated, sample.outcome, sample.weights, score.p, score.design
    odds = p / (1 - p)
    # the score equations of the logit: ω (W − p) x; their sensitivity: (Σ ω p(1−p) x xᵀ)⁻¹
    scores = (w * (t - p))[:, None] * x
    if options.estimand == "att":
        a = np.where(keep & t, w, 0.0)
        b = np.where(keep & ~t, w * odds, 0.0)
        da = np.zeros_like(x)  # d(weight)/dβ divided by the weight, per unit
        db = x
    else:
        a = np.where(keep & t, w / p, 0.0)
        b = np.where(keep & ~t, w / (1 - p), 0.0)
        da = -(1 - p)[:, None] * x
        db = p[:, None] * x
    mu1, mu0 = a @ y / a.sum(), b @ y / b.sum()
    influence = np.zeros(len(y))
    for weight, slope, mu, sign in ((a, da, mu1, 1.0), (b, db, mu0, -1.0)):
        residual = weight * (y - mu)
        sensitivity = residual @ slope  # Σ ∂[weight·(y − μ)]/∂β
        correction = scores @ (score.information_inverse @ sensitivity)
        influence += sign * (residual + correction) / weight.sum()
    return _Fit(
        float(mu1 - mu0),
        float(np.sqrt(influence @ influence)),
        _per_group(a + b, t),
        {"variance": "m_estimation_with_score"},
    )


def _aipw(sample: Sample, score: Score, keep: np.ndarray, options: MatchOptions) -> _Fit:
    """Doubly robust: OLS outcome model per group plus Hájek-weighted residuals."""
    t, y, w, p = sample.treated, sample.outcome, sample.weights, score.p
    x = score.design
    m0 = _outcome_model(x, y, w, keep & ~t)
    share = np.where(keep, w, 0.0)
    if options.estimand == "att":
        a = np.where(keep & t, w, 0.0)
        b = np.where(keep & ~t, w * p / (1 - p), 0.0)
        a, b = a / a.sum(), b / b.sum()
        gap = y - m0
        first, second = a @ gap, b @ gap
        influence = a * (gap - first) - b * (gap - second)
        estimate = first - second
    else:
        m1 = _outcome_model(x, y, w, keep & t)
        share = share / share.sum()
        a = np.where(keep & t, w / p, 0.0)
        b = np.where(keep & ~t, w / (1 - p), 0.0)
        a, b = a / a.sum(), b / b.sum()
        model = share @ (m1 - m0)
        r1, r0 = a @ (y - m1), b @ (y - m0)
        influence = share * (m1 - m0 - model) + a * (y - m1 - r1) - b * (y - m0 - r0)
        estimate = model + r1 - r0
    return _Fit(
        float(estimate),
        float(np.sqrt(influence @ influence)),
        a + b,
        {"variance": "efficient_influence_function"},
    )


def _outcome_model(x: np.ndarray, y: np.ndarray, w: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Predictions for every unit from a weighted OLS of y on x within ``rows``."""
    fit = sm.WLS(y[rows], x[rows], weights=w[rows]).fit()
    return x @ fit.params


_ESTIMATORS: dict[str, Callable[[Sample, Score, np.ndarray, MatchOptions], _Fit]] = {
    "nn": _nn,
    "ipw": _ipw,
    "aipw": _aipw,
}


# ------------------------------------------------------------------------------------- result


def _evaluation(
    options: MatchOptions,
    outcome: str,
    rows: Complete,
    sample: Sample,
    score: Score,
    keep: np.ndarray,
    trimming: dict[str, Any],
    fitted: _Fit,
) -> Evaluation:
    t = sample.treated
    before = _per_group(sample.weights, t)
    balance = balance_table(sample, before, fitted.weights)
    overlap = support(score.p, t)
    used = fitted.weights > 0
    diagnostics: dict[str, object] = {
        "estimand": options.estimand,
        "sample": {"n": len(t), "treated": int(t.sum()), "controls": int((~t).sum())},
        "dropped_missing": rows.dropped,
        "propensity": {"model": "logit", "terms": sample.terms},
        "common_support": overlap,
        "trimming": trimming,
        "method": fitted.details,
        "balance": balance,
        "balance_threshold": SMD_THRESHOLD,
        "effective_sample_size": {
            "treated": _effective(fitted.weights[t]),
            "controls": _effective(fitted.weights[~t]),
        },
        "unadjusted_difference": _unadjusted(sample.outcome, t, before),
    }
    term = options.estimand.upper()
    estimate = Estimate(term, fitted.estimate, fitted.se, int(used.sum()))
    return Evaluation(
        method=RESULT_METHOD[options.method],
        outcome=outcome,
        estimates=[estimate],
        diagnostics=diagnostics,
        caveats=_caveats(options, balance, overlap, trimming, fitted, t, keep) + rows.caveats(),
        plot=overlap_plot(score.p, t, sample.weights, fitted.weights)
        | {"support": overlap["region"]},
    )


def _effective(weights: np.ndarray) -> float:
    """Kish's effective number of units: (Σw)²/Σw²."""
    return float(weights.sum() ** 2 / (weights**2).sum()) if weights.any() else 0.0


def _unadjusted(y: np.ndarray, treated: np.ndarray, shares: np.ndarray) -> dict[str, float]:
    """The plain difference of (weighted) means, with its standard error."""
    difference, variance = 0.0, 0.0
    for group, sign in ((treated, 1.0), (~treated, -1.0)):
        mean = shares[group] @ y[group]
        difference += sign * mean
        variance += shares[group] ** 2 @ (y[group] - mean) ** 2
    return {"estimate": float(difference), "se": float(np.sqrt(variance))}


def _caveats(
    options: MatchOptions,
    balance: list[BalanceRow],
    overlap: dict[str, Any],
    trimming: dict[str, Any],
    fitted: _Fit,
    treated: np.ndarray,
    keep: np.ndarray,
) -> list[Caveat]:
    caveats = _balance_caveats(balance)
    if fitted.unmatched:
        focal = int((keep & treated).sum()) if options.estimand == "att" else int(keep.sum())
        caveats.append(
            Caveat("evaluate.match_unmatched", {"count": fitted.unmatched, "total": focal})
        )
    if trimming.get("bounds"):
        if trimming["dropped_treated"] or trimming["dropped_controls"]:
            values = {
                "treated": trimming["dropped_treated"],
                "controls": trimming["dropped_controls"],
                "low": trimming["bounds"][0],
                "high": trimming["bounds"][1],
            }
            caveats.append(Caveat("evaluate.match_trimmed", values))
    elif options.method != "nn":  # weighting extrapolates where matching would match far away
        outside, total = overlap["treated_outside"], int(treated.sum())
        if options.estimand == "ate":
            outside, total = outside + overlap["controls_outside"], len(treated)
        if outside:
            values = {"count": outside, "total": total}
            caveats.append(Caveat("evaluate.match_outside_support", values))
    caveats.append(Caveat("evaluate.match_selection_on_observables"))
    return caveats


def _balance_caveats(balance: list[BalanceRow]) -> list[Caveat]:
    """Severe when a mean still differs by more than 0.1 SD; a note when a spread differs."""
    caveats = []
    poor = [row["covariate"] for row in balance if abs(row["smd_after"]) > SMD_THRESHOLD]
    if poor:
        values = {"covariates": ", ".join(poor), "threshold": SMD_THRESHOLD}
        caveats.append(Caveat("evaluate.match_imbalance", values, severe=True))
    low, high = VARIANCE_RATIO
    spread = [
        row["covariate"]
        for row in balance
        if not row["binary"] and not low <= row["variance_ratio_after"] <= high
    ]
    if spread:
        values = {"covariates": ", ".join(spread)}
        caveats.append(Caveat("evaluate.match_variance_ratio", values))
    return caveats
