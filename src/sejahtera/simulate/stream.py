"""A scenario on a dataset larger than memory: simulated piece by piece, on every core or a cluster.

:func:`scenario_streamed` gives the report of :func:`sejahtera.simulate.scenario.scenario_of`
without holding the dataset in memory:

1. **Pieces.** The households are gathered into pieces of whole kabupaten (read from the parts
   that hold them): the quotas that allot places today are per kabupaten, kecamatan or desa, and
   every rule reads only its own household, so a piece is simulated exactly as it is in the
   whole. A dataset whose households lack a kabupaten code is one piece.
2. **Simulation.** Each piece is simulated (today, and the reform) by a worker
   (:mod:`sejahtera.simulate.parallel`), which writes each household's results to a Parquet part
   of the run's scratch folder and sends back an evenly spaced sample of welfare.
3. **Deciles.** Consumption deciles are the whole population's. Welfare is cut into ranges from
   the sample; persons are counted per range; only the ranges where a decile starts are read
   whole and sorted. Each decile's first household is then found exactly as one sort of all
   households finds it (ties in the households' order).
4. **Sums.** Each piece's report sums (:mod:`sejahtera.simulate.sums`) are made by a worker and
   added in the pieces' order.
5. **Poverty and inequality** (P0, P1, P2, Gini) are measured on the scratch folder by
   :func:`sejahtera.measure.outofcore.measure_parquet`: exact, with the sort-based Gini.

Memory holds one piece at a time per worker (the largest kabupaten's households, with their
members), the sums, and the welfare ranges of step 3 (about :data:`RANGE_ROWS` rows each). Counts
and totals equal the in-memory run's to the last digit of their sum's order; everything is within
1e-9 relative of it. On a cluster, every worker must reach the dataset and the scratch folder.
"""

from __future__ import annotations

import dataclasses
import functools
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sejahtera.data.dataset import Dataset
from sejahtera.data.frame import household_frame
from sejahtera.errors import SejahteraError
from sejahtera.i18n import text
from sejahtera.measure.lines import parse_line
from sejahtera.measure.outofcore import Streaming, measure_parquet
from sejahtera.rules.ruleset import Ruleset, load_ruleset
from sejahtera.simulate.engine import Period
from sejahtera.simulate.parallel import Runner
from sejahtera.simulate.report import POVERTY
from sejahtera.simulate.scenario import (
    Baseline,
    Progress,
    Scenario,
    Start,
    assumptions,
    reformed_rules,
    with_programmes,
)
from sejahtera.simulate.sums import (
    DECILES,
    GainSums,
    Layout,
    RunSums,
    decile_at,
    finish_gains,
    finish_run,
    gain_sums,
    merge,
    run_sums,
)

# Welfare ranges of step 3 hold about this many households; the sample that plans them, this many.
RANGE_ROWS = 1_000_000
SAMPLE_ROWS = 1_000_000
# A piece gathers whole kabupaten up to at least this many households.
PIECE_ROWS = 250_000
RUNS = ("baseline", "reform")


@dataclass(frozen=True)
class Piece:
    """Households simulated together: whole kabupaten (``regencies``; every household when
    None), read from the parts that hold them (``parts``, each with the dataset row of its
    first household in ``first_rows``)."""

    number: int
    regencies: tuple[str, ...] | None
    parts: tuple[int, ...]
    rows: int
    first_rows: tuple[int, ...] = ()


@dataclass(frozen=True)
class Task:
    """What a worker needs to simulate or sum one piece (small, sent to other processes)."""

    dataset: str
    rules: str
    reform: str | None
    baseline: Baseline
    period: str
    scratch: str
    piece: Piece
    every: int = 1  # the sample keeps every ``every``-th household's welfare
    starts: tuple[tuple[float, int], ...] = ()  # each decile's first (welfare, household)


@dataclass(frozen=True)
class Simulated:
    """A worker's answer for one piece: how it paid, and a sample of welfare before transfers."""

    sources: dict[str, str]
    notes: tuple[tuple[str, str], ...]  # programme, message key
    reform_sources: dict[str, str]
    sample: np.ndarray


def pieces(dataset: Dataset, rows: int = PIECE_ROWS) -> list[Piece]:
    """Whole kabupaten, in the dataset's order, gathered into pieces of at least ``rows``
    households (a kabupaten larger than that is a piece alone); see the module's docstring."""
    files = [households for households, _ in dataset.part_files()]
    counts: dict[str, int] = {}
    where: dict[str, set[int]] = {}
    first_rows = [0]  # each part's first household in the whole dataset
    for number, file in enumerate(files):
        if "regency_code" not in pq.ParquetFile(file).schema_arrow.names:
            return [_whole(files)]
        codes = pq.read_table(file, columns=["regency_code"]).column(0)
        if codes.null_count:  # a quota needs its kabupaten: without codes, one piece
            return [_whole(files)]
        first_rows.append(first_rows[-1] + len(codes))
        found = codes.value_counts()
        for code, count in zip(found.field(0).to_pylist(), found.field(1).to_pylist(), strict=True):
            counts[str(code)] = counts.get(str(code), 0) + int(count)
            where.setdefault(str(code), set()).add(number)
    out: list[Piece] = []
    group: list[str] = []
    for code in [*counts, None]:
        if group and (code is None or sum(counts[c] for c in group) >= rows):
            parts = sorted(set().union(*(where[c] for c in group)))
            total = sum(counts[c] for c in group)
            starts = tuple(first_rows[i] for i in parts)
            out.append(Piece(len(out), tuple(group), tuple(parts), total, starts))
            group = []
        if code is not None:
            group.append(code)
    return out


def _whole(files: list[Path]) -> Piece:
    first_rows = np.cumsum([0, *(pq.ParquetFile(f).metadata.num_rows for f in files)])
    starts = tuple(int(r) for r in first_rows[:-1])
    return Piece(0, None, tuple(range(len(files))), int(first_rows[-1]), starts)


def read_piece(dataset: Dataset, piece: Piece) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """A piece's persons, its households (with what their members tell) and each household's
    row in the whole dataset (its place in one reading of every part in order)."""
    files = dataset.part_files()
    households, persons, rows = [], [], []
    for number, first in zip(piece.parts, piece.first_rows, strict=True):
        household_file, person_file = files[number]
        table = pq.read_table(household_file)
        persons_table = pq.read_table(person_file)
        if piece.regencies is not None:
            mine = pc.is_in(table.column("regency_code"), pa.array(piece.regencies))
            table = table.filter(mine)
            rows.append(first + np.flatnonzero(mine.to_numpy(zero_copy_only=False)))
            members = pc.is_in(persons_table.column("household_id"), table.column("household_id"))
            persons_table = persons_table.filter(members)
        else:
            rows.append(first + np.arange(table.num_rows))
        households.append(table)
        persons.append(persons_table)
    person_frame = pa.concat_tables(persons).to_pandas()
    frame = household_frame(dataset, person_frame, pa.concat_tables(households).to_pandas())
    return person_frame, frame, np.concatenate(rows)


def scenario_streamed(
    data: str | Path,
    rules: str | Path = "indonesia",
    reform: str | Path | None = None,
    *,
    baseline: Baseline = "status_quo",
    period: str | int = 2025,
    runner: Runner | None = None,
    scratch: str | Path | None = None,
    keep: str | Path | None = None,
    piece_rows: int = PIECE_ROWS,
    progress: Progress | None = None,
) -> Scenario:
    """The :class:`Scenario` of a dataset folder, computed piece by piece (see the module's
    docstring) by ``runner`` (every core of this machine by default). ``scratch``: where the
    household results are written while the run lasts (the system's temporary folder by
    default; on a cluster, a folder every worker reaches). ``keep``: a folder to keep them in
    (``baseline/`` and ``reform/`` parts, one per piece, with each household's ``row`` in the
    dataset). ``piece_rows``: see :func:`pieces`. ``progress`` is told each step as it starts
    (see :func:`sejahtera.simulate.scenario.scenario`). The scenario's ``results`` are empty:
    the households are on disk, not in memory."""
    if keep is not None and Path(keep).exists() and any(Path(keep).iterdir()):
        raise SejahteraError("simulate.keep_not_empty", path=keep)
    ruleset = with_programmes(load_ruleset(rules))  # checked whole before the data is read
    reformed = reformed_rules(ruleset, reform, baseline) if reform is not None else None
    dataset = Dataset.open(data)
    year = str(Period.parse(period).year)
    split = pieces(dataset, piece_rows)
    every = max(1, dataset.manifest.households // SAMPLE_ROWS)
    runner = runner or Runner.cores()
    told = progress or (lambda fraction, message: None)
    with tempfile.TemporaryDirectory(prefix="sejahtera-simulate-", dir=scratch) as tmp:
        folder = Path(keep) if keep is not None else Path(tmp)
        for run in RUNS[: 1 + (reform is not None)]:
            (folder / run).mkdir(parents=True, exist_ok=True)
        tasks = [
            Task(
                str(dataset.path.resolve()),
                str(Path(rules).resolve()) if Path(rules).exists() else str(rules),
                None if reform is None else str(Path(reform).resolve()),
                baseline,
                year,
                str(folder.resolve()),
                piece,
                every,
            )
            for piece in split
        ]
        with runner.open() as mapped:
            told(0.0, text("simulate.progress_pieces", pieces=len(split)))
            simulated = mapped(simulate_piece, tasks)
            told(0.7, text("simulate.progress_deciles"))
            starts = decile_starts(folder, split, np.concatenate([s.sample for s in simulated]))
            told(0.75, text("simulate.progress_summary"))
            sums = mapped(sum_piece, [_with_starts(task, starts) for task in tasks])
        told(0.85, text("simulate.progress_poverty"))
        runs = RUNS[: 1 + (reform is not None)]
        poverty = {run: _poverty(folder / run, Path(tmp)) for run in runs}
    told(1.0, text("simulate.progress_done"))
    notes = list(dict.fromkeys(f"{name}: {text(key)}" for s in simulated for name, key in s.notes))
    sources = simulated[0].sources
    base = merge([s[0] for s in sums])
    summary = finish_run(
        base,  # type: ignore[arg-type]
        ruleset.programmes,
        baseline,
        sources,
        notes,
        {"before": poverty["baseline"]["before"], "after": poverty["baseline"]["after"]},
    )
    summary["assumptions"] = assumptions(ruleset, year)
    empty = pd.DataFrame()
    if reformed is None:
        return Scenario(baseline, year, ruleset.programmes, empty, None, summary, notes)
    programmes = {**ruleset.programmes, **reformed.programmes}
    after = {"before": poverty["baseline"]["before"], "after": poverty["reform"]["after"]}
    changed = finish_run(
        merge([s[1] for s in sums]),  # type: ignore[arg-type]
        programmes,
        baseline,
        simulated[0].reform_sources,
        notes,
        after,
    ) | {"assumptions": assumptions(reformed, year)}
    difference = finish_gains(
        merge([s[2] for s in sums]),  # type: ignore[arg-type]
        programmes,
        (poverty["baseline"]["after"], poverty["reform"]["after"]),
    )
    report = {"baseline": summary, "reform": changed, "difference": difference}
    return Scenario(baseline, year, programmes, empty, empty, report, notes)


def _with_starts(task: Task, starts: tuple[tuple[float, int], ...]) -> Task:
    return dataclasses.replace(task, starts=starts)


@functools.cache
def _rulesets(rules: str, reform: str | None, baseline: Baseline) -> tuple[Ruleset, Ruleset | None]:
    """A worker's rulesets, read once per process."""
    ruleset = with_programmes(load_ruleset(rules))
    return ruleset, (reformed_rules(ruleset, reform, baseline) if reform is not None else None)


def _part(task: Task, run: str) -> Path:
    return Path(task.scratch) / run / f"part-{task.piece.number:05d}.parquet"


def simulate_piece(task: Task) -> Simulated:
    """Simulate one piece and write each household's results (a worker's step 2)."""
    ruleset, reformed = _rulesets(task.rules, task.reform, task.baseline)
    dataset = Dataset.open(task.dataset, verify=False)
    persons, households, rows = read_piece(dataset, task.piece)
    start = Start(ruleset, persons, households, task.period, task.baseline)
    _write(start.results.assign(row=rows), _part(task, "baseline"))
    reform_sources: dict[str, str] = {}
    if reformed is not None:
        after, reform_results = start.run(reformed)
        _write(reform_results, _part(task, "reform"))
        reform_sources = after.sources
    notes = tuple(
        (name, paid.note) for name, paid in start.today.paid.items() if paid.note is not None
    )
    welfare = start.results["welfare_before"].to_numpy(dtype=np.float64)
    return Simulated(start.base.sources, notes, reform_sources, welfare[:: task.every].copy())


def _write(results: pd.DataFrame, path: Path) -> None:
    """Written under a temporary name, then named: a task run twice leaves one whole part."""
    partial = path.with_suffix(".partial")
    results.to_parquet(partial, index=False)
    partial.replace(path)


def sum_piece(task: Task) -> tuple[RunSums, RunSums | None, GainSums | None]:
    """One piece's report sums with the population's deciles (a worker's step 4)."""
    ruleset, reformed = _rulesets(task.rules, task.reform, task.baseline)
    results = pd.read_parquet(_part(task, "baseline"))
    row = results["row"].to_numpy()
    layout = Layout.of(results, deciles_of(results["welfare_before"].to_numpy(), row, task.starts))
    base = run_sums(results, [n for n in ruleset.programmes if n in results], layout)
    if reformed is None:
        return base, None, None
    reform_results = pd.read_parquet(_part(task, "reform"))
    programmes = {**ruleset.programmes, **reformed.programmes}
    names = [n for n in programmes if n in reform_results]
    both = [n for n in programmes if n in results or n in reform_results]
    return (
        base,
        run_sums(reform_results, names, layout),
        gain_sums(results, reform_results, both, layout),
    )


def deciles_of(
    welfare: np.ndarray, row: np.ndarray, starts: tuple[tuple[float, int], ...]
) -> np.ndarray:
    """Each household's decile, from each decile's first (welfare, household) in the
    population's order (:func:`decile_starts`)."""
    decile = np.ones(len(welfare), dtype=np.int64)
    for value, first in starts:
        decile += (welfare > value) | ((welfare == value) & (row >= first))
    return decile


def decile_starts(
    folder: Path, split: list[Piece], sample: np.ndarray
) -> tuple[tuple[float, int], ...]:
    """The first household (welfare, number) of deciles 2 to 10 in the order of welfare before
    transfers, ties in the households' order: exactly where one sort of all households puts
    them (step 3 of the module's docstring)."""
    found = first_reaching(
        lambda: _read(folder, split),
        sample,
        sum(p.rows for p in split),
        decile_at,
        range(2, DECILES + 1),
    )
    return tuple(found[d] for d in sorted(found))


Batches = Callable[[], Iterable[tuple[np.ndarray, np.ndarray, np.ndarray]]]


def first_reaching(
    read: Batches,
    sample: np.ndarray,
    rows: int,
    level: Callable[[np.ndarray], np.ndarray],
    wanted: Iterable[int],
) -> dict[int, tuple[float, int]]:
    """In the order of (value, row) over every batch ``read()`` gives (values, weights, rows),
    the first row whose running share of the weight (its own included) is at ``level`` k or
    higher, for each k ``wanted``: its (value, row). As one sort of all rows would find it, in
    memory for about :data:`RANGE_ROWS` rows: values are cut into ranges planned from
    ``sample``, weights are summed per range, and only the ranges where a level starts are read
    and sorted. ``level`` must not decrease as the share grows."""
    ranges = max(1, rows // RANGE_ROWS)
    edges = (
        np.unique(np.quantile(sample, np.linspace(0, 1, ranges + 1)[1:-1])) if ranges > 1 else []
    )
    edges = np.asarray(edges, dtype=np.float64)
    weights = np.zeros(len(edges) + 1)
    for values, weight, _ in read():
        weights += np.bincount(
            np.searchsorted(edges, values, side="right"), weight, minlength=len(weights)
        )
    total = weights.sum()
    through = np.cumsum(weights)
    reached = level(through / total)  # the level of each range's last row
    starting: dict[int, list[int]] = {}  # range → the levels that start in it
    for k in wanted:
        at = int(np.searchsorted(reached, k, side="left"))
        if at < len(weights):
            starting.setdefault(at, []).append(k)
    kept: dict[int, list[tuple[np.ndarray, ...]]] = {r: [] for r in starting}
    for values, weight, row in read():
        where = np.searchsorted(edges, values, side="right")
        for r in kept:
            chosen = where == r
            if chosen.any():
                kept[r].append((values[chosen], weight[chosen], row[chosen]))
    out: dict[int, tuple[float, int]] = {}
    for r, levels in starting.items():
        values, weight, row = (np.concatenate(c) for c in zip(*kept[r], strict=True))
        order = np.lexsort((row, values))
        carried = through[r - 1] if r else 0.0
        found = level(np.cumsum(np.r_[carried, weight[order]])[1:] / total)
        for k in levels:
            first = int(np.searchsorted(found, k, side="left"))
            if first < len(found):
                out[k] = (float(values[order][first]), int(row[order][first]))
            else:  # the ranges' sums reached it a rounding earlier: it starts with the next range
                out[k] = (float(edges[r]), -1)
    return out


def _read(folder: Path, split: list[Piece]):
    """Each piece's welfare before transfers, persons (weight × size) and household numbers."""
    for piece in split:
        file = folder / "baseline" / f"part-{piece.number:05d}.parquet"
        table = pq.read_table(file, columns=["welfare_before", "weight", "size", "row"])
        welfare = table.column("welfare_before").to_numpy().astype(np.float64)
        people = table.column("weight").to_numpy().astype(np.float64) * table.column(
            "size"
        ).to_numpy().astype(np.float64)
        yield welfare, people, table.column("row").to_numpy()


def _poverty(folder: Path, temp: Path) -> dict[str, dict[str, float]]:
    """P0, P1, P2 and the Gini of welfare before and after transfers, streamed."""
    out = {}
    for when in ("before", "after"):
        tidy = measure_parquet(
            folder,
            f"welfare_{when}",
            weight="weight",
            size="size",
            line=parse_line("poverty_line"),
            indicators=list(POVERTY),
            streaming=Streaming(temp_dir=temp),
        ).tidy()
        out[when] = dict(zip(tidy["indicator"], tidy["estimate"], strict=True))
    return out
