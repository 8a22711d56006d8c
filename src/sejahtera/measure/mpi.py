"""The Alkire–Foster multidimensional poverty measure (MPI): H, A, M0 and their parts.

Alkire and Foster (2011, *Journal of Public Economics* 95(7–8), 476–487) count, for each
household, its weighted deprivations (the score ``c``) and call it poor when ``c >= k``. Over the
population, with household weight × household size as the person weight (a person lives in a
poor household or not, as in the global MPI and in BPS practice):

* ``mpi_H``, the headcount ratio: the share of people who are poor;
* ``mpi_M0``, the adjusted headcount ratio: the mean of the *censored* score (``c`` for the poor,
  0 for the others);
* ``mpi_A = M0 / H``, the intensity: the mean score among the poor;
* ``censored:<indicator>``: the share of people who are poor *and* deprived in the indicator;
* ``uncensored:<indicator>``: the share deprived in it, poor or not;
* ``contribution:<indicator>`` ``= w_j × censored_j / M0``: the indicator's share of M0 (the
  contributions add up to 1).

Each is a ratio of weighted totals, so with ``by`` groups the population M0 is the
population-share-weighted sum of the group M0s. Standard errors come from linearisation: the
influence of household ``i`` on a ratio ``R = Σ w y / Σ w x`` is ``(y_i − R x_i) / Σ w x``, whose
design variance :class:`~sejahtera.measure.design.Design` computes (households are the rows, so
the members of a household are always in the same PSU).

Missing values follow the global MPI's practice (Alkire, Kanagaratnam and Suppa, OPHI MPI
Methodological Note 46 and its updates): a household is classified in an indicator whenever the
known values settle it (one child of school age out of school makes it deprived even if a sibling's
enrolment is unknown; one member who completed primary school makes it non-deprived); a household
whose status stays unknown in any indicator is left out of every estimate, so that the estimates
describe the households with complete information (weights are not adjusted). The number and the
weighted share left out, and the indicators responsible, are reported in the notes. The global
MPI's extra rule for years of schooling (deprived when members with data make up at least two
thirds of those eligible and none completed six years) is not applied: unknown stays unknown.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sejahtera.errors import SejahteraError
from sejahtera.measure.design import Design, Domain
from sejahtera.measure.inputs import numeric
from sejahtera.measure.mpi_spec import Indicator, MpiSpec, Test, load_spec
from sejahtera.measure.result import Estimates, with_intervals

__all__ = ["MpiSpec", "deprivations", "load_spec", "mpi"]

# A score within this of k counts as reaching it: 4 × 1/12 must reach k = 1/3.
SCORE_TOLERANCE = 1e-9


def mpi(
    households: pd.DataFrame,
    spec: MpiSpec | str | Path,
    persons: pd.DataFrame | None = None,
    *,
    weight: str | None = "weight",
    by: Sequence[str] = (),
    size: str | None = None,
    strata: str | None = None,
    psu: str | None = None,
    source: str = "households",
) -> Estimates:
    """Alkire–Foster estimates, overall or per group of ``by``, with linearised standard errors.

    ``households`` has one row per household (or per unit, for a table of ready indicator
    columns); ``spec`` is an :class:`MpiSpec` or what :func:`load_spec` takes (``"global"``,
    ``"housing-id"`` or a path). ``persons`` (schema ``persons`` rows, joined on
    ``household_id``) is needed when the spec has person-level indicators.

    ``weight`` names the household weight column (``None``: every row counts once). Person-level
    estimates weight each household by weight × size: ``size`` names a household-size column;
    without it the size is the number of the household's rows in ``persons``, or 1 when no persons
    are given (each row is then one unit). ``strata`` and ``psu`` name design columns of
    ``households``; ``source`` names the households table in messages.

    The tidy table has the ``by`` columns, then ``indicator`` (``mpi_H``, ``mpi_A``, ``mpi_M0``,
    ``censored:<name>``, ``uncensored:<name>``, ``contribution:<name>``), ``estimate``, ``se``,
    confidence limits, ``n`` (household rows behind the estimate's denominator: all rows of the
    group, or its poor rows for ``mpi_A`` and contributions) and ``population`` (the weighted
    persons of that denominator).
    """
    spec = spec if isinstance(spec, MpiSpec) else load_spec(spec)
    by = tuple(by)
    _require(households, [*by, *(c for c in (weight, size, strata, psu) if c)], "households")
    for column in by:
        _no_missing(households, column, source)
    matrix = deprivations(households, spec, persons).to_numpy(dtype=np.float64, na_value=np.nan)
    if weight is None:
        unit_weight = np.ones(len(households))
    else:
        unit_weight = numeric(households, weight, source, positive=True)
    members = _sizes(households, persons, size, source)
    design = Design.build(
        unit_weight,
        None if strata is None else households[strata].to_numpy(),
        None if psu is None else households[psu].to_numpy(),
        strata_name=strata or "stratum",
    )
    complete = ~np.isnan(matrix).any(axis=1)
    if not complete.any():
        raise SejahteraError("mpi.no_complete_rows", spec=spec.name, rows=len(households))
    weights = np.array([i.weight for i in spec.indicators])
    deprived = np.nan_to_num(matrix)
    score = deprived @ weights
    poor = (score >= spec.k - SCORE_TOLERANCE).astype(np.float64)
    parts = _Parts(spec, deprived, score * poor, poor, members, unit_weight)
    rows = []
    for key, positions in _groups(households, by, complete):
        for row in parts.estimates(np.flatnonzero(complete)[positions], design):
            rows.append({**dict(zip(by, key, strict=True)), **row})
    table = with_intervals(
        pd.DataFrame(rows, columns=[*by, "indicator", "estimate", "se", "n", "population"])
    )
    return Estimates(
        table,
        by=by,
        notes=_notes(spec, matrix, complete, unit_weight * members, persons, size),
        title="mpi.title",
    )


def deprivations(
    households: pd.DataFrame, spec: MpiSpec | str | Path, persons: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Each household's status in each indicator: 1 deprived, 0 not, <NA> unknown.

    Indexed like ``households``, one ``Float64`` column per indicator; usable on its own to list
    who is deprived in what (for targeting or verification).
    """
    spec = spec if isinstance(spec, MpiSpec) else load_spec(spec)
    _require(households, spec.columns_used("households"), "households")
    members = None
    if spec.uses_persons:
        if persons is None:
            first = next(i.name for i in spec.indicators if i.form == "persons")
            raise SejahteraError("mpi.persons_needed", spec=spec.name, indicator=first)
        _require(households, ["household_id"], "households")
        _require(persons, ["household_id", *spec.columns_used("persons")], "persons")
        members = _household_of(households, persons)
    columns = {}
    for indicator in spec.indicators:
        if indicator.form == "persons":
            assert members is not None and persons is not None
            status = _aggregate(indicator, persons, members, len(households))
        else:
            status = _household_status(indicator, households)
        columns[indicator.name] = pd.array(
            np.where(np.isnan(status), None, status), dtype="Float64"
        )
    return pd.DataFrame(columns, index=households.index)


def _household_status(indicator: Indicator, households: pd.DataFrame) -> np.ndarray:
    results = np.array(
        [_test(test, households[test.column], "households") for test in indicator.tests]
    )
    return _any(results) if indicator.form == "any_of" else _all(results)


def _aggregate(
    indicator: Indicator, persons: pd.DataFrame, household: np.ndarray, households: int
) -> np.ndarray:
    """``any``/``none``/``all`` members matching ``where``, in three-valued (Kleene) logic."""
    if indicator.tests:
        matches = _all(np.array([_test(t, persons[t.column], "persons") for t in indicator.tests]))
    else:
        matches = np.ones(len(persons))
    known = household >= 0
    matches, household = matches[known], household[known]

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(household[mask], minlength=households)

    true, false, unknown = count(matches == 1), count(matches == 0), count(np.isnan(matches))
    if indicator.aggregate == "any":
        status = np.where(true > 0, 1.0, np.where(unknown > 0, np.nan, 0.0))
    elif indicator.aggregate == "none":
        status = np.where(true > 0, 0.0, np.where(unknown > 0, np.nan, 1.0))
    else:
        status = np.where(false > 0, 0.0, np.where(unknown > 0, np.nan, 1.0))
    # A household without member rows cannot be judged on its members.
    return np.where(true + false + unknown == 0, np.nan, status)


def _test(test: Test, values: pd.Series, table: str) -> np.ndarray:
    """1 where the test holds, 0 where it fails, NaN where the value is missing."""
    missing = values.isna().to_numpy()
    if test.comparison in ("equals", "in"):
        wanted = list(test.value) if test.comparison == "in" else [test.value]
        holds = values.isin(wanted).to_numpy(dtype=bool, na_value=False)
    else:
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            raise SejahteraError("mpi.column_not_numeric", column=test.column, table=table)
        number = values.to_numpy(dtype=np.float64, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            holds = _compare(test, number)
    return np.where(missing, np.nan, holds.astype(np.float64))


def _compare(test: Test, number: np.ndarray) -> np.ndarray:
    value = test.value
    if test.comparison == "below":
        return number < value
    if test.comparison == "at_most":
        return number <= value
    if test.comparison == "above":
        return number > value
    if test.comparison == "at_least":
        return number >= value
    low, high = value
    return (number >= low) & (number <= high)


def _all(results: np.ndarray) -> np.ndarray:
    """Kleene AND down the tests: false if any is false, else unknown if any is unknown."""
    return np.where(
        (results == 0).any(axis=0), 0.0, np.where(np.isnan(results).any(axis=0), np.nan, 1.0)
    )


def _any(results: np.ndarray) -> np.ndarray:
    """Kleene OR down the tests: true if any is true, else unknown if any is unknown."""
    return np.where(
        (results == 1).any(axis=0), 1.0, np.where(np.isnan(results).any(axis=0), np.nan, 0.0)
    )


class _Parts:
    """The per-household quantities behind every estimate, and the estimates for a set of rows."""

    def __init__(
        self,
        spec: MpiSpec,
        deprived: np.ndarray,
        censored_score: np.ndarray,
        poor: np.ndarray,
        members: np.ndarray,
        weight: np.ndarray,
    ) -> None:
        self.spec = spec
        self.deprived = deprived
        self.censored_score = censored_score
        self.poor = poor
        self.members = members
        self.weight = weight

    def estimates(self, rows: np.ndarray, design: Design) -> list[dict[str, object]]:
        domain = design.domain(rows)
        w, s = self.weight[rows], self.members[rows]
        poor, censored = self.poor[rows], self.censored_score[rows]
        ratio = _Ratio(domain, w)
        found = [
            ratio("mpi_H", s * poor, s),
            ratio("mpi_A", s * censored, s * poor),
            ratio("mpi_M0", s * censored, s),
        ]
        deprived = self.deprived[rows]
        indicators = self.spec.indicators
        for kind in ("censored", "uncensored", "contribution"):
            for j, indicator in enumerate(indicators):
                g = deprived[:, j]
                name = f"{kind}:{indicator.name}"
                if kind == "censored":
                    found.append(ratio(name, s * g * poor, s))
                elif kind == "uncensored":
                    found.append(ratio(name, s * g, s))
                else:
                    share = indicator.weight * s * g * poor
                    found.append(ratio(name, share, s * censored, base=s * poor))
        return found


class _Ratio:
    """``Σ w y / Σ w x`` over a domain's rows, with its linearised standard error."""

    def __init__(self, domain: Domain, weight: np.ndarray) -> None:
        self.domain = domain
        self.weight = weight

    def __call__(
        self, name: str, y: np.ndarray, x: np.ndarray, base: np.ndarray | None = None
    ) -> dict[str, object]:
        """``n`` and ``population`` describe ``base`` (the persons behind ``x`` by default)."""
        w = self.weight
        base = x if base is None else base
        denominator = float(np.sum(w * x))
        if denominator <= 0:
            estimate = se = np.nan
        else:
            estimate = float(np.sum(w * y)) / denominator
            influence = (y - estimate * x) / denominator
            se = float(np.sqrt(max(self.domain.variance(w * influence), 0.0)))
        return {
            "indicator": name,
            "estimate": estimate,
            "se": se,
            "n": int(np.count_nonzero(base > 0)),
            "population": float(np.sum(w * base)),
        }


def _groups(
    households: pd.DataFrame, by: tuple[str, ...], complete: np.ndarray
) -> list[tuple[tuple[object, ...], np.ndarray]]:
    """(group key, positions among the complete rows), groups in sorted order."""
    if not by:
        return [((), np.arange(int(complete.sum())))]
    frame = households.loc[complete, list(by)].reset_index(drop=True)
    grouped = frame.groupby(list(by), sort=True, observed=True).indices
    return [
        (key if isinstance(key, tuple) else (key,), positions) for key, positions in grouped.items()
    ]


def _require(frame: pd.DataFrame, columns: Sequence[str], table: str) -> None:
    for column in columns:
        if column not in frame.columns:
            raise SejahteraError("mpi.column_missing", column=column, table=table)


def _no_missing(frame: pd.DataFrame, column: str, source: str) -> None:
    """A group needs a label: an empty one would read as the whole population."""
    missing = frame[column].isna().to_numpy()
    if missing.any():
        row = int(np.flatnonzero(missing)[0]) + 1
        raise SejahteraError("measure.missing_group", file=source, row=row, column=column)


def _sizes(
    households: pd.DataFrame, persons: pd.DataFrame | None, size: str | None, source: str
) -> np.ndarray:
    """Persons per household: the ``size`` column, else member rows, else 1 per row."""
    if size is not None:
        values = numeric(households, size, source)
        if (values < 0).any():
            row = int(np.flatnonzero(values < 0)[0]) + 1
            raise SejahteraError("mpi.negative_size", file=source, row=row, column=size)
        return values
    if persons is None:
        return np.ones(len(households))
    _require(households, ["household_id"], "households")
    _require(persons, ["household_id"], "persons")
    household = _household_of(households, persons)
    return np.bincount(household[household >= 0], minlength=len(households)).astype(np.float64)


def _household_of(households: pd.DataFrame, persons: pd.DataFrame) -> np.ndarray:
    """Each person's household row (−1 when the household is not among ``households``)."""
    ids = pd.Index(households["household_id"])
    if not ids.is_unique:
        repeated = ids[ids.duplicated()][0]
        raise SejahteraError("mpi.duplicate_household", value=repeated)
    return ids.get_indexer(persons["household_id"])


def _notes(
    spec: MpiSpec,
    matrix: np.ndarray,
    complete: np.ndarray,
    population: np.ndarray,
    persons: pd.DataFrame | None,
    size: str | None,
) -> list[tuple[str, dict[str, object]]]:
    notes: list[tuple[str, dict[str, object]]] = [
        ("mpi.note_spec", {"name": spec.name, "file": spec.file, "k": f"{spec.k:.4g}"}),
        ("mpi.note_persons" if persons is not None or size else "mpi.note_rows", {}),
    ]
    left_out = ~complete
    if left_out.any():
        unknown = np.isnan(matrix[left_out]).sum(axis=0)
        which = ", ".join(
            f"{indicator.name} ({count})"
            for indicator, count in zip(spec.indicators, unknown, strict=True)
            if count
        )
        total = population.sum()
        share = population[left_out].sum() / total if total > 0 else np.nan
        notes.append(
            (
                "mpi.note_left_out",
                {"count": int(left_out.sum()), "share": f"{share:.1%}", "indicators": which},
            )
        )
    return notes
