"""Small-area estimation with the Fay–Herriot area-level model.

A survey such as Susenas is representative for kabupaten, not for kecamatan. The Fay–Herriot model
borrows strength across kecamatan: each one's direct survey estimate is combined with a regression
on area-level auxiliaries (registry or census shares, mean PMT score, …), weighted by how precise
the direct estimate is. Kecamatan without a sample get the regression (synthetic) estimate.

Two entry points:

- :func:`fay_herriot` takes one row per area with the direct estimate, its sampling variance and
  the auxiliaries;
- :func:`fay_herriot_poverty` starts from household survey data: it computes the direct poverty
  headcount (FGT0) and its design variance per area (:func:`direct_poverty`, in
  :mod:`sejahtera.measure.sae_direct`), joins a table of auxiliaries, and fits the model.

Both return a :class:`FayHerriotResult`; the numerics are in :mod:`sejahtera.measure.sae_fit`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sejahtera.errors import SejahteraError
from sejahtera.i18n import Language, text
from sejahtera.measure import sae_fit
from sejahtera.measure.result import Estimates, with_intervals
from sejahtera.measure.sae_direct import (
    SurveyColumns,
    Unstable,
    as_area_columns,
    check_columns,
    direct_poverty,
    show_area,
)
from sejahtera.measure.sae_fit import METHODS, Method

__all__ = [
    "FayHerriotOptions",
    "FayHerriotResult",
    "SurveyColumns",
    "direct_poverty",
    "fay_herriot",
    "fay_herriot_poverty",
]

EXTRA_COLUMNS = ("direct", "direct_se", "gamma", "synthetic", "source")


@dataclass(frozen=True)
class FayHerriotOptions:
    """How to fit: ``method`` for σ²_v (``reml``, ``ml`` or ``fh``), the intercept, CI level."""

    method: Method = "reml"
    intercept: bool = True
    level: float = 0.95
    tolerance: float = 1e-10
    max_iterations: int = 200

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise SejahteraError("sae.bad_method", method=self.method, allowed=", ".join(METHODS))
        if not 0 < self.level < 1:
            raise SejahteraError("sae.bad_level", level=self.level)


@dataclass
class FayHerriotResult:
    """EBLUPs per area, with the model behind them.

    ``estimates`` is the tidy table (area columns, ``indicator``, ``estimate``, ``se`` = √MSE,
    ``ci_low``, ``ci_high``, ``n``, ``population``). ``areas`` holds, in the same row order, the
    direct estimate and its standard error, the shrinkage factor ``gamma`` (weight on the direct
    estimate; 0 without a sample), the ``synthetic`` estimate x'β̂ and ``source`` (``eblup`` or
    ``synthetic``). ``coefficients`` has one row per term: ``term``, ``estimate``, ``se``, ``z``.
    """

    estimates: Estimates
    areas: pd.DataFrame
    coefficients: pd.DataFrame
    variance: float  # σ̂²_v, the variance of the area effects
    method: Method
    iterations: int
    log_likelihood: float  # Gaussian, at (β̂, σ̂²_v): comparable across methods, as R's sae

    def tidy(self) -> pd.DataFrame:
        """The tidy columns, then :data:`EXTRA_COLUMNS` (direct estimate, its SE, γ, …)."""
        extra = self.areas[list(EXTRA_COLUMNS)].reset_index(drop=True)
        return pd.concat([self.estimates.tidy(), extra], axis=1)

    @property
    def aic(self) -> float:
        return -2 * self.log_likelihood + 2 * (len(self.coefficients) + 1)

    @property
    def bic(self) -> float:
        sampled = int((self.areas["source"] == "eblup").sum())
        return -2 * self.log_likelihood + (len(self.coefficients) + 1) * np.log(sampled)

    def summary(self, language: Language | None = None) -> str:
        """The model (method, σ²_v, coefficients), then the table of estimates."""
        sampled = int((self.areas["source"] == "eblup").sum())
        lines = [
            text(
                "sae.model",
                language,
                method=self.method.upper(),
                variance=f"{self.variance:.6g}",
                sampled=sampled,
                unsampled=len(self.areas) - sampled,
                aic=f"{self.aic:.2f}",
            )
        ]
        term = text("sae.col_term", language)
        width = max(len(term), *(len(str(t)) for t in self.coefficients["term"]))
        lines.append(
            f"  {term.ljust(width)}  "
            f"{text('sae.col_coefficient', language):>12}  {text('sae.col_se', language):>10}"
        )
        for row in self.coefficients.itertuples(index=False):
            lines.append(
                f"  {str(row.term).ljust(width)}  {row.estimate:>#12.6g}  {row.se:>#10.4g}"
            )
        lines += ["", self.estimates.summary(language)]
        return "\n".join(lines)


def fay_herriot(
    areas: pd.DataFrame,
    *,
    area: str | Sequence[str],
    covariates: Sequence[str],
    direct: str = "direct",
    variance: str = "variance",
    n: str | None = None,
    population: str | None = None,
    indicator: str | None = None,
    options: FayHerriotOptions | None = None,
) -> FayHerriotResult:
    """Fit the Fay–Herriot model to one row per area and predict every area.

    ``direct`` and ``variance`` name the direct estimate and its sampling variance (not its
    standard error). An area with no direct estimate is out of sample and gets the synthetic
    estimate x'β̂; every area needs all ``covariates``. ``n`` and ``population`` name optional
    columns for the sample size and population of each area (0 and NaN otherwise). The indicator
    is named after the ``direct`` column unless ``indicator`` says otherwise.
    """
    options = options or FayHerriotOptions()
    by = as_area_columns(area)
    wanted = [*by, direct, variance, *covariates, *(c for c in (n, population) if c)]
    check_columns(areas, wanted, "sae.missing_column")
    _check_unique(areas, by)
    direct_values = _numeric(areas, direct, by)
    sampled = ~np.isnan(direct_values)
    psi = _numeric(areas, variance, by)
    _check_variances(areas, by, psi, sampled)
    data = _Areas(
        keys=areas[list(by)].reset_index(drop=True),
        direct=direct_values,
        variance=np.where(sampled, psi, np.nan),
        n=_numeric(areas, n, by) if n else np.zeros(len(areas)),
        population=_numeric(areas, population, by) if population else np.full(len(areas), np.nan),
    )
    return _estimate(data, areas, covariates, indicator or direct, options)


def fay_herriot_poverty(
    households: pd.DataFrame,
    auxiliary: pd.DataFrame,
    *,
    covariates: Sequence[str],
    survey: SurveyColumns | None = None,
    unstable: Unstable = "gvf",
    options: FayHerriotOptions | None = None,
) -> FayHerriotResult:
    """Poverty headcount (FGT0) per area: direct survey estimates improved by the model.

    ``households`` is the survey (columns named by ``survey``); ``auxiliary`` has one row per area
    (the survey's area columns) with the ``covariates``. Areas in ``auxiliary`` without a sample get
    the synthetic estimate; a sampled area missing from ``auxiliary`` is an error. ``unstable`` says
    what to do with areas whose design variance cannot be used (fewer than two PSUs, or zero): see
    :func:`~sejahtera.measure.sae_direct.direct_poverty`. Confidence limits are clipped to 0–1.
    """
    options = options or FayHerriotOptions()
    survey = survey or SurveyColumns()
    by = as_area_columns(survey.area)
    direct = direct_poverty(households, survey, unstable)
    check_columns(auxiliary, [*by, *covariates], "sae.missing_auxiliary_column")
    _check_unique(auxiliary, by)
    merged = direct.merge(
        auxiliary[[*by, *covariates]], on=list(by), how="outer", indicator=True, sort=False
    )
    lacking = merged[merged["_merge"] == "left_only"]
    if len(lacking):
        raise SejahteraError("sae.missing_auxiliary", area=show_area(lacking.iloc[0], by))
    merged = merged.sort_values(list(by), ignore_index=True)
    data = _Areas(
        keys=merged[list(by)],
        direct=merged["direct"].to_numpy(np.float64),
        variance=merged["variance"].to_numpy(np.float64),
        n=merged["n"].fillna(0).to_numpy(np.float64),
        population=merged["population"].to_numpy(np.float64),
    )
    result = _estimate(data, merged, covariates, "fgt0", options, bounds=(0.0, 1.0))
    unused = int((merged["variance_source"] == "none").sum())
    if unused:
        result.estimates.notes.append(("sae.note_unstable_synthetic", {"count": unused}))
    gvf = int((merged["variance_source"] == "gvf").sum())
    if gvf:
        result.estimates.notes.append(("sae.note_gvf", {"count": gvf}))
    return result


@dataclass(frozen=True)
class _Areas:
    """One entry per area; an area is in the model where its ``variance`` is known."""

    keys: pd.DataFrame  # the area columns
    direct: np.ndarray
    variance: np.ndarray
    n: np.ndarray
    population: np.ndarray

    @property
    def sampled(self) -> np.ndarray:
        return ~np.isnan(self.variance)


def _estimate(
    data: _Areas,
    frame: pd.DataFrame,
    covariates: Sequence[str],
    indicator: str,
    options: FayHerriotOptions,
    bounds: tuple[float, float] | None = None,
) -> FayHerriotResult:
    """Fit on the sampled areas, predict all of them (in the order of ``data``).

    ``bounds`` clip the confidence limits to the indicator's range (0–1 for a headcount).
    """
    by = tuple(data.keys.columns)
    x, terms = _design_matrix(frame, by, covariates, options.intercept)
    sampled = data.sampled
    if sampled.sum() <= x.shape[1]:
        raise SejahteraError("sae.too_few_areas", areas=int(sampled.sum()), parameters=x.shape[1])
    _check_rank(x[sampled], terms)
    y, psi = data.direct[sampled], data.variance[sampled]
    model = sae_fit.fit(
        y, psi, x[sampled], options.method, options.tolerance, options.max_iterations
    )
    prediction = sae_fit.predict(model, y, psi, x[sampled], x[~sampled])
    estimates, areas = _tables(data, prediction, indicator, options.level, bounds)
    if model.variance == 0:
        estimates.notes.insert(0, ("sae.note_zero_variance", {}))
    se = np.sqrt(np.diag(model.beta_cov))
    return FayHerriotResult(
        estimates=estimates,
        areas=areas,
        coefficients=pd.DataFrame(
            {"term": terms, "estimate": model.beta, "se": se, "z": model.beta / se}
        ),
        variance=model.variance,
        method=model.method,
        iterations=model.iterations,
        log_likelihood=model.log_likelihood,
    )


def _tables(
    data: _Areas,
    prediction: sae_fit.Prediction,
    indicator: str,
    level: float,
    bounds: tuple[float, float] | None,
) -> tuple[Estimates, pd.DataFrame]:
    """The tidy estimates and the per-area extras, in the order of ``data``.

    ``prediction`` lists the sampled areas first; ``bounds`` clip the confidence limits to the
    indicator's range.
    """
    sampled = data.sampled
    back = np.argsort(np.concatenate([np.flatnonzero(sampled), np.flatnonzero(~sampled)]))
    keys = {column: data.keys[column].to_numpy() for column in data.keys.columns}
    table = pd.DataFrame(
        {
            **keys,
            "indicator": indicator,
            "estimate": prediction.estimate[back],
            "se": np.sqrt(prediction.mse[back]),
            "n": np.nan_to_num(data.n).astype(np.int64),
            "population": data.population,
        }
    )
    table = with_intervals(table, level)
    if bounds is not None:
        table[["ci_low", "ci_high"]] = table[["ci_low", "ci_high"]].clip(*bounds)
    areas = pd.DataFrame(
        {
            **keys,
            "direct": data.direct,
            "direct_se": np.sqrt(data.variance),
            "gamma": prediction.gamma[back],
            "synthetic": prediction.synthetic[back],
            "source": np.where(sampled, "eblup", "synthetic"),
        }
    )
    notes: list[tuple[str, dict[str, object]]] = []
    if (~sampled).any():
        notes.append(("sae.note_synthetic", {"count": int((~sampled).sum())}))
    # Model-based estimates stand on the model as well as their own rows: flag by MSE only.
    return Estimates(table, tuple(keys), notes, "sae.title", min_rows=0), areas


def _design_matrix(
    frame: pd.DataFrame, by: tuple[str, ...], covariates: Sequence[str], intercept: bool
) -> tuple[np.ndarray, list[str]]:
    columns = [np.ones(len(frame))] if intercept else []
    for name in covariates:
        values = _numeric(frame, name, by)
        missing = np.isnan(values)
        if missing.any():
            row = frame.iloc[int(np.flatnonzero(missing)[0])]
            raise SejahteraError("sae.missing_covariate", column=name, area=show_area(row, by))
        columns.append(values)
    terms = (["(intercept)"] if intercept else []) + list(covariates)
    if not terms:
        raise SejahteraError("sae.no_covariates")
    return np.column_stack(columns), terms


def _check_rank(x: np.ndarray, terms: list[str]) -> None:
    """Name the first term that the terms before it already explain."""
    scale = np.abs(x).max(axis=0)
    scaled = x / np.where(scale > 0, scale, 1.0)
    for j in range(x.shape[1]):
        if np.linalg.matrix_rank(scaled[:, : j + 1]) <= j:
            raise SejahteraError("sae.collinear", column=terms[j])


def _numeric(frame: pd.DataFrame, column: str, by: tuple[str, ...]) -> np.ndarray:
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(np.float64, na_value=np.nan)
    bad = np.isnan(values) & frame[column].notna().to_numpy()
    if bad.any():
        row = frame.iloc[int(np.flatnonzero(bad)[0])]
        raise SejahteraError(
            "sae.not_numeric", column=column, area=show_area(row, by), value=row[column]
        )
    return values


def _check_unique(frame: pd.DataFrame, by: tuple[str, ...]) -> None:
    repeated = frame.duplicated(list(by), keep=False)
    if repeated.any():
        raise SejahteraError("sae.duplicate_area", area=show_area(frame[repeated].iloc[0], by))


def _check_variances(
    frame: pd.DataFrame, by: tuple[str, ...], psi: np.ndarray, sampled: np.ndarray
) -> None:
    missing = sampled & np.isnan(psi)
    if missing.any():
        row = frame.iloc[int(np.flatnonzero(missing)[0])]
        raise SejahteraError("sae.missing_variance", area=show_area(row, by))
    bad = sampled & ~(np.isfinite(psi) & (psi > 0))
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        raise SejahteraError(
            "sae.bad_variance", area=show_area(frame.iloc[index], by), value=psi[index]
        )
