"""The wild cluster bootstrap for a regression coefficient when there are few clusters.

Cluster-robust (CR1) standard errors are too small with fewer than about 30 clusters, and the
t-test built on them rejects too often; a kabupaten has only 10–20 kecamatan. The restricted
wild cluster bootstrap (WCR) of Cameron, Gelbach & Miller (2008) keeps its size there
(MacKinnon & Webb 2017, 2018).

When: :func:`use_bootstrap` decides for :func:`sejahtera.evaluate.did.did` by its
``inference`` option. ``"auto"`` (the default) bootstraps clustered estimates with fewer than
:data:`FEW_CLUSTERS` clusters and uses CR1 from 30 on, ``"cluster"`` never bootstraps,
``"wild-bootstrap"`` always does (clusters are then required). The bootstrap replaces the
p-value and the 95 % interval of the effect; the standard error stays the analytic CR1, and
:func:`bootstrap_inference` keeps the analytic p-value and interval beside the bootstrap's in
``diagnostics["inference"]`` with the weights, the repetitions, the seed and the number of
clusters, and adds the caveat that tells the reader why.

How: the bootstrap is run by the maintained ``wildboottest`` package (the Python port of the
``fwildclusterboot``/``boottest`` algorithm, Roodman et al. 2019), not written here:

- the WCR11 variant: the null imposed on the bootstrap data, CR1 in the bootstrap t;
- Webb's six-point weights with fewer than :data:`WEBB_BELOW` clusters, where Rademacher weights
  have too few distinct draws (2^G) for a usable p-value (Webb 2014; MacKinnon & Webb 2018),
  Rademacher weights otherwise; when 2^G is smaller than the repetitions asked for, wildboottest
  enumerates all 2^G Rademacher sign vectors, an exact answer that needs no seed;
- the p-value is the share of bootstrap |t*| larger than |t| (symmetric, two-sided). A draw
  whose |t*| equals |t| up to rounding (:data:`TIES`) does not count as larger: enumeration
  always holds two such draws, all signs +1 and all −1, which reproduce ±t exactly, and
  wildboottest would count them or not by the luck of rounding;
- the confidence interval is the set of values β0 that the same test, with the same draws, does
  not reject at 5 % (test inversion, as ``boottest`` does). Testing β = β0 is testing 0 in the
  regression of y − β0·x on X; each draw's bootstrap numerator is affine and its squared
  denominator quadratic in β0, so wildboottest is run at β0 = 0 and ±se and every other β0 is
  exact from those three runs. An interval can be unbounded (±inf) with very few clusters.

Weights (WLS) enter as √w times y and X, as in the estimate.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np

from sejahtera.evaluate.result import LEVEL, Caveat, NotIdentified

FEW_CLUSTERS = 30  # below this, CR1 standard errors are too small: bootstrap instead
WEBB_BELOW = 12  # fewer clusters than this: Webb's six-point weights
REPS = 9_999
MIN_REPS = 99
SEARCH_STEPS = 40  # doublings of the step outward from the estimate before a bound is inf
BISECTIONS = 80
TIES = 1e-9  # |t*| within this relative distance of |t| is a tie, not larger

Weights = Literal["webb", "rademacher"]
Inference = Literal["auto", "cluster", "wild-bootstrap"]
Design = tuple[np.ndarray, np.ndarray, int]  # √w·X, √w·y, the column of the coefficient


@dataclass(frozen=True)
class WildBootstrap:
    """What the bootstrap found for one coefficient."""

    p_value: float
    ci_low: float
    ci_high: float
    weights: Weights
    reps: int  # draws made: 2^G when every Rademacher sign vector was enumerated
    enumerated: bool
    seed: int
    clusters: int

    def to_dict(self) -> dict[str, object]:
        return {
            "p_value": self.p_value,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "weights": self.weights,
            "reps": self.reps,
            "enumerated": self.enumerated,
            "seed": self.seed,
            "clusters": self.clusters,
        }


def check_inference(inference: str, reps: int, seed: int) -> None:
    """Refuse an unknown ``inference``, fewer than 99 repetitions or a negative seed."""
    if inference not in get_args(Inference):
        allowed = ", ".join(get_args(Inference))
        raise NotIdentified("evaluate.did_bad_option", option="inference", value=inference,
                            allowed=allowed)  # fmt: skip
    if not isinstance(reps, int | np.integer) or reps < MIN_REPS:
        raise NotIdentified("evaluate.did_bad_option", option="bootstrap", value=reps,
                            allowed=f"{MIN_REPS}, …, {REPS}, …")  # fmt: skip
    if not isinstance(seed, int | np.integer) or seed < 0:
        raise NotIdentified("evaluate.did_bad_option", option="seed", value=seed,
                            allowed="0, 1, 2, …")  # fmt: skip


def use_bootstrap(inference: str, groups: np.ndarray | None) -> bool:
    """Are the p-value and interval to come from the wild cluster bootstrap? (``groups``: the
    cluster codes 0…G−1, or None when not clustered.)"""
    if inference == "wild-bootstrap" and groups is None:
        raise NotIdentified("evaluate.did_wild_needs_cluster")
    if groups is None or inference == "cluster":
        return False
    return inference == "wild-bootstrap" or int(groups.max()) + 1 < FEW_CLUSTERS


def bootstrap_inference(
    result: dict[str, object],
    design: Design,
    groups: np.ndarray,
    cluster: str,
    inference: str,
    reps: int,
    seed: int,
) -> tuple[dict[str, object], Caveat]:
    """Replace the p-value and interval in ``result`` (estimate, se, p_value, ci_low, ci_high)
    by the bootstrap's for the coefficient of ``design`` = (√w·X, √w·y, column); return what was
    done, with the analytic values kept, and the caveat that tells the reader why."""
    x, y, column = design
    se = float(result["se"])  # type: ignore[arg-type]
    found = wild_cluster_bootstrap(x, y, groups, column, reps=reps, seed=seed, scale=se)
    used = {
        "method": "wild-bootstrap",
        "asked": inference,
        "variant": "WCR11 (null imposed, CR1 in the bootstrap t) by wildboottest",
        "threshold": FEW_CLUSTERS,
        **found.to_dict(),
        "analytic_p_value": result["p_value"],
        "analytic_ci_low": result["ci_low"],
        "analytic_ci_high": result["ci_high"],
    }
    result.update(p_value=found.p_value, ci_low=found.ci_low, ci_high=found.ci_high)
    values = {
        "clusters": found.clusters,
        "cluster": cluster,
        "threshold": FEW_CLUSTERS,
        "weights": found.weights.capitalize(),
        "webb_below": WEBB_BELOW,
        "reps": found.reps,
    }
    few = found.clusters < FEW_CLUSTERS  # else it was asked for
    key = "evaluate.did_wild_bootstrap" if few else "evaluate.did_wild_bootstrap_asked"
    return used, Caveat(key, values)


def weights_for(clusters: int) -> Weights:
    return "webb" if clusters < WEBB_BELOW else "rademacher"


def wild_cluster_bootstrap(
    x: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    column: int,
    *,
    reps: int = REPS,
    seed: int = 0,
    scale: float = 1.0,
) -> WildBootstrap:
    """WCR p-value and 95 % interval of the coefficient of ``x[:, column]`` in the OLS of ``y``
    on ``x`` (already multiplied by √weights), clustered by ``groups``. ``scale`` (the analytic
    standard error) sets where the three runs are made; any positive value gives the same
    answer up to rounding."""
    clusters = len(np.unique(groups))
    weights = weights_for(clusters)
    h = scale if scale > 0 and math.isfinite(scale) else 1.0
    effect = x[:, column]
    runs = [_run(x, y - b0 * effect, groups, column, reps, seed, weights) for b0 in (0, h, -h)]
    at_zero = runs[0]
    # Each quantity q(u) at β0 = u·h from its values at u = 0, 1, −1.
    t0, t1 = _line(*(run.t_stat for run in runs))
    n0, n1 = _line(*(run.numer for run in runs))
    d0, d1, d2 = _parabola(*(run.denom for run in runs))

    def p_at(u: float) -> float:
        with np.errstate(divide="ignore", invalid="ignore"):
            t_boot = (n0 + n1 * u) / np.sqrt(d0 + d1 * u + d2 * u * u)
        return float(np.mean(np.abs(t_boot) > abs(t0 + t1 * u) * (1 + TIES)))

    centre = -t0 / t1  # where t = 0: the estimate, in units of h
    low, high = (float(_bound(p_at, centre, side) * h) for side in (-1, 1))
    return WildBootstrap(
        p_value=p_at(0.0),  # wildboottest's own t and t* at β0 = 0
        ci_low=low,
        ci_high=high,
        weights=weights,
        reps=int(at_zero.B),
        enumerated=bool(at_zero.full_enumeration),
        seed=seed,
        clusters=clusters,
    )


def _run(
    x: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    column: int,
    reps: int,
    seed: int,
    weights: Weights,
) -> Any:
    """One wildboottest WCR11 run testing that the coefficient of ``column`` is 0: its
    ``t_stat``, and each draw's bootstrap numerator ``numer`` and squared denominator
    ``denom`` (t* = numer / √denom); ``B`` draws, ``full_enumeration`` or not."""
    from wildboottest.wildboottest import WildboottestCL  # numba: loaded only when needed

    restriction = np.zeros(x.shape[1])
    restriction[column] = 1.0
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore")
        # parallel=False: numba's threads must not meet the web server's threads.
        boot = WildboottestCL(
            X=x, Y=y, cluster=groups, R=restriction, B=reps, seed=seed, parallel=False
        )
        boot.get_scores(bootstrap_type="11", impose_null=True)
        boot.get_weights(weights_type=weights)
        boot.get_numer()
        boot.get_denom()
        boot.get_vcov()
        boot.get_tstat()
    boot.t_stat = float(np.ravel(boot.t_stat)[0])
    return boot


def _line(at0: Any, at1: Any, at_minus1: Any) -> tuple[np.ndarray, np.ndarray]:
    """Intercept and slope of an affine function known at u = 0, 1, −1."""
    return np.asarray(at0), (np.asarray(at1) - np.asarray(at_minus1)) / 2


def _parabola(at0: Any, at1: Any, at_minus1: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The coefficients of 1, u and u² of a quadratic known at u = 0, 1, −1."""
    zero, one, minus_one = (np.asarray(v) for v in (at0, at1, at_minus1))
    return zero, (one - minus_one) / 2, (one + minus_one) / 2 - zero


def _bound(p_at: Callable[[float], float], centre: float, side: int) -> float:
    """The end of the interval on ``side`` of ``centre``: the last point, walking outward, where
    the test does not reject; ±inf when it never rejects."""
    alpha = 1 - LEVEL
    inside, step = centre, 1.0
    for _ in range(SEARCH_STEPS):
        outside = centre + side * step
        if p_at(outside) <= alpha:
            break
        inside, step = outside, step * 2
    else:
        return side * math.inf
    for _ in range(BISECTIONS):
        middle = (inside + outside) / 2
        if middle in (inside, outside):
            break
        if p_at(middle) <= alpha:
            outside = middle
        else:
            inside = middle
    return (inside + outside) / 2
