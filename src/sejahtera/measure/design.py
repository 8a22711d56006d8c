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
from functools import cached_property

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
            if strata is None:  # a simple random sample or a registry: nothing to look up
                return cls(weights, stratum, cluster, np.array([rows]), stratum, False)
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
        return Domain(self, rows)

    def shared(self, weighted_influence: np.ndarray) -> Shared:
        """PSU totals of an influence over all rows (a relative poverty line's, say).

        A group's estimate that depends on such a whole-population quantity has an influence on
        rows outside the group; :meth:`Domain.variance` adds it from these totals.
        """
        if self.has_clusters:
            clusters = len(self.cluster_stratum)
            totals = np.bincount(self.cluster, weighted_influence, minlength=clusters)
        else:  # every row is its own PSU
            totals = weighted_influence
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


class Domain:
    """One group's rows in the design: their PSUs (numbered locally) and those PSUs' strata.

    With one stratum and no PSUs (a simple random sample or a registry), no PSU bookkeeping is
    needed at all: every row is its own PSU and the variance is two running sums.
    """

    def __init__(self, design: Design, rows: np.ndarray | slice) -> None:
        self.design = design
        self.rows = np.arange(len(design.weights))[rows] if isinstance(rows, slice) else rows
        self.strata = len(design.psu_per_stratum)
        self._shared_rows: dict[int, np.ndarray] = {}

    @cached_property
    def local(self) -> tuple[np.ndarray, np.ndarray]:
        """The design's PSU number of each local PSU, and each row's local PSU."""
        clusters, local = np.unique(self.design.cluster[self.rows], return_inverse=True)
        return clusters, local

    @property
    def simple(self) -> bool:
        """One stratum and no PSUs: every row is its own PSU."""
        return self.strata == 1 and not self.design.has_clusters

    @cached_property
    def row_strata(self) -> np.ndarray:
        return self.design.stratum[self.rows]

    def accumulator(self, slope: float = 0.0, shared: Shared | None = None) -> Accumulator:
        # An estimate that does not move with the shared quantity (slope 0) owes it nothing.
        if shared is None or not slope:
            return Accumulator(self, 0.0, None)
        return Accumulator(self, slope, shared)

    def shared_rows(self, shared: Shared) -> np.ndarray:
        """A shared influence's totals on this group's rows, in their order (every row a PSU).

        Gathered once per group and shared line: every estimate that depends on the line reads
        contiguous slices of it, instead of gathering from the whole population block by block.
        """
        key = id(shared)
        if key not in self._shared_rows:
            self._shared_rows[key] = shared.totals[self.rows]
        return self._shared_rows[key]

    def variance(
        self, weighted_influence: np.ndarray, slope: float = 0.0, shared: Shared | None = None
    ) -> float:
        """Variance of ``Σ w_k u_k`` over this group's rows, plus ``slope`` × a shared influence."""
        accumulator = self.accumulator(slope, shared)
        accumulator.add(0, len(self.rows), weighted_influence)
        return accumulator.variance()


class Accumulator:
    """The variance of ``Σ w_k u_k`` over a domain, fed block by block of its rows.

    Feeding blocks that fit in the processor's cache, rather than whole row-length vectors, is
    what keeps standard errors on ten million rows cheap.
    """

    def __init__(self, domain: Domain, slope: float, shared: Shared | None) -> None:
        self.domain = domain
        self.slope = slope
        self.shared = shared
        design = domain.design
        strata = domain.strata
        self.first = np.zeros(strata)
        self.second = np.zeros(strata)
        self.cross = np.zeros(strata)
        self.totals = np.zeros(len(domain.local[0])) if design.has_clusters else None

    def add_moments(self, first: float, second: float) -> None:
        """Add ``Σ w·u`` and ``Σ (w·u)²`` of all the domain's rows (one stratum, no PSUs)."""
        self.first[0] += first
        self.second[0] += second

    def add(self, start: int, end: int, weighted: np.ndarray) -> None:
        """Add ``w·u`` of the domain's rows ``start:end``."""
        domain = self.domain
        if self.totals is not None:  # PSUs: sum rows into their PSU first
            self.totals += np.bincount(
                domain.local[1][start:end], weighted, minlength=len(self.totals)
            )
            return
        shared = None if self.shared is None else domain.shared_rows(self.shared)[start:end]
        if domain.strata == 1:
            self.first[0] += weighted.sum()
            self.second[0] += np.dot(weighted, weighted)
            if shared is not None:
                self.cross[0] += np.dot(weighted, shared)
            return
        strata = domain.row_strata[start:end]
        self.first += np.bincount(strata, weighted, minlength=domain.strata)
        self.second += np.bincount(strata, weighted * weighted, minlength=domain.strata)
        if shared is not None:
            self.cross += np.bincount(strata, weighted * shared, minlength=domain.strata)

    def variance(self) -> float:
        design, domain = self.domain.design, self.domain
        n = design.psu_per_stratum.astype(np.float64)
        usable = n > 1
        if not usable.any():  # a single PSU: there is no spread between PSUs to estimate from
            return float("nan")
        first, second, cross = self.first, self.second, self.cross
        if self.totals is not None:
            clusters = domain.local[0]
            stratum = design.cluster_stratum[clusters]
            first = np.bincount(stratum, self.totals, minlength=domain.strata)
            second = np.bincount(stratum, self.totals**2, minlength=domain.strata)
            if self.shared is not None:
                cross = np.bincount(
                    stratum, self.totals * self.shared.totals[clusters], minlength=domain.strata
                )
        if self.shared is not None and self.slope:
            first = first + self.slope * self.shared.first
            second = second + 2 * self.slope * cross + self.slope**2 * self.shared.second
        spread = second[usable] - first[usable] ** 2 / n[usable]
        return float(np.sum(n[usable] / (n[usable] - 1) * spread))


def _codes(values: object, rows: int) -> np.ndarray:
    if values is None:
        return np.zeros(rows, dtype=np.int64)
    codes, _ = pd.factorize(values, sort=True)  # type: ignore[call-overload]
    return codes.astype(np.int64)
