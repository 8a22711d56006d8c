"""Check and prepare a table for measurement: every problem named by file, row and column."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from sejahtera.data.coerce import parse_numbers
from sejahtera.data.readers import Decimal
from sejahtera.errors import SejahteraError
from sejahtera.measure.design import Design
from sejahtera.measure.lines import Line


@dataclass
class Inputs:
    welfare: np.ndarray
    weights: np.ndarray  # weight × size: the persons (or units) each row stands for
    design: Design
    by: tuple[str, ...]
    group_codes: np.ndarray | None
    group_count: int
    labels: pd.DataFrame  # one row per group code
    line: Line | None
    extreme_line: Line | None
    frame: pd.DataFrame
    source: str
    decimal: Decimal

    def group_labels(self, group: int) -> dict[str, object]:
        if not self.by:
            return {}
        return self._labels[group]

    @cached_property
    def _labels(self) -> list[dict[str, object]]:
        return [
            {column: _plain(value) for column, value in zip(self.by, row, strict=True)}
            for row in self.labels[list(self.by)].itertuples(index=False, name=None)
        ]

    def line_rows(self, line: float | str) -> np.ndarray:
        if isinstance(line, str):
            return numeric(self.frame, line, self.source, positive=True, decimal=self.decimal)
        return np.full(len(self.welfare), float(line))


def prepare(
    data: pd.DataFrame,
    welfare: str,
    weight: str | None,
    line: Line | None,
    extreme_line: Line | None,
    by: Sequence[str],
    size: str | None,
    strata: str | None,
    psu: str | None,
    source: str,
    decimal: Decimal = ".",
) -> Inputs:
    by = tuple(dict.fromkeys(by))  # a column named twice groups once
    for column in (welfare, weight, size, strata, psu, *by, *_columns(line, extreme_line)):
        if column is not None and column not in data.columns:
            raise SejahteraError(
                "measure.unknown_column",
                column=column,
                file=source,
                known=", ".join(map(str, data.columns)),
            )
    if not len(data):
        raise SejahteraError("measure.empty", file=source)
    for spec in (line, extreme_line):
        if isinstance(spec, int | float) and not spec > 0:
            raise SejahteraError("measure.bad_line", value=spec)
    values = numeric(data, welfare, source, decimal=decimal)
    weights = np.ones(len(data))
    for column in (weight, size):
        if column is not None:
            weights = weights * numeric(data, column, source, positive=True, decimal=decimal)
    for column in (strata, psu, *by):
        if column is not None:
            _no_missing(data, column, source)
    design = Design.build(
        weights,
        None if strata is None else data[strata].to_numpy(),
        None if psu is None else data[psu].to_numpy(),
        strata_name=strata or "stratum",
    )
    codes, count, labels = None, 1, pd.DataFrame()
    if by:
        grouped = data.groupby(list(by), sort=True, observed=True, dropna=False)
        codes = grouped.ngroup().to_numpy().astype(np.int64)
        count = int(grouped.ngroups)
        labels = grouped.size().index.to_frame(index=False)
    return Inputs(
        values, weights, design, by, codes, count, labels, line, extreme_line, data, source, decimal
    )


def numeric(
    data: pd.DataFrame, column: str, source: str, positive: bool = False, decimal: Decimal = "."
) -> np.ndarray:
    """A column as floats, or an error naming the first bad row (rows count from 1).

    Numbers written as text (CSV) are read with ``decimal`` as the decimal mark, so that
    ``1.234.567,5`` is understood in a file written with Indonesian conventions.
    """
    raw = data[column]
    if isinstance(raw.dtype, pd.CategoricalDtype):
        raw = raw.astype(object)
    values = parse_numbers(raw, decimal).to_numpy(dtype=np.float64, na_value=np.nan)
    # One pass when all is well (the usual case); the checks below only say what is wrong.
    fine = np.isfinite(values) & (values > 0) if positive else np.isfinite(values)
    if fine.all():
        return values
    missing = np.isnan(values)
    if missing.any():
        row = int(np.flatnonzero(missing)[0])
        original = raw.iloc[row]
        key = "measure.missing_value" if pd.isna(original) else "measure.not_a_number"
        raise SejahteraError(key, file=source, row=row + 1, column=column, value=original)
    infinite = ~np.isfinite(values)
    bad = infinite | (values <= 0) if positive else infinite
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        key = "measure.not_positive" if positive else "measure.not_a_number"
        raise SejahteraError(key, file=source, row=row + 1, column=column, value=raw.iloc[row])
    return values


def _no_missing(data: pd.DataFrame, column: str, source: str) -> None:
    missing = data[column].isna().to_numpy()
    if missing.any():
        row = int(np.flatnonzero(missing)[0]) + 1
        raise SejahteraError("measure.missing_group", file=source, row=row, column=column)


def _columns(*lines: Line | None) -> list[str]:
    return [line for line in lines if isinstance(line, str)]


def _plain(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value
