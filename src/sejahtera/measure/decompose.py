"""Decompositions by subgroup: who makes up poverty, and how much inequality lies between groups.

* FGT is additively decomposable: P = Σ_g (N_g/N) P_g. A group's contribution is
  N_g P_g / (N P), the share of the population's poverty found in it.
* Theil GE(1) = Σ_g s_g T_g + Σ_g s_g log(μ_g/μ), with s_g the group's income share;
  the MLD GE(0) = Σ_g (N_g/N) L_g + Σ_g (N_g/N) log(μ/μ_g). The first sums are the within-group
  part, the second the between-group part (Shorrocks 1980).

Rows for the whole population have empty group columns. Standard errors are linearised like the
indicators themselves; a contribution's influence reaches every row, so it is taken over the whole
sample.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sejahtera.errors import SejahteraError
from sejahtera.measure.estimate import measure
from sejahtera.measure.indicators import Segment
from sejahtera.measure.inputs import Inputs, prepare
from sejahtera.measure.lines import Line, RelativeLine
from sejahtera.measure.result import Estimates, with_intervals


def decompose_fgt(
    data: pd.DataFrame,
    welfare: str,
    line: Line,
    by: Sequence[str],
    *,
    weight: str | None = None,
    size: str | None = None,
    strata: str | None = None,
    psu: str | None = None,
    source: str = "data",
) -> Estimates:
    """Each group's FGT(0, 1, 2), population share, and share of the population's poverty.

    The groups' FGT keep a relative line's own variability in their standard errors; the
    contributions treat the line as fixed (they are shares of one total, which moves with it).
    """
    given = line
    if isinstance(line, RelativeLine):
        z = measure(
            data,
            welfare,
            weight=weight,
            size=size,
            line=line,
            indicators=["poverty_line"],
            variance="none",
            source=source,
        ).value("poverty_line")
        line = z
    inputs = _grouped(data, welfare, line, by, weight, size, strata, psu, source)
    y, w = inputs.welfare, inputs.weights
    lines = inputs.line_rows(line)  # type: ignore[arg-type]
    poor = y < lines
    gaps = np.where(poor, (lines - y) / lines, 0.0)
    total_w = w.sum()
    records = []
    for alpha in (0, 1, 2):
        g = poor.astype(np.float64) if alpha == 0 else gaps**alpha
        total = float(np.dot(w, g))
        for group in range(inputs.group_count):
            member = inputs.group_codes == group
            records.append(_share(inputs, group, f"contribution_fgt{alpha}", g * member, g, total))
    for group in range(inputs.group_count):
        member = (inputs.group_codes == group).astype(np.float64)
        records.append(_share(inputs, group, "population_share", member, np.ones_like(y), total_w))
    table = pd.DataFrame.from_records(records)
    groups = measure(
        data,
        welfare,
        weight=weight,
        size=size,
        line=given,
        by=by,
        strata=strata,
        psu=psu,
        indicators=["fgt0", "fgt1", "fgt2"],
        source=source,
    ).tidy()
    table = pd.concat([groups.drop(columns=["ci_low", "ci_high"]), table], ignore_index=True)
    return Estimates(with_intervals(table), tuple(by), title="measure.title_fgt_decomposition")


def decompose_theil(
    data: pd.DataFrame,
    welfare: str,
    by: Sequence[str],
    *,
    weight: str | None = None,
    size: str | None = None,
    strata: str | None = None,
    psu: str | None = None,
    source: str = "data",
) -> Estimates:
    """Theil GE(1) and MLD GE(0) split into within- and between-group parts."""
    inputs = _grouped(data, welfare, None, by, weight, size, strata, psu, source)
    y, w, codes = inputs.welfare, inputs.weights, inputs.group_codes
    if (y <= 0).any():
        row = int(np.flatnonzero(y <= 0)[0]) + 1
        raise SejahteraError(
            "measure.not_positive", file=source, row=row, column=welfare, value=y[row - 1]
        )
    W, T = w.sum(), float(np.dot(w, y))
    mu = T / W
    w_g = np.bincount(codes, w, minlength=inputs.group_count)
    t_g = np.bincount(codes, w * y, minlength=inputs.group_count)
    mu_g = t_g / w_g
    s_g, p_g = t_g / T, w_g / W
    between_theil = float(np.dot(s_g, np.log(mu_g / mu)))
    between_mld = float(np.dot(p_g, np.log(mu / mu_g)))
    # Influences (derivative per unit of weight on each row), derived in the module docstring's
    # notation: Λ = Σ s_g log μ_g, Λ0 = Σ p_g log μ_g.
    lam, lam0 = float(np.dot(s_g, np.log(mu_g))), float(np.dot(p_g, np.log(mu_g)))
    mine = mu_g[codes]
    u_between_theil = y * (np.log(mine) - lam) / T - mine / T + 1 / W
    u_between_mld = (y - mu) / (W * mu) - (np.log(mine) - lam0) / W - (y - mine) / (W * mine)
    # The totals' influences need no sorting: a segment in row order gives them.
    whole = Segment(y, w)
    design = inputs.design
    rows: list[dict[str, object]] = []
    n, population = len(y), float(W)

    def se(influence: np.ndarray) -> float:
        return float(np.sqrt(max(design.variance(w * influence), 0.0)))

    for name, total, between, u_between in (
        ("theil", whole.theil(), between_theil, u_between_theil),
        ("mld", whole.mld(), between_mld, u_between_mld),
    ):
        u_total = total.influence
        assert u_total is not None  # welfare is positive
        rows += [
            _row(inputs, None, name, total.estimate, se(u_total), n, population),
            _row(inputs, None, f"{name}_between", between, se(u_between), n, population),
            _row(
                inputs,
                None,
                f"{name}_within",
                total.estimate - between,
                se(u_total - u_between),
                n,
                population,
            ),
        ]
    for group in range(inputs.group_count):
        member = (codes == group).astype(np.float64)
        rows.append(_share(inputs, group, "population_share", member, np.ones_like(y), W))
        rows.append(_share(inputs, group, "income_share", y * member, y, T))
    groups = measure(
        data,
        welfare,
        weight=weight,
        size=size,
        by=by,
        strata=strata,
        psu=psu,
        indicators=["theil", "mld", "mean"],
        source=source,
    ).tidy()
    table = pd.concat(
        [pd.DataFrame.from_records(rows), groups.drop(columns=["ci_low", "ci_high"])],
        ignore_index=True,
    )
    return Estimates(with_intervals(table), tuple(by), title="measure.title_theil_decomposition")


def _grouped(data, welfare, line, by, weight, size, strata, psu, source) -> Inputs:
    if not by:
        raise SejahteraError("measure.decompose_needs_groups")
    return prepare(data, welfare, weight, line, None, by, size, strata, psu, source)


def _share(
    inputs: Inputs, group: int, name: str, part: np.ndarray, whole: np.ndarray, total: float
) -> dict[str, object]:
    """A group's share of a weighted total, with its linearised standard error."""
    w = inputs.weights
    share = float(np.dot(w, part)) / total if total > 0 else np.nan
    se = np.nan
    if total > 0:
        se = float(np.sqrt(max(inputs.design.variance(w * (part - share * whole) / total), 0.0)))
    member = inputs.group_codes == group
    return _row(inputs, group, name, share, se, int(member.sum()), float(w[member].sum()))


def _row(
    inputs: Inputs,
    group: int | None,
    name: str,
    estimate: float,
    se: float,
    n: int,
    population: float,
) -> dict[str, object]:
    labels = inputs.group_labels(group) if group is not None else dict.fromkeys(inputs.by)
    return {
        **labels,
        "indicator": name,
        "estimate": float(estimate),
        "se": se,
        "n": n,
        "population": population,
    }
