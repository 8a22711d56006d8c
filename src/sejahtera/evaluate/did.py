"""Difference-in-differences: the 2×2 design, two-way fixed effects and the event study.

:func:`did` compares the change in the outcome of treated units with the change in control units.

- Without ``unit`` and ``time`` it is the 2×2 regression ``y ~ treated + post + treated×post
  (+ covariates)`` by statsmodels OLS (WLS with ``weights``); method ``"did"``. Standard errors
  are heteroskedasticity-robust HC1 by default, or cluster-robust CR1 (the small-sample factor
  G/(G−1)·(N−1)/(N−K), as Stata's ``vce(cluster)`` and statsmodels) when ``cluster`` names a
  column. p-values and intervals use Student's t with N−K degrees of freedom (HC1) or G−1
  (clustered), as Stata does.
- With ``unit`` and ``time`` it is two-way fixed effects: unit and period effects and
  D = treated×post (+ covariates), by linearmodels ``PanelOLS``; method ``"twfe"``. Standard
  errors are clustered by ``cluster``, by default the unit (CR1; effects nested in the clusters
  are not counted, as in Stata's ``xtreg, fe``). ``post`` may then differ between units (each
  unit's own start), and controls may be units not yet treated.

With fewer than 30 clusters (a kabupaten has 10–20 kecamatan) the CR1 t-test rejects too often:
``inference="auto"`` then takes the effect's p-value and interval from the wild cluster bootstrap,
keeping the CR1 standard error (:mod:`sejahtera.evaluate.wild_bootstrap` says how and when).

:func:`event_study` replaces D by one dummy for each period relative to the first treated
period (reference −1), with never-treated units as controls; its main estimate is the average of
the post-period coefficients, and a joint Wald test of the lead coefficients tests the pre-trends.

With staggered adoption (units first treated in different periods) two-way fixed effects and
event studies mix already-treated units into the controls and can be biased even in sign; use
:func:`sejahtera.evaluate.staggered.staggered_did` there (a caveat says so).

``first_treated`` (event study, staggered) is the period a unit is first treated, on the scale
of ``time``. Never-treated units have it missing (NaN/None), ``inf``, or ``0`` as in R's ``did``
package; ``0`` is refused when 0 is itself a period of ``time``, because it would then be
ambiguous.

``Evaluation.plot`` holds the data of the parallel-trends plot: ``{"kind": "group_means", "x":
column on the x axis, "periods": [...], "series": [{"group", "mean", "se", "n"}, ...]}`` with one
series per group (``"control"``/``"treated"``, or one per cohort of first treatment and
``"never"``); a ``None`` mean marks a period without observations. The event study adds
``"coefficients"`` (relative time, estimate and 95 % interval; the reference period at 0).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm
from linearmodels.panel import PanelOLS
from scipy import stats

from sejahtera.evaluate import wild_bootstrap as wild
from sejahtera.evaluate.columns import complete_rows, positive_weights
from sejahtera.evaluate.group_means import cell_means, difference_of_means, means_plot
from sejahtera.evaluate.result import LEVEL, Caveat, Estimate, Evaluation, NotIdentified
from sejahtera.evaluate.wild_bootstrap import FEW_CLUSTERS, Design, Inference

FEW_SIDE_CLUSTERS = 10  # ... and likewise with few treated (or control) clusters
PRETREND_LEVEL = 0.05
PERIOD = "_period_"  # prefix of the period dummies


def did(
    frame: pd.DataFrame,
    outcome: str,
    treatment: str,
    post: str,
    *,
    unit: str | None = None,
    time: str | None = None,
    cluster: str | None = None,
    covariates: Sequence[str] = (),
    weights: str | None = None,
    inference: Inference = "auto",
    bootstrap: int = wild.REPS,
    seed: int = 0,
) -> Evaluation:
    """The difference-in-differences of ``outcome`` between the units of ``treatment`` (0/1:
    the group the programme reaches) and the others, after (``post`` = 1) against before; two-way
    fixed effects when ``unit`` and ``time`` are given. Rows with a missing value in a used
    column are left out, counted and named in a caveat (:mod:`.columns`). ``inference``,
    ``bootstrap`` and ``seed``: see the module's docstring."""
    wild.check_inference(inference, bootstrap, seed)
    if (unit is None) != (time is None):
        raise NotIdentified("evaluate.did_unit_needs_time")
    covariates = tuple(covariates)
    used = [outcome, treatment, post, unit, time, cluster, *covariates, weights]
    rows = complete_rows(frame, used)
    data = rows.data
    t = binary(data, treatment)
    p = binary(data, post)
    check_design(data, outcome, treatment, post, t, p, panel=unit is not None)
    if unit is not None and t.all() and not _staggered(data, unit, time, p):
        raise NotIdentified("evaluate.did_no_treatment_variation", column=treatment)
    w = positive_weights(data, weights)
    cells = cell_means(data[outcome].to_numpy(float), t, p, w)
    cluster = cluster or unit  # fixed effects: by unit unless told
    groups = None if cluster is None else codes(data[cluster])
    bootstrapped = wild.use_bootstrap(inference, groups)
    caveats = [] if groups is None else cluster_caveats(groups, t, bootstrapped=bootstrapped)
    if unit is None:
        result, se_type, design = _two_by_two(data, outcome, t, p, covariates, w, groups, cluster)
        method = "did"
    else:
        assert time is not None and cluster is not None
        result, se_type, design = _twfe(data, outcome, unit, time, t * p, cluster, covariates, w)
        method = "twfe"
        if _staggered(data, unit, time, t * p):
            caveats.append(Caveat("evaluate.did_twfe_staggered"))
    used = {"method": "robust" if groups is None else "cluster", "asked": inference}
    if bootstrapped:
        assert groups is not None and cluster is not None
        options = (inference, bootstrap, seed)
        used, why = wild.bootstrap_inference(result, design(), groups, cluster, *options)
        caveats.insert(0, why)
    diagnostics = {
        "design": "2x2" if unit is None else "two-way fixed effects",
        "se_type": se_type,
        "inference": used,
        "clusters": None if groups is None else int(groups.max()) + 1,
        "n": len(data),
        "dropped_missing": rows.dropped,
        "covariates": list(covariates),
        "weights": weights,
        "group_means": cells,
        "difference_of_means": difference_of_means(cells),
        **result.pop("diagnostics", {}),
    }
    plot = means_plot(data, outcome, time or post, t, {0: "control", 1: "treated"}, w)
    estimate = Estimate("treated×post", n=len(data), **result)
    return Evaluation(method, outcome, [estimate], diagnostics, caveats + rows.caveats(), plot)


def event_study(
    frame: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    first_treated: str,
    *,
    leads: int | None = None,
    lags: int | None = None,
    cluster: str | None = None,
    covariates: Sequence[str] = (),
    weights: str | None = None,
) -> Evaluation:
    """Two-way fixed effects with a dummy for each period relative to first treatment.

    Terms ``t-3``, ``t-2``, ``t+0``, ``t+1``, … (reference ``t-1``); with ``leads``/``lags``
    the ends are binned: ``t-{leads}`` stands for that many periods before treatment or more,
    ``t+{lags}`` for that many after or more. The main estimate ``mean(t+0..t+M)`` is the equally
    weighted average of the post-period coefficients. Diagnostics: the joint Wald test that all
    lead coefficients (``t-2`` and before) are zero; if it rejects at 5 % a severe caveat says not
    to rely on the estimate. Standard errors are clustered by ``cluster`` (default: the unit).
    ``n`` of a coefficient counts the rows of treated units in its relative period. ``weights``
    and rows with missing values: as in :func:`did`.
    """
    covariates = tuple(covariates)
    if (leads is not None and leads < 1) or (lags is not None and lags < 0):
        raise NotIdentified("evaluate.did_bad_window", leads=leads, lags=lags)
    cluster = cluster or unit
    rows = complete_rows(
        frame, [outcome, unit, time, cluster, *covariates, weights], optional=[first_treated]
    )
    data = rows.data
    w = positive_weights(data, weights)
    cohort = cohorts(data, time, first_treated)
    relative = data[time].to_numpy(float) - cohort
    treated = ~np.isnan(cohort)
    check_design(data, outcome, first_treated, time, treated, relative >= 0, panel=True)
    if np.any(treated & (np.round(relative) != relative)):
        raise NotIdentified("evaluate.did_relative_time", time=time, column=first_treated)
    binned = relative.copy()
    if leads is not None:
        binned = np.maximum(binned, -leads)
    if lags is not None:
        binned = np.minimum(binned, lags)
    if not np.any(binned == -1):
        raise NotIdentified("evaluate.did_no_reference_period", column=first_treated)
    values = sorted(int(r) for r in np.unique(binned[treated]) if r != -1)
    terms = {_term(r): r for r in values}
    dummies = pd.DataFrame({term: (binned == r).astype(float) for term, r in terms.items()})
    collinear = NotIdentified("evaluate.did_event_not_identified", terms=", ".join(terms))
    fit, se_type, clusters = _panel_fit(
        data, outcome, unit, time, dummies, cluster, covariates, w, collinear
    )
    missing = [term for term in terms if term not in fit.params.index]
    if missing:
        raise NotIdentified("evaluate.did_event_not_identified", terms=", ".join(missing))
    counts = {term: int(np.sum(binned[treated] == r)) for term, r in terms.items()}
    estimates = _event_estimates(fit, terms, counts, len(data), clusters - 1)
    lead_terms = [term for term, r in terms.items() if r <= -2]
    pretrend, caveats = _pretrend(fit, lead_terms)
    caveats += cluster_caveats(codes(data[cluster]), treated)
    if len(np.unique(cohort[treated])) > 1:
        caveats.append(Caveat("evaluate.did_event_study_staggered"))
    diagnostics = {
        "design": "event study (two-way fixed effects)",
        "reference": "t-1",
        "main": "equally weighted mean of the post-period coefficients",
        "se_type": se_type,
        "clusters": clusters,
        "n": len(data),
        "dropped_missing": rows.dropped,
        "covariates": list(covariates),
        "weights": weights,
        "absorbed": [c for c in covariates if c not in fit.params.index],
        "pretrend": pretrend,
        "binned": {"leads": leads, "lags": lags},
    }
    plot = means_plot(data, outcome, time, cohort_labels(cohort), None, w)
    plot["coefficients"] = _coefficient_plot(estimates[1:], values)
    caveats += rows.caveats()
    return Evaluation("event_study", outcome, estimates, diagnostics, caveats, plot)


# --- shared checks (also used by staggered.py) ---


def binary(data: pd.DataFrame, column: str) -> np.ndarray:
    """A 0/1 (or boolean) column as floats; anything else is refused."""
    values = data[column].to_numpy()
    if values.dtype == bool:
        return values.astype(float)
    try:
        numbers = values.astype(float)
    except (TypeError, ValueError):
        raise NotIdentified("evaluate.did_not_binary", column=column) from None
    if not np.all((numbers == 0) | (numbers == 1)):
        raise NotIdentified("evaluate.did_not_binary", column=column)
    return numbers


def check_design(
    data: pd.DataFrame,
    outcome: str,
    treated: str,
    post: str,
    t: np.ndarray,
    p: np.ndarray,
    *,
    panel: bool = False,
) -> None:
    """No variation in treatment, no period before or after, an empty treated×post cell or a
    constant outcome: no effect can be identified. In a ``panel`` (fixed effects, event study)
    the controls may be units not yet treated, so only treated units need both periods."""
    t, p = np.asarray(t, bool), np.asarray(p, bool)
    if not t.any() or (t.all() and not panel):
        raise NotIdentified("evaluate.did_no_treatment_variation", column=treated)
    if not panel:
        if not (p.any()):
            raise NotIdentified("evaluate.did_no_post_period", column=post)
        if p.all():
            raise NotIdentified("evaluate.did_no_pre_period", column=post)
        for tv, pv in ((0, 0), (0, 1), (1, 0), (1, 1)):
            if not np.any((t == tv) & (p == pv)):
                values = {"treated_value": tv, "post_value": pv}
                raise NotIdentified("evaluate.did_empty_cell", treated=treated, post=post, **values)
    else:
        if not np.any(t & p):
            raise NotIdentified("evaluate.did_no_post_period", column=treated)
        if not np.any(t & ~p):
            raise NotIdentified("evaluate.did_no_pre_period", column=treated)
    values = _numeric(data, outcome)
    if values.min() == values.max():
        raise NotIdentified("evaluate.did_constant_outcome", column=outcome)


def codes(values: pd.Series) -> np.ndarray:
    """0…G−1 in the order of the labels (of appearance when they cannot be sorted): a
    bootstrap's draws go to the same clusters whatever the order of the rows."""
    try:
        return pd.factorize(values, sort=True)[0]
    except TypeError:
        return pd.factorize(values)[0]


def cluster_caveats(
    groups: np.ndarray, treated: np.ndarray, *, bootstrapped: bool = False
) -> list[Caveat]:
    """Fewer than 2 clusters: refused; fewer than 30, or fewer than 10 treated or control
    clusters: cluster-robust standard errors are unreliable (too narrow intervals). When
    ``bootstrapped`` (wild_bootstrap.py) the first is answered, and the second says that even
    the bootstrap errs then, the other way (MacKinnon & Webb 2018)."""
    count = int(groups.max()) + 1 if len(groups) else 0
    if count < 2:
        raise NotIdentified("evaluate.did_too_few_clusters", clusters=count)
    caveats = []
    if count < FEW_CLUSTERS and not bootstrapped:
        caveats.append(Caveat("evaluate.did_few_clusters", {"clusters": count}))
    treated = np.asarray(treated, bool)
    with_treated = int(np.count_nonzero(np.bincount(groups[treated], minlength=count)))
    with_control = int(np.count_nonzero(np.bincount(groups[~treated], minlength=count)))
    if min(with_treated, with_control) < FEW_SIDE_CLUSTERS:
        values = {"treated": with_treated, "control": with_control}
        answered = "evaluate.did_few_treated_clusters_wild"
        key = answered if bootstrapped else "evaluate.did_few_treated_clusters"
        caveats.append(Caveat(key, values))
    return caveats


def cohorts(data: pd.DataFrame, time: str, first_treated: str) -> np.ndarray:
    """The first treated period of each row, NaN for never-treated units (missing, inf or 0)."""
    for column in (time, first_treated):
        if not pd.api.types.is_numeric_dtype(data[column]) or pd.api.types.is_bool_dtype(
            data[column]
        ):
            raise NotIdentified("evaluate.did_time_not_numeric", column=column)
    first = data[first_treated].to_numpy(float).copy()
    periods = data[time].to_numpy(float)
    if np.any(first == 0) and np.any(periods == 0):
        raise NotIdentified("evaluate.did_zero_ambiguous", column=first_treated, time=time)
    first[(first == 0) | np.isinf(first)] = np.nan
    return first


def cohort_labels(cohort: np.ndarray) -> pd.Categorical:
    """Each row's cohort as a label ("2004", …, "never"), ordered by first treated period."""
    values, inverse = np.unique(np.nan_to_num(cohort, nan=np.inf), return_inverse=True)
    names = [_period_label(v) if np.isfinite(v) else "never" for v in values]
    return pd.Categorical.from_codes(inverse, categories=names, ordered=True)


def t_inference(estimate: float, se: float, df: float) -> tuple[float, float, float]:
    """p-value and confidence interval from Student's t with ``df`` degrees of freedom."""
    if not (se > 0 and np.isfinite(se)):
        return float("nan"), float("nan"), float("nan")
    p = float(2 * stats.t.sf(abs(estimate / se), df))
    half = float(stats.t.ppf(0.5 + LEVEL / 2, df)) * se
    return p, estimate - half, estimate + half


# --- estimation ---


def _two_by_two(
    data: pd.DataFrame,
    outcome: str,
    t: np.ndarray,
    p: np.ndarray,
    covariates: tuple[str, ...],
    w: np.ndarray | None,
    groups: np.ndarray | None,
    cluster: str | None,
) -> tuple[dict[str, object], str, Callable[[], Design]]:
    """The 2×2 regression, and its design (√w·X, √w·y, the effect's column) for a bootstrap."""
    y = data[outcome].to_numpy(float)
    columns = [np.ones(len(y)), t, p, t * p]
    columns += [_numeric(data, c) for c in covariates]
    x = np.column_stack(columns)
    _check_rank(x, covariates)
    model = sm.OLS(y, x) if w is None else sm.WLS(y, x, weights=w)
    if groups is None:
        fit = model.fit(cov_type="HC1", use_t=True)
        se_type = "HC1 heteroskedasticity-robust"
    else:
        fit = model.fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
        se_type = f"CR1 cluster-robust by {cluster}"
    low, high = fit.conf_int(alpha=1 - LEVEL)[3]
    result = {
        "estimate": float(fit.params[3]),
        "se": float(fit.bse[3]),
        "p_value": float(fit.pvalues[3]),
        "ci_low": float(low),
        "ci_high": float(high),
    }
    root = np.ones(len(y)) if w is None else np.sqrt(w)
    return result, se_type, lambda: (x * root[:, None], y * root, 3)


def _twfe(
    data: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    d: np.ndarray,
    cluster: str,
    covariates: tuple[str, ...],
    w: np.ndarray | None,
) -> tuple[dict[str, object], str, Callable[[], Design]]:
    """Two-way fixed effects, and the unit-demeaned design (linearmodels' weighted within
    transformation, already times √w; the columns kept) for a bootstrap."""
    exog = pd.DataFrame({"treated×post": d})
    collinear = NotIdentified("evaluate.did_collinear", columns=", ".join(covariates) or "-")
    fit, se_type, clusters = _panel_fit(
        data, outcome, unit, time, exog, cluster, covariates, w, collinear
    )
    if "treated×post" not in fit.params.index:
        raise NotIdentified("evaluate.did_effect_absorbed")
    b, se = float(fit.params["treated×post"]), float(fit.std_errors["treated×post"])
    p, low, high = t_inference(b, se, clusters - 1)
    absorbed = [c for c in covariates if c not in fit.params.index]
    result = {"estimate": b, "se": se, "p_value": p, "ci_low": low, "ci_high": high}
    result["diagnostics"] = {"absorbed": absorbed}
    model, kept = fit.model, list(fit.params.index)

    def design() -> Design:
        y = model.dependent.demean("entity", weights=model.weights).values2d[:, 0]
        x = model.exog.demean("entity", weights=model.weights).dataframe[kept].to_numpy()
        return x, y, kept.index("treated×post")

    return result, se_type, design


def _panel_fit(
    data: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    exog: pd.DataFrame,
    cluster: str,
    covariates: tuple[str, ...],
    w: np.ndarray | None,
    collinear: NotIdentified,
):
    """PanelOLS with unit effects and period dummies, CR1 clustered by ``cluster``.

    Period effects enter as dummies so that, as in Stata's ``xtreg, fe`` and ``reghdfe``, the
    small-sample factor counts them but not the unit effects when units are nested in the
    clusters (linearmodels counts every absorbed effect when there are two)."""
    period = pd.factorize(data[time], sort=True)[0]
    index = pd.MultiIndex.from_arrays([data[unit].to_numpy(), period], names=[unit, time])
    if index.has_duplicates:
        raise NotIdentified("evaluate.did_duplicate_rows", unit=unit, time=time)
    exog = exog.copy()
    for name in covariates:
        exog[name] = _numeric(data, name)
    for k in range(1, int(period.max()) + 1):
        exog[f"{PERIOD}{k}"] = (period == k).astype(float)
    exog.index = index
    y = pd.Series(data[outcome].to_numpy(float), index=index, name=outcome)
    groups = codes(data[cluster])
    clusters = int(groups.max()) + 1
    if clusters < 2:
        raise NotIdentified("evaluate.did_too_few_clusters", clusters=clusters)
    weights = None if w is None else pd.Series(w, index=index)
    try:
        model = PanelOLS(y, exog, entity_effects=True, weights=weights, drop_absorbed=True)
    except ValueError as error:  # the regressors are collinear
        raise collinear from error
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = model.fit(
                cov_type="clustered",
                clusters=pd.DataFrame({"c": groups}, index=index),
                group_debias=True,
            )
    except ValueError as error:  # every regressor absorbed by the effects
        raise NotIdentified("evaluate.did_effect_absorbed") from error
    return fit, f"CR1 cluster-robust by {cluster}", clusters


def _event_estimates(
    fit, terms: dict[str, int], counts: dict[str, int], n: int, df: int
) -> list[Estimate]:
    """The mean of the post-period coefficients (with its variance from their covariance),
    then each coefficient."""
    post_terms = [term for term, r in terms.items() if r >= 0]
    weights = pd.Series(0.0, index=fit.params.index)
    weights[post_terms] = 1 / len(post_terms)
    main = float(weights @ fit.params)
    main_se = float(np.sqrt(weights @ fit.cov @ weights))
    name = f"mean({post_terms[0]}..{post_terms[-1]})" if len(post_terms) > 1 else post_terms[0]
    estimates = [Estimate(name, main, main_se, n, *t_inference(main, main_se, df))]
    for term in terms:
        b, se = float(fit.params[term]), float(fit.std_errors[term])
        estimates.append(Estimate(term, b, se, counts[term], *t_inference(b, se, df)))
    return estimates


def _pretrend(fit, lead_terms: list[str]) -> tuple[dict[str, object] | None, list[Caveat]]:
    if not lead_terms:
        return None, [Caveat("evaluate.did_no_pretrend_test")]
    names = list(fit.params.index)
    restriction = np.zeros((len(lead_terms), len(names)))
    for row, term in enumerate(lead_terms):
        restriction[row, names.index(term)] = 1
    test = fit.wald_test(restriction, np.zeros(len(lead_terms)))
    result = {
        "test": "joint Wald test that all lead coefficients are zero (chi-squared)",
        "terms": lead_terms,
        "statistic": float(test.stat),
        "df": int(test.df),
        "p_value": float(test.pval),
    }
    caveats = []
    if test.pval < PRETREND_LEVEL:
        caveats.append(Caveat("evaluate.pretrend_rejected", {"p": float(test.pval)}, severe=True))
    return result, caveats


# --- small helpers ---


def _numeric(data: pd.DataFrame, column: str) -> np.ndarray:
    if not pd.api.types.is_numeric_dtype(data[column]):
        raise NotIdentified("evaluate.did_not_numeric", column=column)
    return data[column].to_numpy(float)


def _check_rank(x: np.ndarray, covariates: tuple[str, ...]) -> None:
    cross = x.T @ x
    scale = np.sqrt(np.diag(cross))
    scale[scale == 0] = 1
    if np.linalg.matrix_rank(cross / np.outer(scale, scale), tol=1e-10) < x.shape[1]:
        raise NotIdentified("evaluate.did_collinear", columns=", ".join(covariates) or "-")


def _staggered(data: pd.DataFrame, unit: str, time: str, d: np.ndarray) -> bool:
    """Do treated units start treatment in different periods?"""
    on = pd.DataFrame({"u": data[unit].to_numpy(), "t": data[time].to_numpy(), "d": d})
    starts = on.loc[on["d"] == 1].groupby("u")["t"].min()
    return starts.nunique() > 1


def _term(relative: int) -> str:
    return f"t{relative:+d}" if relative else "t+0"


def _period_label(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _coefficient_plot(estimates: list[Estimate], values: list[int]) -> dict[str, list]:
    rows = [(r, e.estimate, *e.interval()) for e, r in zip(estimates, values, strict=True)]
    rows.append((-1, 0.0, 0.0, 0.0))
    rows.sort()
    return {
        "relative_time": [r[0] for r in rows],
        "estimate": [r[1] for r in rows],
        "ci_low": [r[2] for r in rows],
        "ci_high": [r[3] for r in rows],
    }
