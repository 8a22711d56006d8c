"""Survey design and variance by linearisation.

An estimator linearises as ``θ̂ ≈ θ + Σ_k w_k u_k``: ``u_k`` is the change in θ̂ per unit of weight
on row ``k`` (its influence). Its variance is the variance of that weighted total under the design.
We use the standard with-replacement approximation for stratified multi-stage samples (the one
Stata's ``svy`` and R's ``survey`` use by default):

    Var = Σ_h n_h / (n_h − 1) · Σ_i (t_hi − t̄_h)²,   t_hi = Σ_{k in PSU i of stratum h} w_k u_k

Without strata the sample is one stratum; without PSUs every row is its own PSU. A group (domain)
keeps every PSU of its stratum in ``n_h``, with a zero total where it has no rows, so domain
variances are correct and not conditional on the group's sample size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sejahtera.errors import SejahteraError


@dataclass(frozen=True)
class Design:
    """Weights and, optionally, the strata and PSUs of a sample survey."""

    weights: np.ndarray
    stratum: np.ndarray  # int code per row, 0..H-1
    cluster: np.ndarray  # int code per row, unique across strata, 0..C-1
    psu_per_stratum: np.ndarray  # n_h
    cluster_stratum: np.ndarray  # stratum of each cluster
    has_clusters: bool

    @classmethod
    def build(
        cls,
        weights: np.ndarray,
        strata: pd.Series | np.ndarray | None = None,
        psu: pd.Series | np.ndarray | None = None,
        strata_name: str = "stratum",
    ) -> Design:
        weights = np.asarray(weights, dtype=np.float64)
        rows = len(weights)
        stratum = _codes(strata, rows)
        if psu is None:
            cluster = np.arange(rows, dtype=np.int64)
        else:
            # A PSU label is only unique within its stratum.
            cluster = _codes(pd.MultiIndex.from_arrays([stratum, np.asarray(psu)]), rows)
        count = int(cluster.max()) + 1 if rows else 0
        cluster_stratum = np.zeros(count, dtype=np.int64)
        cluster_stratum[cluster] = stratum
        psu_per_stratum = np.bincount(cluster_stratum, minlength=int(stratum.max(initial=-1)) + 1)
        lonely = np.flatnonzero(psu_per_stratum == 1)
        if len(lonely) and strata is not None:
            label = np.asarray(strata)[np.flatnonzero(stratum == lonely[0])[0]]
            raise SejahteraError("measure.lonely_psu", column=strata_name, value=label)
        return cls(weights, stratum, cluster, psu_per_stratum, cluster_stratum, psu is not None)

    def domain(self, rows: np.ndarray | slice) -> Domain:
        """The variance machinery for the rows of one group."""
        cluster = self.cluster[rows]
        if self.has_clusters:
            clusters, local = np.unique(cluster, return_inverse=True)
        else:
            clusters, local = cluster, None
        return Domain(self, local, clusters, self.cluster_stratum[clusters])

    def shared(self, weighted_influence: np.ndarray) -> Shared:
        """PSU totals of an influence over all rows (a relative poverty line's, say).

        A group's estimate that depends on such a whole-population quantity has an influence on
        rows outside the group; :meth:`Domain.variance` adds it from these totals.
        """
        totals = np.bincount(self.cluster, weighted_influence, minlength=len(self.cluster_stratum))
        strata = len(self.psu_per_stratum)
        return Shared(
            totals,
            np.bincount(self.cluster_stratum, totals, minlength=strata),
            np.bincount(self.cluster_stratum, totals * totals, minlength=strata),
        )

    def variance(self, weighted_influence: np.ndarray) -> float:
        """Variance of ``Σ w_k u_k`` over all rows (``weighted_influence`` is ``w · u``)."""
        return self.domain(slice(None)).variance(weighted_influence)


@dataclass(frozen=True)
class Shared:
    totals: np.ndarray  # per PSU
    first: np.ndarray  # per stratum: Σ totals
    second: np.ndarray  # per stratum: Σ totals²


@dataclass(frozen=True)
class Domain:
    design: Design
    local_cluster: np.ndarray | None  # None: every row is its own PSU
    clusters: np.ndarray  # the design's PSU number of each local PSU
    stratum_of_cluster: np.ndarray

    def variance(
        self, weighted_influence: np.ndarray, slope: float = 0.0, shared: Shared | None = None
    ) -> float:
        """Variance of ``Σ w_k u_k`` over this group's rows, plus ``slope`` × a shared influence."""
        totals = (
            weighted_influence
            if self.local_cluster is None
            else np.bincount(self.local_cluster, weighted_influence)
        )
        strata = len(self.design.psu_per_stratum)
        first = np.bincount(self.stratum_of_cluster, totals, minlength=strata)
        second = np.bincount(self.stratum_of_cluster, totals * totals, minlength=strata)
        if shared is not None and slope:
            cross = np.bincount(
                self.stratum_of_cluster, totals * shared.totals[self.clusters], minlength=strata
            )
            first = first + slope * shared.first
            second = second + 2 * slope * cross + slope * slope * shared.second
        n = self.design.psu_per_stratum.astype(np.float64)
        usable = n > 1
        if not usable.any():  # a single PSU: there is no spread between PSUs to estimate from
            return float("nan")
        spread = second[usable] - first[usable] ** 2 / n[usable]
        return float(np.sum(n[usable] / (n[usable] - 1) * spread))


def _codes(values: object, rows: int) -> np.ndarray:
    if values is None:
        return np.zeros(rows, dtype=np.int64)
    codes, _ = pd.factorize(values, sort=True)  # type: ignore[call-overload]
    return codes.astype(np.int64)
