"""Staggered adoption: the group-time average treatment effects of Callaway & Sant'Anna (2021).

When units start a programme in different periods, two-way fixed effects compare newly treated
units with units treated earlier, whose own effects are still changing, and can be biased even in
sign. Callaway & Sant'Anna instead estimate one effect ATT(g, t) for each cohort g (the units
first treated in period g) and period t, each a 2×2 difference-in-differences against clean
controls, and then average them.

- Data: a balanced panel (every unit observed in every period), ``first_treated`` on the scale
  of ``time``; never-treated units have it missing, ``inf`` or ``0`` (see
  :mod:`sejahtera.evaluate.did`), and so do, as in R's ``did`` package, units first treated after
  the last period. Units treated in the first period have no baseline and are left out (a caveat
  counts them).
- Controls: ``"never"`` (never-treated units) or ``"not_yet"`` (never-treated units and units
  not yet treated in period t).
- Base period ``"varying"``, the default of R's ``did``: a post-treatment ATT(g, t) compares t
  with g−1; a pre-treatment one compares t with t−1, so the pre-treatment estimates are
  period-to-period placebo effects.
- Without covariates ATT(g, t) is a difference of mean changes. With ``covariates`` (numbers,
  taken in the base period) it is the outcome-regression estimator of Heckman, Ichimura & Todd
  (1997) as in Sant'Anna & Zhao (2020): the controls' change is regressed on the covariates
  (statsmodels OLS) and predicted for the cohort.
- Standard errors come from the influence functions, clustered by unit (or by ``cluster``, when
  units are nested in it, by summing them within clusters; no small-sample factor, as R's
  ``did``). With ``bootstrap`` = B > 0 a multiplier bootstrap with Mammen's weights (drawn per
  cluster) gives the standard errors instead, and the event-time intervals become a
  simultaneous 95 % band.

Estimates (the main one first): ``ATT``, the average over cohorts of each cohort's average effect
after treatment, weighted by cohort size (the ``"group"`` aggregation of R's ``did``, θ^O_sel in
the paper); then ``e=-3``, …, ``e=0``, ``e=1``, … (event time, the ``"dynamic"`` aggregation:
ATT(g, g+e) averaged over cohorts weighted by size); then ``g=<period>`` per cohort. The
aggregations account for the estimated cohort shares in their influence functions, as the paper
and R's ``did`` do. ``n`` is the number of treated units behind each estimate. Diagnostics hold
the table of ATT(g, t), the ``"simple"`` aggregation, and a Wald test that all pre-treatment
ATT(g, t) are zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal, get_args

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from sejahtera.evaluate.columns import Complete, complete_rows
from sejahtera.evaluate.did import (
    PRETREND_LEVEL,
    check_design,
    cluster_caveats,
    codes,
    cohort_labels,
    cohorts,
    means_plot,
)
from sejahtera.evaluate.result import LEVEL, Caveat, Estimate, Evaluation, NotIdentified

Control = Literal["never", "not_yet"]
MAMMEN = ((1 - 5**0.5) / 2, (1 + 5**0.5) / 2)  # values of Mammen's two-point weights ...
MAMMEN_P = (5**0.5 + 1) / (2 * 5**0.5)  # ... and the probability of the first


@dataclass
class _Panel:
    """The data as unit × period matrices; ``cohort`` is +inf for never-treated units."""

    periods: np.ndarray
    y: np.ndarray  # units × periods
    x: np.ndarray | None  # units × periods × covariates
    cohort: np.ndarray
    clusters: np.ndarray  # cluster code of each unit
    rows: pd.DataFrame  # the rows used, for the plot
    row_cohort: np.ndarray
    complete: Complete  # the rows with every used value, and how many were left out
    dropped_first: int


@dataclass
class _Cells:
    """ATT(g, t) with their influence functions (units × cells)."""

    group: np.ndarray
    time: np.ndarray
    base: np.ndarray
    att: np.ndarray
    psi: np.ndarray
    treated: np.ndarray
    controls: np.ndarray
    skipped: list[str]


def staggered_did(
    frame: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    first_treated: str,
    *,
    control: Control = "never",
    covariates: Sequence[str] = (),
    cluster: str | None = None,
    bootstrap: int = 0,
    seed: int = 0,
) -> Evaluation:
    """Callaway & Sant'Anna group-time effects of a programme adopted at different times,
    aggregated to one overall effect, effects by event time and effects by cohort."""
    if control not in get_args(Control):
        raise NotIdentified(
            "evaluate.did_bad_option", option="control", value=control, allowed="never, not_yet"
        )
    if bootstrap < 0:
        raise NotIdentified(
            "evaluate.did_bad_option", option="bootstrap", value=bootstrap, allowed="0, 1, 2, …"
        )
    covariates = tuple(covariates)
    panel = _panel(frame, outcome, unit, time, first_treated, cluster, covariates)
    cells = _group_time(panel, control)
    n = len(panel.cohort)
    aggregates = _aggregations(cells, panel.cohort)
    names = list(aggregates)
    influence = np.column_stack([*(value[1] for value in aggregates.values()), cells.psi])
    sums = _cluster_sums(influence, panel.clusters)
    se, critical = np.sqrt((sums**2).sum(axis=0)) / n, None
    if bootstrap:
        band = [k for k, name in enumerate(names) if name.startswith("e=")]
        se, critical = _bootstrap(sums, n, bootstrap, seed, band)
    se_of = dict(zip(names, se[: len(names)], strict=True))

    estimates = []
    for name in names[:-2]:  # "simple" and "dynamic" go to the diagnostics
        value, s = float(aggregates[name][0]), float(se_of[name])
        count = _count(name, panel.cohort, cells)
        if critical is not None and name.startswith("e="):
            band = (value - critical * s, value + critical * s)
            estimates.append(Estimate(name, value, s, count, None, *band))
        else:
            estimates.append(Estimate(name, value, s, count))
    pre = np.flatnonzero(cells.time < cells.group)
    pretrend = _pretrend(cells.att[pre], sums[:, len(names) + pre], n)
    diagnostics = {
        "design": "staggered adoption (Callaway & Sant'Anna 2021)",
        "control": control,
        "base_period": "varying",
        "aggregation": "ATT: cohort averages after treatment, weighted by cohort size "
        "(R did 'group'); e=: event time (R did 'dynamic')",
        "se_type": _se_type(cluster, bootstrap),
        "units": n,
        "periods": [_plain(p) for p in panel.periods],
        "cohorts": {_label(g): int((panel.cohort == g).sum()) for g in np.unique(cells.group)},
        "never_treated": int(np.isinf(panel.cohort).sum()),
        "dropped_missing": panel.complete.dropped,
        "dropped_first_period": panel.dropped_first,
        "covariates": list(covariates),
        "att_gt": _table(cells, se[len(names) :]),
        "skipped_cells": cells.skipped,
        "pretrend": pretrend,
        "simple": {"estimate": aggregates["simple"][0], "se": float(se_of["simple"])},
        "dynamic_overall": {"estimate": aggregates["dynamic"][0], "se": float(se_of["dynamic"])},
        "uniform_critical_value": critical,
    }
    plot = means_plot(panel.rows, outcome, time, cohort_labels(panel.row_cohort), None, None)
    dynamic = [e for e in estimates if e.term.startswith("e=")]
    plot["coefficients"] = {
        "relative_time": [int(e.term[2:]) for e in dynamic],
        "estimate": [e.estimate for e in dynamic],
        "ci_low": [e.interval()[0] for e in dynamic],
        "ci_high": [e.interval()[1] for e in dynamic],
    }
    caveats = _caveats(pretrend, panel, cells, cluster)
    return Evaluation("staggered", outcome, estimates, diagnostics, caveats, plot)


def _aggregations(cells: _Cells, cohort: np.ndarray) -> dict[str, tuple[float, np.ndarray]]:
    """Each aggregate with its influence function: ``ATT`` (cohort averages weighted by cohort
    size), ``e=…`` (event time), ``g=…`` (cohort), then ``simple`` (all post-treatment ATT(g, t)
    weighted by cohort size) and ``dynamic`` (the mean of the ``e=…`` from e = 0 on)."""
    post = cells.time >= cells.group
    if not post.any():
        raise NotIdentified("evaluate.did_no_control_units", control="-")
    groups = np.unique(cells.group[post])
    group_att = np.array([cells.att[post & (cells.group == g)].mean() for g in groups])
    group_psi = np.column_stack(
        [cells.psi[:, post & (cells.group == g)].mean(axis=1) for g in groups]
    )
    every = np.arange(len(groups))
    result = {"ATT": _average(group_att, group_psi, groups, every, cohort)}
    event = cells.time - cells.group
    for e in np.unique(event):
        keep = np.flatnonzero(event == e)
        result[f"e={int(e)}"] = _average(cells.att, cells.psi, cells.group, keep, cohort)
    for k, g in enumerate(groups):
        result[f"g={_label(g)}"] = (float(group_att[k]), group_psi[:, k])
    result["simple"] = _average(cells.att, cells.psi, cells.group, np.flatnonzero(post), cohort)
    after = [
        value for name, value in result.items() if name.startswith("e=") and int(name[2:]) >= 0
    ]
    result["dynamic"] = (
        float(np.mean([value[0] for value in after])),
        np.mean([value[1] for value in after], axis=0),
    )
    return result


def _caveats(
    pretrend: dict[str, object] | None, panel: _Panel, cells: _Cells, cluster: str | None
) -> list[Caveat]:
    caveats = []
    if pretrend is None:
        caveats.append(Caveat("evaluate.did_no_pretrend_test"))
    elif pretrend["p_value"] < PRETREND_LEVEL:  # type: ignore[operator]
        caveats.append(Caveat("evaluate.pretrend_rejected", {"p": pretrend["p_value"]}, True))
    if cluster is not None:
        caveats += cluster_caveats(panel.clusters, np.isfinite(panel.cohort))
    if panel.dropped_first:
        caveats.append(Caveat("evaluate.did_dropped_first_period", {"units": panel.dropped_first}))
    if cells.skipped:
        skipped = {"cells": ", ".join(cells.skipped)}
        caveats.append(Caveat("evaluate.did_cells_without_controls", skipped))
    return caveats + panel.complete.caveats()


def _table(cells: _Cells, se: np.ndarray) -> list[dict[str, object]]:
    """The ATT(g, t) with their standard errors and the numbers of units compared."""
    return [
        {
            "group": _plain(cells.group[k]),
            "time": _plain(cells.time[k]),
            "base": _plain(cells.base[k]),
            "event_time": _plain(cells.time[k] - cells.group[k]),
            "estimate": float(cells.att[k]),
            "se": float(se[k]),
            "n_treated": int(cells.treated[k]),
            "n_control": int(cells.controls[k]),
        }
        for k in range(len(cells.att))
    ]


def _panel(
    frame: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    first_treated: str,
    cluster: str | None,
    covariates: tuple[str, ...],
) -> _Panel:
    complete = complete_rows(frame, [outcome, unit, time, cluster, *covariates], [first_treated])
    data = complete.data
    cohort = cohorts(data, time, first_treated)
    periods = np.sort(data[time].unique())
    cohort[cohort > periods[-1]] = np.nan  # first treated after the panel: never, here
    units = codes(data[unit])
    by_unit = pd.DataFrame({"u": units, "g": np.nan_to_num(cohort, nan=np.inf)})
    if (by_unit.groupby("u")["g"].nunique() > 1).any():
        raise NotIdentified("evaluate.did_first_treated_varies", column=first_treated, unit=unit)
    if cluster is not None:
        by_unit["c"] = codes(data[cluster])
        if (by_unit.groupby("u")["c"].nunique() > 1).any():
            raise NotIdentified("evaluate.did_cluster_varies", column=cluster, unit=unit)
    first = cohort <= periods[0]
    dropped_first = len(np.unique(units[first]))
    keep = ~first
    data, cohort, units = data.loc[keep], cohort[keep], units[keep]
    relative = data[time].to_numpy(float) - cohort
    if np.any(~np.isnan(cohort) & (np.round(relative) != relative)):
        raise NotIdentified("evaluate.did_relative_time", time=time, column=first_treated)
    check_design(data, outcome, first_treated, time, ~np.isnan(cohort), relative >= 0, panel=True)
    wide = pd.DataFrame({"u": units, "t": data[time].to_numpy(), "y": data[outcome].to_numpy()})
    if wide.duplicated(["u", "t"]).any():
        raise NotIdentified("evaluate.did_duplicate_rows", unit=unit, time=time)
    table = wide.pivot(index="u", columns="t", values="y").reindex(columns=periods)
    if table.isna().to_numpy().any():
        incomplete = int(table.isna().any(axis=1).sum())
        raise NotIdentified("evaluate.did_unbalanced_panel", units=incomplete, periods=len(periods))
    x = None
    if covariates:
        x = np.stack(
            [
                pd.DataFrame({"u": units, "t": wide["t"], "v": data[c].to_numpy(float)})
                .pivot(index="u", columns="t", values="v")
                .reindex(index=table.index, columns=periods)
                .to_numpy()
                for c in covariates
            ],
            axis=2,
        )
    unit_cohort = by_unit.groupby("u")["g"].first().reindex(table.index).to_numpy()
    if cluster is not None:
        unit_clusters = codes(by_unit.groupby("u")["c"].first().reindex(table.index))
    else:
        unit_clusters = np.arange(len(table))
    return _Panel(
        periods=periods,
        y=table.to_numpy(float),
        x=x,
        cohort=unit_cohort,
        clusters=unit_clusters,
        rows=data,
        row_cohort=cohort,
        complete=complete,
        dropped_first=dropped_first,
    )


def _group_time(panel: _Panel, control: Control) -> _Cells:
    """ATT(g, t) for every cohort g and every period t after the first."""
    periods, cohort, n = panel.periods, panel.cohort, len(panel.cohort)
    rows: list[tuple[float, float, float, float, int, int]] = []
    psis: list[np.ndarray] = []
    skipped: list[str] = []
    for g in np.unique(cohort[np.isfinite(cohort)]):
        last_before = int(np.flatnonzero(periods < g)[-1])
        treat = cohort == g
        for k in range(1, len(periods)):
            t = periods[k]
            b = k - 1 if t < g else last_before
            if control == "never":
                controls = np.isinf(cohort)
            else:
                controls = (cohort > max(t, periods[b])) & ~treat
            if not controls.any():
                skipped.append(f"({_label(g)}, {_label(t)})")
                continue
            change = panel.y[:, k] - panel.y[:, b]
            x = None if panel.x is None else panel.x[:, b, :]
            att, psi = _att(change, treat, controls, x, n)
            rows.append((g, t, periods[b], att, int(treat.sum()), int(controls.sum())))
            psis.append(psi)
    if not rows:
        raise NotIdentified("evaluate.did_no_control_units", control=control)
    g_, t_, b_, att, nt, nc = (np.array(column) for column in zip(*rows, strict=True))
    return _Cells(g_, t_, b_, att, np.column_stack(psis), nt, nc, skipped)


def _att(
    change: np.ndarray, treat: np.ndarray, controls: np.ndarray, x: np.ndarray | None, n: int
) -> tuple[float, np.ndarray]:
    """One ATT(g, t) and its influence function (zero for units in neither group).

    Without covariates: mean change of the cohort − mean change of the controls. With them, the
    controls' change is predicted from the covariates by OLS; the influence function then carries
    the estimation error of the OLS coefficients (Sant'Anna & Zhao 2020, outcome regression)."""
    n_treated = treat.sum()
    psi = np.zeros(n)
    if x is None:
        mean_treated, mean_control = change[treat].mean(), change[controls].mean()
        psi[treat] = n / n_treated * (change[treat] - mean_treated)
        psi[controls] = -n / controls.sum() * (change[controls] - mean_control)
        return float(mean_treated - mean_control), psi
    design = np.column_stack([np.ones(n), x])
    fit = sm.OLS(change[controls], design[controls]).fit()
    if fit.df_model < design.shape[1] - 1:
        raise NotIdentified("evaluate.did_collinear", columns="covariates")
    residual = change - design @ fit.params
    att = float(residual[treat].mean())
    psi[treat] = n / n_treated * (residual[treat] - att)
    # d ATT / d beta = −(mean covariates of the cohort); the OLS influence is n (X'X)⁻¹ x e.
    direction = design[treat].mean(axis=0) @ fit.normalized_cov_params
    psi[controls] -= n * (design[controls] @ direction) * residual[controls]
    return att, psi


def _average(
    att: np.ndarray, psi: np.ndarray, cohort_of: np.ndarray, keep: np.ndarray, cohort: np.ndarray
) -> tuple[float, np.ndarray]:
    """Average of ``att[keep]`` weighted by the size of each one's cohort, with its influence
    function. The weights are estimated cohort shares; their influence on unit i works out to
    (a(G_i) − θ·c(G_i)) / S, with a(g) the sum and c(g) the number of kept effects of cohort g,
    and S = Σ_k share(g_k)."""
    n = len(cohort)
    share = np.array([(cohort == g).sum() / n for g in cohort_of[keep]])
    total = share.sum()
    theta = float(share @ att[keep] / total)
    influence = psi[:, keep] @ (share / total)
    kept = pd.DataFrame({"g": cohort_of[keep], "a": att[keep]}).groupby("g")["a"]
    a, c = kept.sum(), kept.size()
    unit_a = pd.Series(cohort).map(a).fillna(0).to_numpy()
    unit_c = pd.Series(cohort).map(c).fillna(0).to_numpy()
    return theta, influence + (unit_a - theta * unit_c) / total


def _cluster_sums(influence: np.ndarray, clusters: np.ndarray) -> np.ndarray:
    """Influence functions summed within clusters (clusters × columns)."""
    if clusters.max() + 1 == len(clusters):
        return influence  # one unit per cluster
    order = np.argsort(clusters, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(clusters[order]) != 0])
    return np.add.reduceat(influence[order], starts, axis=0)


def _bootstrap(
    sums: np.ndarray, n: int, draws: int, seed: int, band: list[int]
) -> tuple[np.ndarray, float]:
    """Multiplier bootstrap: standard errors (scaled interquartile range, as R's ``did``) and
    the critical value of a simultaneous 95 % band over the ``band`` columns."""
    rng = np.random.default_rng(seed)
    clusters = len(sums)
    chunk = max(1, 5_000_000 // max(clusters, 1))
    results = []
    for start in range(0, draws, chunk):
        size = min(chunk, draws - start)
        weights = np.where(rng.random((size, clusters)) < MAMMEN_P, *MAMMEN)
        results.append(weights @ sums / n)
    draws_ = np.vstack(results)
    normal = NormalDist()
    low, high = np.quantile(draws_, [0.25, 0.75], axis=0)
    se = (high - low) / (normal.inv_cdf(0.75) - normal.inv_cdf(0.25))
    if not band:
        return se, normal.inv_cdf(0.5 + LEVEL / 2)
    scaled = np.abs(draws_[:, band]) / se[band]
    critical = float(np.quantile(scaled.max(axis=1), LEVEL))
    return se, max(critical, normal.inv_cdf(0.5 + LEVEL / 2))


def _pretrend(att: np.ndarray, sums: np.ndarray, n: int) -> dict[str, object] | None:
    """Wald test that all pre-treatment ATT(g, t) are zero (chi-squared), as R's ``did``."""
    if len(att) == 0:
        return None
    variance = sums.T @ sums / n**2
    if np.linalg.matrix_rank(variance) < len(att):
        return None
    statistic = float(att @ np.linalg.solve(variance, att))
    return {
        "test": "Wald test that all pre-treatment ATT(g,t) are zero (chi-squared)",
        "statistic": statistic,
        "df": len(att),
        "p_value": float(stats.chi2.sf(statistic, len(att))),
    }


def _count(name: str, cohort: np.ndarray, cells: _Cells) -> int:
    """Treated units behind an estimate."""
    if name.startswith("g="):
        groups = np.unique(cells.group[[_label(g) == name[2:] for g in cells.group]])
    elif name.startswith("e="):
        groups = np.unique(cells.group[cells.time - cells.group == int(name[2:])])
    else:
        groups = np.unique(cells.group[cells.time >= cells.group])
    return int(np.isin(cohort, groups).sum())


def _se_type(cluster: str | None, bootstrap: int) -> str:
    where = f"clustered by {cluster}" if cluster else "clustered by unit"
    if bootstrap:
        return f"multiplier bootstrap ({bootstrap} draws, Mammen weights), {where}"
    return f"analytic influence function, {where}"


def _label(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _plain(value: object) -> object:
    value = value.item() if isinstance(value, np.generic) else value
    return int(value) if isinstance(value, float) and value.is_integer() else value
