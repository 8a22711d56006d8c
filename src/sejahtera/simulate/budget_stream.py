"""`sejahtera budget --stream`: the budget solver on a dataset larger than memory.

The search is :func:`sejahtera.simulate.budget.solve`'s; what changes is how a candidate is
evaluated. Every figure of a candidate (its cost, the poor persons it reaches, P0, P1, P2 and the
poverty gap after its transfers) is a sum over households divided by another, so each piece of
whole kabupaten (:func:`sejahtera.simulate.stream.pieces`) is simulated by a worker, which sends
back the sums of every candidate asked for, and the sums are added in the pieces' order.

A pass over the pieces simulates each piece's baseline again, so the search asks for
:data:`BATCH` candidates per pass instead of one: a bisection cuts its range into nine at each
pass. The cut-offs it finds (desil, PMT score) are those of the search in memory; the amount is
the one that exhausts the budget to within the same tolerance, found by another path. The PMT
lever's percentiles of the households' scores are found as exactly as one sort finds them
(:func:`sejahtera.simulate.stream.first_reaching`).
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from sejahtera.data.dataset import Dataset
from sejahtera.errors import SejahteraError
from sejahtera.rules.reform import with_parameter_values
from sejahtera.rules.ruleset import Ruleset, load_ruleset
from sejahtera.simulate.budget import (
    PMT_GRID,
    PMT_SCORE,
    BudgetResult,
    Candidate,
    Lever,
    Scenarios,
    candidate,
    checked_target,
    poverty_of,
    solve,
)
from sejahtera.simulate.engine import Period
from sejahtera.simulate.parallel import Runner
from sejahtera.simulate.scenario import Baseline, Start, with_programmes
from sejahtera.simulate.stream import (
    PIECE_ROWS,
    SAMPLE_ROWS,
    Piece,
    first_reaching,
    pieces,
    read_piece,
)
from sejahtera.simulate.sums import Layout, RunSums, finish_run, merge, run_sums

# Candidates evaluated per pass over the pieces.
BATCH = 8
Changes = dict[str, dict[datetime.date, object]]


@dataclass(frozen=True)
class Job:
    """What a worker needs to evaluate candidates on one piece (small, sent to other processes)."""

    dataset: str
    rules: str
    programme: str
    lever: Lever
    period: str
    budget_rp: float
    baseline: Baseline
    piece: Piece
    tried: tuple[Changes, ...] = ()


def solve_budget_streamed(
    data: str | Path,
    rules: str | Path,
    programme: str,
    lever: Lever,
    budget_rp: float,
    period: str | int = 2025,
    baseline: Baseline = "status_quo",
    *,
    runner: Runner | None = None,
    piece_rows: int = PIECE_ROWS,
) -> BudgetResult:
    """:func:`sejahtera.simulate.budget.solve_budget` on a dataset folder, piece by piece (see
    the module's docstring), by ``runner`` (every core of this machine by default)."""
    ruleset = load_ruleset(rules)  # checked whole before the data is read
    target = checked_target(
        ruleset, with_programmes(ruleset).programmes, programme, lever, budget_rp
    )
    dataset = Dataset.open(data)
    grid: list[float] = []
    if lever == "pmt":
        grid = pmt_grid(dataset)
    job = Job(
        str(dataset.path.resolve()),
        str(Path(rules).resolve()) if Path(rules).exists() else str(rules),
        target.name,
        lever,
        str(Period.parse(period).year),
        budget_rp,
        baseline,
        Piece(0, None, (), 0),
    )
    with (runner or Runner.cores()).open() as mapped:
        scenarios = Pieced(ruleset, job, pieces(dataset, piece_rows), mapped)
        return solve(scenarios, grid, functools.partial(scores_between, dataset))


class Pieced(Scenarios):
    """:class:`~sejahtera.simulate.budget.Scenarios` whose candidates are evaluated piece by
    piece: the same cut-offs, results and areas, from sums."""

    batch = BATCH

    def __init__(self, ruleset: Ruleset, job: Job, split: list[Piece], mapped) -> None:
        self.job, self.split, self.mapped = job, split, mapped
        self.lever = job.lever
        self.year = int(job.period)
        self.start = datetime.date(self.year, 1, 1)
        self.target = with_programmes(ruleset).programmes[job.programme]
        self.budget_rp = job.budget_rp
        self.base = with_programmes(_switched(ruleset, self.target.switch, self.start))
        self.measure = "gap_reduction_rp" if self.target.cash else "poor_persons_reached"
        self.without: dict[str, float] = {}

    def evaluate_many(self, tried: list[tuple[float, Changes]]) -> list[Candidate]:
        """One pass over the pieces for every candidate (value, parameter changes) in ``tried``."""
        jobs = [_replace(self.job, piece, tuple(c for _, c in tried)) for piece in self.split]
        answers = self.mapped(evaluate_piece, jobs)
        self.without = poverty_of(_added([without for without, _ in answers]))
        sums = [_added([found[i] for _, found in answers]) for i in range(len(tried))]
        return [
            candidate(value, found, self.without, self.budget_rp)
            for (value, _), found in zip(tried, sums, strict=True)
        ]

    def areas(self, parameters: dict[str, float]) -> dict[str, dict[str, dict[str, object]]]:
        """The programme's figures by kabupaten, kecamatan and desa under the chosen values."""
        changes = {path: {self.start: value} for path, value in parameters.items()}
        jobs = [_replace(self.job, piece, (changes,)) for piece in self.split]
        summed = merge(self.mapped(area_sums, jobs))
        report = finish_run(summed, self.base.programmes, self.job.baseline, None, (), _NO_POVERTY)  # type: ignore[arg-type]
        name = self.target.name
        keep = ("name", "population", "fgt0_before", "fgt0_after", name)
        return {
            level: {code: {k: row[k] for k in keep} for code, row in report[level].items()}  # type: ignore[union-attr]
            for level in ("by_region", "by_district", "by_village")
            if report.get(level)
        }


_NO_POVERTY: dict[str, dict[str, float]] = {"before": {}, "after": {}}


def _replace(job: Job, piece: Piece, tried: tuple[Changes, ...]) -> Job:
    return dataclasses.replace(job, piece=piece, tried=tried)


def _added(found: list[dict[str, float]]) -> dict[str, float]:
    """Sums of several pieces, added in the pieces' order."""
    return {key: sum((f[key] for f in found[1:]), start=found[0][key]) for key in found[0]}


def _switched(ruleset: Ruleset, switch: str | None, start: datetime.date) -> Ruleset:
    """The ruleset with the programme switched on (BLT Dana Desa is off by default)."""
    return with_parameter_values(ruleset, {switch: {start: True}}) if switch else ruleset


@functools.cache
def _ruleset(rules: str) -> Ruleset:
    return load_ruleset(rules)


def _piece_scenarios(job: Job) -> Scenarios:
    ruleset = _ruleset(job.rules)
    target = with_programmes(ruleset).programmes[job.programme]
    persons, households, _ = read_piece(Dataset.open(job.dataset, verify=False), job.piece)
    return Scenarios(
        ruleset, persons, households, target, job.lever, job.period, job.budget_rp, job.baseline
    )


def evaluate_piece(job: Job) -> tuple[dict[str, float], list[dict[str, float]]]:
    """A worker's step: the piece's sums without the programme, and under each candidate."""
    local = _piece_scenarios(job)
    return local.without_sums, [local.sums(changes) for changes in job.tried]  # type: ignore[arg-type]


def area_sums(job: Job) -> RunSums:
    """A worker's step: the piece's report sums under the one candidate in ``job.tried``."""
    local = _piece_scenarios(job)
    origin: Start = local.origin
    _, results = origin.run(with_parameter_values(local.base, job.tried[0]))  # type: ignore[arg-type]
    names = [n for n in local.base.programmes if n in results]
    # Areas do not need deciles: every household is put in the first.
    layout = Layout.of(results, np.ones(len(results), dtype=np.int64))
    return run_sums(results, names, layout)


def _parts(dataset: Dataset):
    """Each households part's PMT scores and weights (known scores only), with their rows."""
    before = 0
    for households, _ in dataset.part_files():
        if PMT_SCORE not in pq.ParquetFile(households).schema_arrow.names:
            raise SejahteraError("budget.needs_pmt_score", column=PMT_SCORE)
        table = pq.read_table(households, columns=[PMT_SCORE, "weight"]).to_pandas()
        scores = np.asarray(table[PMT_SCORE], dtype=np.float64)
        known = np.isfinite(scores)
        rows = before + np.flatnonzero(known)
        before += len(scores)
        yield scores[known], table["weight"].to_numpy(dtype=np.float64)[known], rows


def pmt_grid(dataset: Dataset) -> list[float]:
    """The PMT ceilings to try: the households' weighted percentiles (:data:`PMT_GRID`), as
    :func:`sejahtera.simulate.budget._pmt_grid` finds them in memory."""
    every = max(1, dataset.manifest.households // SAMPLE_ROWS)
    sample = np.concatenate([scores[::every] for scores, _, _ in _parts(dataset)])
    if not len(sample):
        raise SejahteraError("budget.needs_pmt_score", column=PMT_SCORE)
    thresholds = np.asarray(PMT_GRID) - 1e-12

    def level(share: np.ndarray) -> np.ndarray:
        return np.searchsorted(thresholds, share, side="right")

    found = first_reaching(
        lambda: _parts(dataset),
        sample,
        dataset.manifest.households,
        level,
        range(1, len(PMT_GRID) + 1),
    )
    return sorted({value for value, _ in found.values()})


def scores_between(dataset: Dataset, low: float, high: float) -> np.ndarray:
    """The households' distinct PMT scores strictly between ``low`` and ``high``, in order."""
    found = [np.unique(s[(s > low) & (s < high)]) for s, _, _ in _parts(dataset)]
    return np.unique(np.concatenate(found)) if found else np.array([])
