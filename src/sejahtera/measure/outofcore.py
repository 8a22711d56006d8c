"""Poverty and inequality on data larger than memory: exact point estimates streamed from Parquet.

:func:`measure_parquet` gives the point estimates of :func:`sejahtera.measure.estimate.measure`
(Eurostat quantiles) for a Parquet file or a folder of Parquet files, reading it in batches, so
that memory depends on the batch and bucket sizes and not on the number of rows:

1. The first pass checks every value and adds up, per group, everything that needs no sorting:
   weights, incomes, FGT sums against absolute lines, and the sums behind Theil, MLD and
   Atkinson. It also keeps an evenly spaced sample of welfare.
2. Quantiles of that sample cut welfare into ranges of about ``bucket_rows`` rows. The second
   pass appends every row to its range's file in a temporary folder (removed at the end). Equal
   values always fall in the same range.
3. The ranges are read back in ascending order and each is sorted in memory. Every group's
   running weight and income are carried from one range to the next, so the Gini's rank sum,
   the quantiles and the income below them are exactly those of one big sort.

A relative line (``60%median``) needs the population's median first: between the second and third
passes only the range that holds it is read. Standard errors are not computed out of core (``se``
is NaN): linearisation needs every row's influence on every estimate, which needs the finished
estimates; use :func:`~sejahtera.measure.estimate.measure` on a sample for them.

Every file must hold every column used. A run of equal welfare values longer than ``bucket_rows``
cannot be split, so its range is sorted whole.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from sejahtera.errors import SejahteraError
from sejahtera.measure.estimate import INEQUALITY, check_indicators
from sejahtera.measure.inputs import numeric
from sejahtera.measure.lines import Line, RelativeLine, parse_line
from sejahtera.measure.quantiles import TIE
from sejahtera.measure.result import Estimates, with_intervals

# Shares closer than this to p count as equal to it: the tolerance of quantiles.sorted_quantile.
# The quantiles every group needs: deciles, which include the S80/S20 and Palma cut points.
PROBABILITIES = tuple(decile / 10 for decile in range(1, 10))
MEDIAN = PROBABILITIES.index(0.5)
# Ranges are planned this much smaller than ``bucket_rows``, for the sample's own error.
_PLAN_MARGIN = 0.8


@dataclass(frozen=True)
class Streaming:
    """How much is held in memory at once.

    ``batch_rows`` rows are read at a time; a welfare range holds about ``bucket_rows`` rows when
    it is sorted; ``sample_rows`` welfare values plan the ranges. ``temp_dir`` is where the ranges
    are written (the system's temporary folder by default): it needs room for 16–20 bytes a row.
    """

    batch_rows: int = 1_000_000
    bucket_rows: int = 2_000_000
    sample_rows: int = 1_000_000
    temp_dir: str | Path | None = None


def measure_parquet(
    path: str | Path,
    welfare: str,
    *,
    weight: str | None = None,
    line: Line | None = None,
    extreme_line: Line | None = None,
    by: Sequence[str] = (),
    size: str | None = None,
    indicators: Sequence[str] | None = None,
    streaming: Streaming | None = None,
) -> Estimates:
    """All indicators of ``measure`` (point estimates only), overall or by ``by`` groups.

    ``path`` is a Parquet file or a folder whose ``*.parquet`` files (in any subfolder) are read in
    name order. The arguments mean what they mean for :func:`~sejahtera.measure.estimate.measure`
    (``indicators`` chooses which, and in what order).
    """
    names = check_indicators(indicators, line is not None, extreme_line is not None)
    streaming = streaming or Streaming()
    lines = {prefix: x for prefix, x in (("", line), ("extreme_", extreme_line)) if x is not None}
    source = _Source(Path(path), welfare, weight, size, tuple(by), lines, streaming.batch_rows)
    lines = source.lines
    groups = _Groups()
    sums, sample = _first_pass(source, groups, streaming.sample_rows)
    sums.reorder(groups.sort())
    with tempfile.TemporaryDirectory(prefix="sejahtera-ranges-", dir=streaming.temp_dir) as tmp:
        buckets = _Buckets(Path(tmp), _edges(sample, source.rows, streaming.bucket_rows), bool(by))
        for batch in source.batches(with_lines=False):
            buckets.add(batch.welfare, batch.weight, groups.codes(batch.keys, len(batch.welfare)))
        relative = {
            prefix: _relative_value(x, buckets, sums)
            for prefix, x in lines.items()
            if isinstance(x, RelativeLine)
        }
        ranked = _third_pass(buckets, sums, relative)
    values = _indicators(sums, ranked, lines, relative)
    table = _table(values, names, groups, tuple(by), sums)
    notes: list[tuple[str, dict[str, object]]] = [("measure.note_variance_none", {})]
    if table.loc[table["indicator"].isin(INEQUALITY), "estimate"].isna().any():
        notes.append(("measure.note_nonpositive", {}))
    return Estimates(with_intervals(table), tuple(by), notes)


# -- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Batch:
    welfare: np.ndarray
    weight: np.ndarray  # weight × size
    keys: pd.Index | None  # the group of every row
    lines: dict[str, np.ndarray]  # per-row absolute lines, by prefix ("" or "extreme_")


class _Source:
    """The Parquet files, read batch by batch with every value checked as ``measure`` checks it."""

    def __init__(
        self,
        path: Path,
        welfare: str,
        weight: str | None,
        size: str | None,
        by: tuple[str, ...],
        lines: dict[str, Line],
        batch_rows: int,
    ) -> None:
        self.files = sorted(path.rglob("*.parquet")) if path.is_dir() else [path]
        self.rows = sum(pq.ParquetFile(file).metadata.num_rows for file in self.files)
        if not self.rows:
            raise SejahteraError("measure.empty", file=str(path))
        self.welfare, self.weight, self.size, self.by = welfare, weight, size, by
        # As in ``measure``: text that is not a column ("60%median", "625000") is a line.
        known = pq.ParquetFile(self.files[0]).schema_arrow.names
        self.lines = {
            prefix: parse_line(x) if isinstance(x, int | float) or x not in known else x
            for prefix, x in lines.items()
        }
        self.batch_rows = batch_rows
        columns = [
            welfare,
            weight,
            size,
            *by,
            *(x for x in self.lines.values() if isinstance(x, str)),
        ]
        self.columns = list(dict.fromkeys(c for c in columns if c is not None))

    def batches(self, with_lines: bool) -> Iterator[_Batch]:
        for file in self.files:
            reader = pq.ParquetFile(file)
            known = reader.schema_arrow.names
            for column in self.columns:
                if column not in known:
                    raise SejahteraError(
                        "measure.unknown_column",
                        column=column,
                        file=str(file),
                        known=", ".join(known),
                    )
            offset = 0
            for part in reader.iter_batches(batch_size=self.batch_rows, columns=self.columns):
                frame = part.to_pandas()
                try:
                    batch = self._batch(frame, str(file), with_lines)
                except SejahteraError as error:  # the row within the batch → within the file
                    raise _shifted(error, offset) from None
                offset += len(frame)
                yield batch

    def _batch(self, frame: pd.DataFrame, source: str, with_lines: bool) -> _Batch:
        welfare = numeric(frame, self.welfare, source)
        weight = np.ones(len(frame))
        if self.weight is not None:
            weight = numeric(frame, self.weight, source, positive=True)
        if self.size is not None:
            weight = weight * numeric(frame, self.size, source, positive=True)
        keys = None
        if self.by:
            for column in self.by:
                missing = frame[column].isna().to_numpy()
                if missing.any():
                    row = int(np.flatnonzero(missing)[0]) + 1
                    raise SejahteraError(
                        "measure.missing_group", file=source, row=row, column=column
                    )
            plain = {c: np.asarray(frame[c]) for c in self.by}  # categories become their values
            keys = (
                pd.Index(plain[self.by[0]])
                if len(self.by) == 1
                else pd.MultiIndex.from_arrays(list(plain.values()), names=self.by)
            )
        lines = {}
        if with_lines:
            for prefix, line in self.lines.items():
                if isinstance(line, RelativeLine):
                    continue
                lines[prefix] = (
                    numeric(frame, line, source, positive=True)
                    if isinstance(line, str)
                    else np.full(len(frame), float(line))
                )
        return _Batch(welfare, weight, keys, lines)


def _shifted(error: SejahteraError, offset: int) -> SejahteraError:
    values = dict(error.values)
    if isinstance(values.get("row"), int):
        values["row"] += offset
    return SejahteraError(error.key, **values)


class _Groups:
    """Group labels met so far. Codes follow first sight until :meth:`sort` orders the labels."""

    def __init__(self) -> None:
        self.index: pd.Index | None = None

    def __len__(self) -> int:
        return 1 if self.index is None else len(self.index)

    def codes(self, keys: pd.Index | None, rows: int) -> np.ndarray:
        if keys is None:
            return np.zeros(rows, dtype=np.int64)
        found = keys.unique()
        if self.index is None:
            self.index = found
        else:
            new = found[self.index.get_indexer(found) < 0]
            if len(new):
                self.index = self.index.append(new)
        return self.index.get_indexer(keys).astype(np.int64)

    def sort(self) -> np.ndarray:
        """Put the labels in order, as ``groupby`` does; returns each new code's old code."""
        if self.index is None:
            return np.zeros(1, dtype=np.int64)
        order = np.asarray(self.index.argsort(), dtype=np.int64)
        self.index = self.index[order]
        return order

    def labels(self, code: int, by: tuple[str, ...]) -> dict[str, object]:
        if self.index is None:
            return {}
        label = self.index[code]
        values = label if isinstance(label, tuple) else (label,)
        return {
            c: v.item() if isinstance(v, np.generic) else v for c, v in zip(by, values, strict=True)
        }


# -- pass 1: sums that need no sorting ---------------------------------------------------------


class _Sums:
    """Per-group totals, as arrays indexed by group code; new groups extend them."""

    def __init__(self) -> None:
        self.values: dict[str, np.ndarray] = {}

    def __getitem__(self, name: str) -> np.ndarray:
        return self.values[name]

    def add(self, name: str, codes: np.ndarray, amounts: np.ndarray | None, groups: int) -> None:
        part = np.bincount(codes, amounts, minlength=groups).astype(np.float64)
        old = self.values.get(name, np.zeros(0))
        self.values[name] = part + np.pad(old, (0, groups - len(old)))

    def reorder(self, order: np.ndarray) -> None:
        self.values = {name: values[order] for name, values in self.values.items()}


def _first_pass(source: _Source, groups: _Groups, sample_rows: int) -> tuple[_Sums, np.ndarray]:
    sums = _Sums()
    stride = max(1, math.ceil(source.rows / sample_rows))
    samples, seen = [], 0
    for batch in source.batches(with_lines=True):
        codes = groups.codes(batch.keys, len(batch.welfare))
        for name, amounts in _additive(batch).items():
            sums.add(name, codes, amounts, len(groups))
        samples.append(batch.welfare[(-seen) % stride :: stride].copy())
        seen += len(batch.welfare)
    return sums, np.concatenate(samples)


def _additive(batch: _Batch) -> dict[str, np.ndarray | None]:
    """Each row's share of the sums, with the formulas of :class:`indicators.Segment`."""
    y, w = batch.welfare, batch.weight
    positive = y > 0
    safe = np.where(positive, y, 1.0)
    log_y = np.log(safe)
    parts: dict[str, np.ndarray | None] = {
        "rows": None,
        "weight": w,
        "income": w * y,
        "negative": (y < 0).astype(np.float64),
        "nonpositive": (~positive).astype(np.float64),
        "ylogy": w * np.where(positive, y * log_y, 0.0),
        "logy": w * log_y,
        "root": w * np.sqrt(np.maximum(y, 0.0)),  # Atkinson ε = 0.5
        "inverse": w / safe,  # Atkinson ε = 2
    }
    for prefix, z in batch.lines.items():
        parts.update(_poverty(prefix, y, w, z))
    return parts


def _poverty(prefix: str, y: np.ndarray, w: np.ndarray, z: np.ndarray | float) -> dict:
    poor = y < z
    gap = np.where(poor, np.clip((z - y) / z, 0.0, None), 0.0)
    return {
        f"{prefix}poor": w * poor,
        f"{prefix}gap": w * gap,
        f"{prefix}gap2": w * gap**2,
        f"{prefix}line": w * z,
    }


# -- pass 2: rows scattered into welfare ranges ------------------------------------------------


def _edges(sample: np.ndarray, rows: int, bucket_rows: int) -> np.ndarray:
    """Cut points between welfare ranges: range ``b`` holds ``edges[b-1] <= y < edges[b]``."""
    count = math.ceil(rows / (_PLAN_MARGIN * bucket_rows))
    if count <= 1 or not len(sample):
        return np.zeros(0)
    return np.unique(np.quantile(sample, np.arange(1, count) / count))


def _small(codes: np.ndarray, count: int) -> np.ndarray:
    """Codes in the narrowest unsigned type, where numpy's stable sort is a radix sort."""
    return codes.astype(np.min_scalar_type(max(count - 1, 0)))


class _Buckets:
    """One file of raw records per welfare range, appended to batch by batch."""

    def __init__(self, folder: Path, edges: np.ndarray, grouped: bool) -> None:
        self.folder = folder
        self.edges = edges
        fields = [("y", "<f8"), ("w", "<f8"), *([("g", "<i4")] if grouped else [])]
        self.dtype = np.dtype(fields)
        self.rows = np.zeros(len(edges) + 1, dtype=np.int64)
        self.weight = np.zeros(len(edges) + 1)

    def __len__(self) -> int:
        return len(self.rows)

    def _path(self, bucket: int) -> Path:
        return self.folder / f"{bucket:06d}.bin"

    def add(self, y: np.ndarray, w: np.ndarray, codes: np.ndarray) -> None:
        bucket = _small(np.searchsorted(self.edges, y, side="right"), len(self))
        order = np.argsort(bucket, kind="stable")
        counts = np.bincount(bucket, minlength=len(self))
        self.rows += counts
        self.weight += np.bincount(bucket, w, minlength=len(self))
        records = np.empty(len(y), self.dtype)
        records["y"], records["w"] = y[order], w[order]
        if "g" in self.dtype.names:
            records["g"] = codes[order]
        bounds = np.r_[0, np.cumsum(counts)]
        for b in np.flatnonzero(counts):
            with self._path(b).open("ab") as out:
                records[bounds[b] : bounds[b + 1]].tofile(out)

    def lowest(self, bucket: int) -> float:
        return float(self.edges[bucket - 1]) if bucket else -math.inf

    def read(self, bucket: int, groups: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The range's welfare, weights and group codes, sorted by group (unless ``groups`` is
        None), then by welfare."""
        records = np.fromfile(self._path(bucket), self.dtype)
        order = np.argsort(records["y"])  # order among equal values changes nothing
        if groups is not None and "g" in self.dtype.names:
            codes = _small(records["g"][order], groups)
            order = order[np.argsort(codes, kind="stable")]
            return records["y"][order], records["w"][order], records["g"][order]
        return records["y"][order], records["w"][order], np.zeros(len(order), dtype=np.int32)


# -- pass 3: ranges in ascending order ---------------------------------------------------------


class _Quantiles:
    """Eurostat quantiles of every group, found while its rows arrive in ascending order.

    The p-quantile is the first value whose running weight share passes p, or the mean of that
    value and the next when the share equals p (``quantiles.sorted_quantile``). The next value can
    lie in a later range; it is then taken from the group's first row there. With each quantile
    ``q`` it keeps the weight and income of the rows with ``y <= q``.
    """

    def __init__(self, weight: np.ndarray, rows: np.ndarray, probabilities: Sequence[float]):
        self.weight = weight
        self.rows = rows
        self.p = np.asarray(probabilities)
        shape = (len(weight), len(self.p))
        self.value = np.full(shape, np.nan)
        self.weight_below = np.zeros(shape)
        self.income_below = np.zeros(shape)
        self.waiting = np.full(shape, np.nan)  # y_k whose next value is in a later range
        self.done = np.zeros(shape, dtype=bool)

    def feed(
        self, g: int, y: np.ndarray, cw: np.ndarray, cwy: np.ndarray | None, seen: int
    ) -> None:
        """The group's next rows: ``y`` ascending, running totals ``cw`` (and ``cwy``) from its
        first row, ``seen`` rows of it before these."""
        total = self.weight[g]
        for j in np.flatnonzero(~self.done[g]):
            if not np.isnan(self.waiting[g, j]):
                self._settle(g, j, (self.waiting[g, j] + y[0]) / 2, y, cw, cwy)
                continue
            target = self.p[j] * total
            if cw[-1] < target * (1 - TIE):
                continue
            k = int(np.searchsorted(cw, target * (1 - TIE), side="left"))
            if abs(cw[k] - target) <= TIE * total and seen + k + 1 < self.rows[g]:
                if k + 1 == len(y):
                    self.waiting[g, j] = y[k]
                    self.weight_below[g, j] = cw[-1]
                    self.income_below[g, j] = np.nan if cwy is None else cwy[-1]
                    continue
                q = (y[k] + y[k + 1]) / 2
            else:
                q = y[k]
            self._settle(g, j, q, y, cw, cwy)

    def _settle(
        self, g: int, j: int, q: float, y: np.ndarray, cw: np.ndarray, cwy: np.ndarray | None
    ) -> None:
        self.value[g, j] = q
        self.done[g, j] = True
        m = int(np.searchsorted(y, q, side="right"))  # equal values share a range
        if m:
            self.weight_below[g, j] = cw[m - 1]
            self.income_below[g, j] = np.nan if cwy is None else cwy[m - 1]


@dataclass
class _Ranked:
    """What the third pass finds per group."""

    area: np.ndarray  # Σ w y (C − w/2), C the running weight
    quantiles: _Quantiles
    poverty: dict[str, np.ndarray]  # FGT sums against relative lines


def _third_pass(buckets: _Buckets, sums: _Sums, relative: dict[str, float]) -> _Ranked:
    count = len(sums["weight"])
    quantiles = _Quantiles(sums["weight"], sums["rows"], PROBABILITIES)
    area, carry_w, carry_wy = np.zeros(count), np.zeros(count), np.zeros(count)
    seen = np.zeros(count, dtype=np.int64)
    poverty = {f"{p}{s}": np.zeros(count) for p in relative for s in ("poor", "gap", "gap2")}
    for bucket in np.flatnonzero(buckets.rows):
        y, w, codes = buckets.read(int(bucket), count)
        bounds = np.r_[0, np.cumsum(np.bincount(codes, minlength=count))]
        for g in np.flatnonzero(np.diff(bounds)):
            part = slice(bounds[g], bounds[g + 1])
            wy = w[part] * y[part]
            cw = np.cumsum(w[part]) + carry_w[g]
            cwy = np.cumsum(wy) + carry_wy[g]
            area[g] += float(np.einsum("i,i", wy, cw - w[part] / 2))
            quantiles.feed(int(g), y[part], cw, cwy, int(seen[g]))
            carry_w[g], carry_wy[g] = cw[-1], cwy[-1]
            seen[g] += len(wy)
        for prefix, z in relative.items():
            if buckets.lowest(int(bucket)) < z:
                for name, amounts in _poverty(prefix, y, w, z).items():
                    if name in poverty:
                        poverty[name] += np.bincount(codes, amounts, minlength=count)
    return _Ranked(area, quantiles, poverty)


def _relative_value(line: RelativeLine, buckets: _Buckets, sums: _Sums) -> float:
    """The line: ``share`` × the whole population's mean or median."""
    if line.statistic == "mean":
        return line.share * float(sums["income"].sum() / sums["weight"].sum())
    return line.share * _population_median(buckets)


def _population_median(buckets: _Buckets) -> float:
    """The Eurostat median of all rows, reading only the ranges around it."""
    total = float(buckets.weight.sum())
    quantile = _Quantiles(np.array([total]), np.array([buckets.rows.sum()]), (0.5,))
    after = np.cumsum(buckets.weight)
    # One range early: the range totals are summed in another order than the running total.
    start = max(int(np.searchsorted(after, 0.5 * total * (1 - TIE))) - 1, 0)
    carry = float(after[start - 1]) if start else 0.0
    seen = int(buckets.rows[:start].sum())
    for bucket in range(start, len(buckets)):
        if not buckets.rows[bucket]:
            continue
        y, w, _ = buckets.read(bucket, None)
        cw = np.cumsum(w) + carry
        quantile.feed(0, y, cw, None, seen)
        if quantile.done[0, 0]:
            break
        carry, seen = float(cw[-1]), seen + len(y)
    return float(quantile.value[0, 0])


# -- the indicators ----------------------------------------------------------------------------


def _indicators(
    sums: _Sums, ranked: _Ranked, lines: dict[str, Line], relative: dict[str, float]
) -> dict[str, np.ndarray]:
    """Every indicator for every group, from the sums (formulas of :class:`indicators.Segment`)."""
    W, T = sums["weight"], sums["income"]
    with np.errstate(divide="ignore", invalid="ignore"):
        mu = T / W
        out = _poverty_indicators(sums, ranked, lines, relative)
        negative, nonpositive = sums["negative"] > 0, sums["nonpositive"] > 0
        out["gini"] = np.where(T > 0, 2 * ranked.area / (W * T) - 1, np.nan)
        log_mu = np.log(np.where(mu > 0, mu, 1.0))
        out["theil"] = np.where(negative | (T <= 0), np.nan, sums["ylogy"] / T - log_mu)
        out["mld"] = np.where(nonpositive, np.nan, log_mu - sums["logy"] / W)
        out["atkinson_0.5"] = np.where(negative, np.nan, 1 - (sums["root"] / W) ** 2 / mu)
        out["atkinson_1"] = np.where(nonpositive, np.nan, 1 - np.exp(sums["logy"] / W) / mu)
        out["atkinson_2"] = np.where(nonpositive, np.nan, 1 - (sums["inverse"] / W) ** -1.0 / mu)
        out.update(_share_indicators(ranked.quantiles, W, T))
        out["mean"] = mu
        out["median"] = ranked.quantiles.value[:, MEDIAN]
    return out


def _poverty_indicators(
    sums: _Sums, ranked: _Ranked, lines: dict[str, Line], relative: dict[str, float]
) -> dict[str, np.ndarray]:
    W = sums["weight"]
    out = {}
    for prefix in lines:
        found = ranked.poverty if prefix in relative else sums.values
        out[f"{prefix}fgt0"] = found[f"{prefix}poor"] / W
        out[f"{prefix}fgt1"] = found[f"{prefix}gap"] / W
        out[f"{prefix}fgt2"] = found[f"{prefix}gap2"] / W
        out[f"{prefix}poor_count"] = found[f"{prefix}poor"] / W * W
        mean_line = np.full(len(W), relative[prefix]) if prefix in relative else None
        if mean_line is None:
            mean_line = sums[f"{prefix}line"] / W
        out[f"{prefix}line" if prefix else "poverty_line"] = mean_line
    return out


def _share_indicators(quantiles: _Quantiles, W: np.ndarray, T: np.ndarray) -> dict:
    """Palma, S80/S20 and decile shares, from the income below each decile."""
    below = quantiles.income_below
    column = {p: j for j, p in enumerate(PROBABILITIES)}
    low40, high10 = below[:, column[0.4]], T - below[:, column[0.9]]
    low20, high20 = below[:, column[0.2]], T - below[:, column[0.8]]
    people = quantiles.weight_below[:, column[0.2]] / (W - quantiles.weight_below[:, column[0.8]])
    out = {
        "palma": np.where((low40 > 0) & (high10 > 0), high10 / low40, np.nan),
        "s80s20": np.where((low20 > 0) & (high20 > 0), high20 / low20 * people, np.nan),
    }
    cumulative = np.column_stack([np.zeros(len(T)), below, T])
    for decile in range(1, 11):
        out[f"share_d{decile}"] = (cumulative[:, decile] - cumulative[:, decile - 1]) / T
    return out


def _table(
    values: dict[str, np.ndarray],
    names: list[str],
    groups: _Groups,
    by: tuple[str, ...],
    sums: _Sums,
) -> pd.DataFrame:
    records = []
    for g in range(len(sums["weight"])):
        labels = groups.labels(g, by)
        for name in names:
            records.append(
                {
                    **labels,
                    "indicator": name,
                    "estimate": float(values[name][g]),
                    "se": math.nan,
                    "n": int(sums["rows"][g]),
                    "population": float(sums["weight"][g]),
                }
            )
    columns = [*by, "indicator", "estimate", "se", "n", "population"]
    return pd.DataFrame.from_records(records, columns=columns)
