"""``measure``: poverty and inequality for a population and its groups, with standard errors.

The welfare column is sorted once; groups are then laid out by a stable sort on their codes, so
every group is a contiguous, already-sorted segment and each indicator is a few vector operations
on it. Standard errors come from the survey design by linearisation (default) or from a
Rao–Wu rescaling bootstrap of PSUs within strata (``variance="bootstrap"``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Literal

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from sejahtera.data.readers import Decimal
from sejahtera.errors import SejahteraError
from sejahtera.measure.design import Accumulator, Design, Domain, Shared
from sejahtera.measure.indicators import ATKINSON_EPSILONS, NAN, Lazy, Segment, Value
from sejahtera.measure.inputs import Inputs, prepare
from sejahtera.measure.lines import Line, RelativeLine, parse_line
from sejahtera.measure.quantiles import QuantileMethod
from sejahtera.measure.result import Estimates, with_intervals

Variance = Literal["linearisation", "bootstrap", "none"]
BLOCK = 1 << 17  # rows per block when influences become variances: 1 MB per float vector

POVERTY = ("fgt0", "fgt1", "fgt2", "poor_count", "poverty_line")
EXTREME = ("extreme_fgt0", "extreme_poor_count", "extreme_line")
INEQUALITY = (
    "gini",
    "theil",
    "mld",
    *(f"atkinson_{e:g}" for e in ATKINSON_EPSILONS),
    "palma",
    "s80s20",
    "mean",
    "median",
    *(f"share_d{d}" for d in range(1, 11)),
)
INDICATORS = POVERTY + EXTREME + INEQUALITY


@dataclass(frozen=True)
class _Line:
    """A line as the engine uses it: per-row values, or one relative value with its influence."""

    rows: np.ndarray | None  # absolute: per-row line
    value: float | None  # relative: the line
    influence: np.ndarray | None  # relative: its influence on every row (original order)
    shared: Shared | None


def measure(
    data: pd.DataFrame,
    welfare: str,
    *,
    weight: str | None = None,
    line: Line | None = None,
    extreme_line: Line | None = None,
    by: Sequence[str] = (),
    size: str | None = None,
    strata: str | None = None,
    psu: str | None = None,
    indicators: Sequence[str] | None = None,
    quantile_method: QuantileMethod = "eurostat",
    variance: Variance = "linearisation",
    replicates: int = 200,
    seed: int = 1,
    level: float = 0.95,
    source: str = "data",
    decimal: Decimal = ".",
) -> Estimates:
    """Estimate poverty and inequality indicators, overall or by ``by`` groups.

    ``welfare`` is per person (consumption or income per capita, or equivalised). Each row stands
    for ``weight`` units; with ``size`` (persons in the household) it stands for weight × size
    persons, as BPS computes person-level rates from household data. ``line`` is a number, a
    column, or :class:`RelativeLine` (``parse_line("60%median")``); a relative line is computed
    on the whole population and applied to every group, as Eurostat does. ``source`` names the
    data in error messages; ``decimal`` is the decimal mark of numbers written as text.
    """
    # A line given as text that is not a column ("60%median", "625000") is read as a line.
    line, extreme_line = (
        parse_line(spec) if isinstance(spec, str) and spec not in data.columns else spec
        for spec in (line, extreme_line)
    )
    # Without standard errors the design plays no part: a stratum with one PSU is no obstacle.
    design = (strata, psu) if variance != "none" else (None, None)
    inputs = prepare(data, welfare, weight, line, extreme_line, by, size, *design, source, decimal)
    wanted = check_indicators(indicators, line is not None, extreme_line is not None)
    # The sums here are over a group's rows or a block of them, thousands of short vectors: BLAS
    # threads cost more than they give (on a busy machine one thread's dot is 100× faster).
    with threadpool_limits(limits=1, user_api="blas"):
        engine = _Engine(inputs, wanted, quantile_method)
        table = engine.run(inputs.weights, with_influence=variance == "linearisation")
        if variance == "bootstrap":
            table["se"] = _bootstrap(engine, inputs, table, replicates, seed)
    if variance == "none":
        table["se"] = np.nan
    notes = [("measure.note_variance_" + variance, {})]
    if table.loc[table["indicator"].isin(INEQUALITY), "estimate"].isna().any():
        notes.append(("measure.note_nonpositive", {}))
    return Estimates(with_intervals(table, level), tuple(by), notes, unit=welfare_unit(welfare))


def welfare_unit(column: str) -> str:
    """The unit of a welfare column of the sejahtera/v1 schema (``IDR/person/month``), else none."""
    from sejahtera.data.schema import COLUMNS

    found = [c.unit for table in COLUMNS.values() for c in table if c.name == column]
    return found[0] if found else ""


def check_indicators(
    indicators: Sequence[str] | None, has_line: bool, has_extreme: bool
) -> list[str]:
    """The indicators to compute: all that apply by default, else the names asked, checked."""
    if indicators is None:
        chosen = [*(POVERTY if has_line else ()), *(EXTREME if has_extreme else ()), *INEQUALITY]
        return chosen
    for name in indicators:
        if name not in INDICATORS:
            raise SejahteraError(
                "measure.unknown_indicator", name=name, known=", ".join(INDICATORS)
            )
        if name in POVERTY and not has_line:
            raise SejahteraError("measure.needs_line", name=name, option="--line")
        if name in EXTREME and not has_extreme:
            raise SejahteraError("measure.needs_line", name=name, option="--extreme-line")
    return list(dict.fromkeys(indicators))  # each once, in the order asked


class _Engine:
    """Everything that does not change between bootstrap replicates: the sort and the groups."""

    def __init__(self, inputs: Inputs, wanted: list[str], method: QuantileMethod) -> None:
        self.inputs = inputs
        self.wanted = wanted
        self.method = method
        welfare = inputs.welfare
        if inputs.group_codes is None:
            self.grouped = np.argsort(welfare)
            self.bounds = np.array([0, len(welfare)])
        else:
            codes = inputs.group_codes
            small = codes.astype(np.int16 if inputs.group_count < 2**15 else np.int32)
            self.bounds = np.r_[0, np.cumsum(np.bincount(codes, minlength=inputs.group_count))]
            if any(isinstance(line, RelativeLine) for line in (inputs.line, inputs.extreme_line)):
                # The line sorts the whole population anyway; a (linear-time) stable sort on the
                # small group codes keeps that order within each group.
                order = self.overall_order
                self.grouped = order[np.argsort(small[order], kind="stable")]
            else:
                # Lay the groups out with a linear-time stable sort on the codes, then sort
                # welfare within each group: cheaper than one sort of everything.
                self.grouped = np.argsort(small, kind="stable")
                for start, end in zip(self.bounds[:-1], self.bounds[1:], strict=True):
                    rows = self.grouped[start:end]
                    self.grouped[start:end] = rows[np.argsort(welfare[rows])]
        # Absolute lines (a number or a column) do not change between replicates: read them once.
        self.absolute = {
            prefix: inputs.line_rows(line)
            for prefix, line in (("", inputs.line), ("extreme_", inputs.extreme_line))
            if line is not None and not isinstance(line, RelativeLine)
        }

    def run(self, weights: np.ndarray, with_influence: bool) -> pd.DataFrame:
        inputs = self.inputs
        design = inputs.design if with_influence else None
        # The whole population sorted: a relative line is read off it, and without groups it is
        # the one group. Made on first use, once.
        whole = cache(lambda: self._segment(self.overall_order, weights, with_influence))
        lines = {
            "": self._line("", inputs.line, whole, weights, design),
            "extreme_": self._line("extreme_", inputs.extreme_line, whole, weights, design),
        }
        records: list[dict[str, object]] = []
        for group in range(len(self.bounds) - 1):
            rows = self.grouped[self.bounds[group] : self.bounds[group + 1]]
            if not len(rows):
                continue
            w = weights[rows]
            domain = design.domain(rows) if design is not None else None
            population = float(w.sum())
            made = whole if inputs.group_codes is None else None
            values = dict(self._values(rows, w, lines, with_influence, made))
            found = {name: (value.estimate, np.nan) for name, value in values.items()}
            if domain is not None:
                found.update(self._standard_errors(values, domain, w, lines))
            for name in self.wanted:
                estimate, se = found[name]
                records.append(
                    {
                        **inputs.group_labels(group),
                        "indicator": name,
                        "estimate": estimate,
                        "se": se,
                        "n": len(rows),
                        "population": population,
                    }
                )
        return pd.DataFrame.from_records(
            records, columns=[*inputs.by, "indicator", "estimate", "se", "n", "population"]
        )

    @staticmethod
    def _standard_errors(
        values: dict[str, Value], domain: Domain, w: np.ndarray, lines: dict[str, _Line]
    ) -> dict[str, tuple[float, float]]:
        """Every influence fed to its variance block by block, so the rows stay in cache."""
        done: dict[str, Accumulator] = {}
        pending = {
            name: domain.accumulator(
                value.line_slope,
                lines["extreme_" if name.startswith("extreme_") else ""].shared,
            )
            for name, value in values.items()
            if value.source is not None
        }
        if domain.simple:  # influences made of steps need no pass over the rows at all
            for name in list(pending):
                source = values[name].source
                if isinstance(source, Lazy) and source.moments and not values[name].line_slope:
                    pending[name].add_moments(*source.moments())
                    done[name] = pending.pop(name)
        for start in range(0, len(w), BLOCK):
            end = min(start + BLOCK, len(w))
            block = w[start:end]
            for name, accumulator in pending.items():
                accumulator.add(start, end, values[name].part(start, end) * block)
        return {
            name: (values[name].estimate, float(np.sqrt(max(accumulator.variance(), 0.0))))
            for name, accumulator in (pending | done).items()
        }

    def _segment(self, rows: np.ndarray, weights: np.ndarray, with_influence: bool) -> Segment:
        welfare = self.inputs.welfare[rows]
        return Segment(welfare, weights[rows], method=self.method, influence=with_influence)

    def _line(
        self,
        prefix: str,
        line: Line | None,
        whole: Callable[[], Segment],
        weights: np.ndarray,
        design: Design | None,
    ) -> _Line:
        if line is None:
            return _Line(None, None, None, None)
        if not isinstance(line, RelativeLine):
            return _Line(self.absolute[prefix], None, None, None)
        segment = whole()
        base = segment.mean() if line.statistic == "mean" else segment.quantile_value(0.5)
        influence = np.zeros(segment.n)
        if base.influence is not None:
            influence[self.overall_order] = line.share * base.influence
        value = line.share * base.estimate
        shared = design.shared(weights * influence) if design is not None else None
        return _Line(None, value, influence, shared)

    @cached_property
    def overall_order(self) -> np.ndarray:
        """Rows by welfare over the whole population (for a relative line)."""
        if self.inputs.group_codes is None:
            return self.grouped
        return np.argsort(self.inputs.welfare)

    def _values(
        self,
        rows: np.ndarray,
        w: np.ndarray,
        lines: dict[str, _Line],
        with_influence: bool,
        made: Callable[[], Segment] | None = None,
    ) -> Iterator[tuple[str, Value]]:
        """Each wanted indicator of the group ``rows``; ``made`` gives its segment if made."""
        if not w.sum() > 0:  # a bootstrap replicate that drew none of the group
            yield from ((name, NAN) for name in self.wanted)
            return
        if made is not None:
            segment = made()
        else:
            segment = Segment(
                self.inputs.welfare[rows], w, method=self.method, influence=with_influence
            )
        wanted = set(self.wanted)
        for prefix, line in lines.items():
            if line.rows is None and line.value is None:
                continue
            if line.rows is not None:
                segment.line = line.rows[rows]
            z = line.value
            for alpha in (0, 1, 2):
                if f"{prefix}fgt{alpha}" in wanted:
                    yield f"{prefix}fgt{alpha}", segment.fgt(alpha, z)
            if f"{prefix}poor_count" in wanted:
                yield f"{prefix}poor_count", segment.poor_count(z)
            named = f"{prefix}line" if prefix else "poverty_line"
            if named in wanted:
                yield named, _line_value(segment, line)
        for name, compute in _INEQUALITY.items():
            if name in wanted:
                yield name, compute(segment)
        if any(name.startswith("share_d") for name in wanted):
            for decile, value in enumerate(segment.decile_shares(), start=1):
                yield f"share_d{decile}", value


def _line_value(segment: Segment, line: _Line) -> Value:
    if line.value is not None:  # relative: all its variability is shared
        return Value(line.value, np.zeros(segment.n), 1.0)
    rows = np.asarray(segment.line, dtype=np.float64)
    mean = float(np.dot(segment.w, rows)) / segment.W
    return Value(mean, (rows - mean) / segment.W)


_INEQUALITY: dict[str, Callable[[Segment], Value]] = {
    "gini": Segment.gini,
    "theil": Segment.theil,
    "mld": Segment.mld,
    **{f"atkinson_{e:g}": (lambda s, e=e: s.atkinson(e)) for e in ATKINSON_EPSILONS},
    "palma": lambda s: s.share_ratio(0.1, 0.4),
    "s80s20": lambda s: s.share_ratio(0.2, 0.2, of_means=True),
    "mean": Segment.mean,
    "median": lambda s: s.quantile_value(0.5),
}


def _bootstrap(
    engine: _Engine, inputs: Inputs, table: pd.DataFrame, replicates: int, seed: int
) -> np.ndarray:
    """Standard errors from Rao–Wu rescaled bootstrap replicates.

    Each replicate draws ``n_h − 1`` PSUs with replacement in every stratum and rescales the
    weights of a PSU drawn ``m`` times by ``m · n_h / (n_h − 1)``; every estimate, relative lines
    included, is recomputed on each replicate.
    """
    design = inputs.design
    if not (design.psu_per_stratum > 1).any():  # one PSU: nothing to resample
        return np.full(len(table), np.nan)
    generator = np.random.default_rng(seed)
    by_stratum = np.argsort(design.cluster_stratum, kind="stable")
    per_stratum = design.psu_per_stratum
    offsets = np.r_[0, np.cumsum(per_stratum)[:-1]]
    draws = np.maximum(per_stratum - 1, 0)
    draw_stratum = np.repeat(np.arange(len(per_stratum)), draws)
    n = per_stratum[design.cluster_stratum].astype(np.float64)
    scale = np.where(n > 1, n / np.maximum(n - 1, 1), 1.0)
    estimates = np.empty((replicates, len(table)))
    for r in range(replicates):
        position = offsets[draw_stratum] + np.floor(
            generator.random(len(draw_stratum)) * per_stratum[draw_stratum]
        ).astype(np.int64)
        drawn = np.bincount(by_stratum[position], minlength=len(n)).astype(np.float64)
        factor = np.where(n > 1, drawn * scale, 1.0)
        replicate = engine.run(inputs.weights * factor[design.cluster], with_influence=False)
        estimates[r] = replicate["estimate"].to_numpy()
    return np.nanstd(estimates, axis=0, ddof=1)
