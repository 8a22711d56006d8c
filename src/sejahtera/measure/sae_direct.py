"""Direct survey estimates of the poverty headcount per area, with their design variances.

The direct estimate for area ``d`` is the weighted share of people (or households) below the
poverty line: ``p̂_d = Σ_{k∈d} w_k y_k / Σ_{k∈d} w_k``, ``y_k = 1`` when welfare < poverty line.
Its variance is by linearisation under the survey design (:mod:`sejahtera.measure.design`): the
influence of row ``k`` of area ``d`` is ``(y_k − p̂_d) / N̂_d``, and the area is a domain, so every
PSU of a stratum counts in ``n_h``.

**Areas whose design variance cannot be used.** An area whose rows lie in one PSU has a variance
of exactly zero (the influences sum to zero within it), and so has an area where nobody, or
everybody, is poor. The Fay–Herriot model needs a positive sampling variance, so such areas are
*unstable* and ``unstable`` says what to do with them:

- ``"gvf"`` (default): a generalised variance function. The design effect
  ``deff_d = v̂_d / (p̂_d (1 − p̂_d) / n_d)`` is computed for the stable areas; the unstable area gets
  ``ψ_d = median(deff) · p̃ (1 − p̃) / n_d``, where ``p̃`` is its own estimate when strictly between 0
  and 1 and the estimate over the whole sample otherwise. Its direct estimate then enters the model
  with that variance.
- ``"synthetic"``: the area's direct estimate is reported but not used; the area gets the
  synthetic estimate, as an area without a sample does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from sejahtera.errors import SejahteraError
from sejahtera.measure.design import Design

Unstable = Literal["gvf", "synthetic"]
UNSTABLE: tuple[Unstable, ...] = ("gvf", "synthetic")
DIRECT_COLUMNS = ("direct", "direct_se", "variance", "variance_source", "n", "psus", "population")


@dataclass(frozen=True)
class SurveyColumns:
    """Which columns of the household survey hold what (defaults: the ``sejahtera/v1`` schema).

    ``area`` is the column (or columns) of the small areas, e.g. ``district_code`` for kecamatan.
    Give ``household_size`` to count people rather than households (weight × size).
    """

    area: str | tuple[str, ...] = "district_code"
    welfare: str = "consumption_pc"
    poverty_line: str = "poverty_line"
    weight: str = "weight"
    strata: str | None = None
    psu: str | None = None
    household_size: str | None = None


def direct_poverty(
    households: pd.DataFrame, survey: SurveyColumns | None = None, unstable: Unstable = "gvf"
) -> pd.DataFrame:
    """One row per sampled area: its area columns, then :data:`DIRECT_COLUMNS`.

    ``direct`` is the headcount, ``variance`` the sampling variance the model will use (NaN for an
    unstable area under ``unstable="synthetic"``), ``direct_se`` its square root,
    ``variance_source`` ``design``, ``gvf`` or ``none``; ``n`` counts sampled households, ``psus``
    their PSUs, and ``population`` is the weighted total.
    """
    survey = survey or SurveyColumns()
    if unstable not in UNSTABLE:
        raise SejahteraError("sae.bad_unstable", value=unstable, allowed=", ".join(UNSTABLE))
    by = as_area_columns(survey.area)
    optional = (survey.strata, survey.psu, survey.household_size)
    needed = [*by, survey.welfare, survey.poverty_line, survey.weight, *(c for c in optional if c)]
    check_columns(households, needed, "sae.missing_survey_column")
    weights = _positive(households, survey.weight)
    if survey.household_size:
        weights = weights * _positive(households, survey.household_size)
    poor = (
        _present(households, survey.welfare) < _present(households, survey.poverty_line)
    ).astype(np.float64)
    for column in by:
        _present(households, column, numeric=False)
    design = Design.build(
        weights,
        None if survey.strata is None else households[survey.strata],
        None if survey.psu is None else households[survey.psu],
        strata_name=survey.strata or "stratum",
    )
    grouped = households.groupby(list(by), sort=True)
    keys = grouped.size().index.to_frame(index=False)
    codes = grouped.ngroup().to_numpy()
    order = np.argsort(codes, kind="stable")
    groups = np.split(order, np.cumsum(np.bincount(codes, minlength=len(keys)))[:-1])
    table = _per_area(keys, groups, poor, design)
    overall = float(np.sum(weights * poor) / np.sum(weights))
    return _unstable(table, unstable, overall)


def _per_area(
    keys: pd.DataFrame, groups: list[np.ndarray], poor: np.ndarray, design: Design
) -> pd.DataFrame:
    w = design.weights
    direct, variance, psus, population = [], [], [], []
    for rows in groups:
        total = float(w[rows].sum())
        rate = float(np.dot(w[rows], poor[rows]) / total)
        influence = w[rows] * (poor[rows] - rate) / total
        direct.append(rate)
        variance.append(design.domain(rows).variance(influence))
        psus.append(len(np.unique(design.cluster[rows])))
        population.append(total)
    return keys.assign(
        direct=direct,
        variance=variance,
        n=[len(rows) for rows in groups],
        psus=psus,
        population=population,
    )


def _unstable(table: pd.DataFrame, unstable: Unstable, overall: float) -> pd.DataFrame:
    p, n = table["direct"].to_numpy(), table["n"].to_numpy(np.float64)
    variance = table["variance"].to_numpy(np.float64)
    stable = (table["psus"].to_numpy() >= 2) & (p > 0) & (p < 1) & (variance > 0)
    source = np.where(stable, "design", "none")
    if not stable.all() and unstable == "gvf":
        if not stable.any():
            raise SejahteraError("sae.no_stable_area")
        deff = float(np.median(variance[stable] / (p[stable] * (1 - p[stable]) / n[stable])))
        p_used = np.where((p > 0) & (p < 1), p, overall)
        variance = np.where(stable, variance, deff * p_used * (1 - p_used) / n)
        source = np.where(stable, "design", "gvf")
    elif not stable.all():
        variance = np.where(stable, variance, np.nan)
    table = table.assign(variance=variance, direct_se=np.sqrt(variance), variance_source=source)
    by = [c for c in table.columns if c not in DIRECT_COLUMNS]
    return table[[*by, *DIRECT_COLUMNS]]


def as_area_columns(area: str | Sequence[str]) -> tuple[str, ...]:
    columns = (area,) if isinstance(area, str) else tuple(area)
    if not columns:
        raise SejahteraError("sae.no_area_column")
    return columns


def check_columns(frame: pd.DataFrame, columns: Sequence[str], key: str) -> None:
    for column in columns:
        if column not in frame.columns:
            shown = ", ".join(map(str, frame.columns[:12]))
            raise SejahteraError(key, column=column, available=shown)


def show_area(row: pd.Series, by: Sequence[str]) -> str:
    """An area as the user knows it: its code, or its codes joined by ' / '."""
    return " / ".join(str(row[column]) for column in by)


def _present(frame: pd.DataFrame, column: str, numeric: bool = True) -> np.ndarray:
    values = pd.to_numeric(frame[column], errors="coerce") if numeric else frame[column]
    missing = values.isna().to_numpy()
    if missing.any():
        row = int(np.flatnonzero(missing)[0])
        raise SejahteraError(
            "sae.survey_bad_value", column=column, row=row + 1, value=frame[column].iloc[row]
        )
    return values.to_numpy(np.float64) if numeric else values.to_numpy()


def _positive(frame: pd.DataFrame, column: str) -> np.ndarray:
    values = _present(frame, column)
    bad = ~(np.isfinite(values) & (values > 0))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise SejahteraError(
            "sae.survey_not_positive", column=column, row=row + 1, value=values[row]
        )
    return values
