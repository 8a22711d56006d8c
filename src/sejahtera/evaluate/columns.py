"""The columns an estimator uses, checked the same way by every estimator (``did``,
``event_study``, ``staggered_did``, ``match``, ``rdd``).

**One policy for missing values.** A row that misses a value in any column the estimator uses
(outcome, treatment, post period, running variable, covariates, weights, unit, time, cluster) is
left out. A value is missing when the cell is empty (``None``, ``NaN``, ``NA``) or, in a numeric
column, not a finite number. The result counts the rows left out in
``diagnostics["dropped_missing"]`` and says so in a caveat naming the columns
(:meth:`Complete.caveats`); when no row is left the estimator refuses with
:class:`~sejahtera.evaluate.result.NotIdentified`. A column that may be empty by design (the first
treated period of a unit never treated) is ``optional``: its empty cells leave the row in.

**One argument name each.** ``treatment`` is the 0/1 column of who receives the programme (the
treated group in difference-in-differences, the treated units in matching, take-up in a fuzzy
regression discontinuity); ``weights`` is the column of survey weights, positive numbers
(:func:`positive_weights`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sejahtera.errors import SejahteraError
from sejahtera.evaluate.result import Caveat, NotIdentified


@dataclass(frozen=True)
class Complete:
    """The rows an estimator can use: ``data`` holds the used columns of the complete rows."""

    data: pd.DataFrame
    total: int  # rows given
    missing: dict[str, int]  # column → rows empty in it (only columns with any)

    @property
    def dropped(self) -> int:
        return self.total - len(self.data)

    def caveats(self) -> list[Caveat]:
        """The caveat that says how many rows were left out and why (none when none were)."""
        if not self.dropped:
            return []
        columns = ", ".join(f"{column} ({count})" for column, count in self.missing.items())
        values = {"dropped": self.dropped, "total": self.total, "columns": columns}
        return [Caveat("evaluate.dropped_missing", values)]


def complete_rows(
    frame: pd.DataFrame, columns: Sequence[str | None], optional: Sequence[str] = ()
) -> Complete:
    """The rows of ``frame`` with a value in each of ``columns`` (``None`` entries are options
    not given); ``optional`` columns are kept but may be empty. A column not in the data is
    refused with the columns that are."""
    names = list(dict.fromkeys(c for c in columns if c is not None))
    extra = [c for c in optional if c not in names]
    for column in [*names, *extra]:
        if column not in frame.columns:
            raise SejahteraError(
                "evaluate.no_column", column=column, known=", ".join(map(str, frame.columns))
            )
    data = frame.loc[:, [*names, *extra]]
    empty = {column: _missing(data[column]) for column in names}
    missing = {column: int(rows.sum()) for column, rows in empty.items() if rows.any()}
    if not missing:
        return Complete(data, len(data), {})
    keep = ~np.logical_or.reduce(list(empty.values()))
    if not keep.any():
        raise NotIdentified(
            "evaluate.no_complete_rows",
            total=len(data),
            columns=", ".join(f"{column} ({count})" for column, count in missing.items()),
        )
    return Complete(data.loc[keep], len(data), missing)


def _missing(values: pd.Series) -> np.ndarray:
    empty = values.isna().to_numpy(dtype=bool)
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return empty | ~np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))
    return empty


def positive_weights(data: pd.DataFrame, weights: str | None) -> np.ndarray | None:
    """The survey weights as floats (``None`` when none are given); a weight that is not a
    number, or not above zero, is refused (an empty one has already left its row out)."""
    if weights is None:
        return None
    values = pd.to_numeric(data[weights], errors="coerce").to_numpy(dtype=float)
    if not np.all(np.isfinite(values) & (values > 0)):
        raise SejahteraError("evaluate.bad_weights", column=weights)
    return values
