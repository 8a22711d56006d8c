"""The budget solver: the cut-off or amount of one programme that fits a budget and reduces poverty
most, with the frontier of cost against poverty reduction.

``solve_budget(ruleset, persons, households, "sembako", "desil", 5e11)`` returns a
:class:`BudgetResult`. The levers a programme has, and the parameters each moves, are declared in
the ruleset's ``programmes.yaml`` (see :func:`sejahtera.simulate.report.programmes`):

- ``desil``: the highest desil eligible, tried at 1 to 10.
- ``pmt``: the highest PMT score eligible (a lower score is poorer). The desil cut-off is opened
  to 10, so the score alone decides. Tried at the 5th, 10th, …, 100th weighted percentiles of the
  households' scores; then the largest household score that fits the budget is found by bisection
  between the two percentiles around it (cost rises with the ceiling).
- ``amount``: the benefit amount, or with several amounts (PKH's components, PIP's levels) one
  factor applied to all. The amount that exhausts the budget is found by bisection (cost rises
  with the amount) to within :data:`AMOUNT_TOLERANCE_RP` of every amount; the frontier is drawn on
  :data:`AMOUNT_GRID` times that amount, and at today's amount.

Every candidate is a full simulation of the ruleset, the value holding from 1 January of the year
on. A programme that is off by default (BLT Dana Desa) is switched on. Figures of a candidate:

- ``cost_rp``: the programme's weighted yearly cost.
- ``fgt0``, ``fgt1``, ``fgt2``: poverty after every cash transfer (welfare as in the scenario
  report: consumption per capita + cash / 12 / household size), person-weighted.
- ``gap_reduction_rp``: the yearly poverty gap (Σ persons × (line − welfare) × 12 over the poor)
  *without* the programme, every other programme as in the baseline, minus the gap after the
  candidate's transfers. This is the measure the solver maximises.
- ``poor_persons_reached``: persons poor before transfers whom the programme reaches. A
  programme that pays no cash (PBI-JKN) leaves welfare alone, so for it the solver maximises this.

The chosen cut-off is the candidate within the budget with the largest measure (the cheaper one on
a tie); the chosen amount is the one that exhausts the budget. A candidate is on the efficient
frontier when no other dominates it: costs no more and achieves at least as much, and costs less
or achieves more.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Literal

import numpy as np
import pandas as pd

from sejahtera.data.labels import value_label
from sejahtera.errors import SejahteraError
from sejahtera.i18n import Language, format_number, text
from sejahtera.rules.parameters import Parameter
from sejahtera.rules.programmes import LEVERS, Programme
from sejahtera.rules.reform import with_parameter_values
from sejahtera.rules.ruleset import Ruleset, load_ruleset
from sejahtera.simulate.engine import Period, as_pandas
from sejahtera.simulate.payments import consumed
from sejahtera.simulate.report import summarise
from sejahtera.simulate.scenario import Baseline, Start, per_person_month, with_programmes

Lever = Literal["desil", "pmt", "amount"]
PMT_SCORE = "pmt_score"  # the sejahtera/v1 column the rulesets' PMT ceilings compare with
DESIL_CANDIDATES = tuple(float(k) for k in range(1, 11))
PMT_GRID = tuple(np.arange(1, 21) / 20)  # weighted percentiles of the households' PMT scores
AMOUNT_TOLERANCE_RP = 1_000.0  # each amount found is within this of the budget-exhausting one
AMOUNT_GRID = (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0)  # the frontier, times the amount found
_MAX_FACTOR = 2.0**30


@dataclass(frozen=True)
class Candidate:
    """One value of the lever and what it does (see the module's docstring)."""

    value: float
    cost_rp: float
    fgt0: float
    fgt1: float
    fgt2: float
    gap_reduction_rp: float
    poor_persons_reached: float
    within_budget: bool
    efficient: bool = False


@dataclass(frozen=True)
class BudgetResult:
    """What :func:`solve_budget` found: ``summary()`` for people, ``tidy()`` (one row per
    candidate) and ``to_dict()`` (the JSON of ``sejahtera budget --json``) for programs."""

    programme: str
    lever: Lever
    budget_rp: float
    objective: str  # the measure maximised: gap_reduction_rp or poor_persons_reached
    unit: str  # of the values: desil, PMT score, the amount's unit, or factor
    without: dict[str, float]  # fgt0, fgt1, fgt2 and poverty_gap_rp without the programme
    candidates: tuple[Candidate, ...]  # by value
    chosen: Candidate | None  # None: nothing fits the budget
    parameters: dict[str, float]  # the chosen value of each parameter the lever moves
    tolerance_rp: float | None = None  # the amount lever's
    # The chosen value's figures for the programme by kabupaten, kecamatan and desa.
    areas: dict[str, dict[str, dict[str, object]]] = field(default_factory=dict)

    def tidy(self) -> pd.DataFrame:
        """One row per candidate: value, cost_rp, fgt0–2, gap_reduction_rp,
        poor_persons_reached, within_budget, efficient, chosen."""
        frame = pd.DataFrame([asdict(c) for c in self.candidates], columns=_COLUMNS[:-1])
        frame["chosen"] = [c == self.chosen for c in self.candidates]
        return frame

    def to_dict(self) -> dict[str, object]:
        return {
            "programme": self.programme,
            "lever": self.lever,
            "budget_rp": self.budget_rp,
            "objective": self.objective,
            "unit": self.unit,
            "tolerance_rp": self.tolerance_rp,
            "without_programme": self.without,
            "chosen": None if self.chosen is None else asdict(self.chosen),
            "parameters": self.parameters,
            "frontier": [asdict(c) for c in self.candidates],
            **self.areas,
        }

    def summary(self, language: Language | None = None) -> str:
        """The choice, its cost and poverty effect, then the table of candidates."""
        lines = [
            text(
                "budget.title",
                language,
                programme=value_label("programme", self.programme, language),
                lever=value_label("lever", self.lever, language),
            )
            + " "
            + text("budget.budget", language, budget=self.budget_rp),
            text(f"budget.objective_{self.objective}", language),
        ]
        if self.chosen is None:
            error = self.nothing_fits()
            lines.append(text(error.key, language, **error.values))
        else:
            lines.append(
                text(
                    "budget.chosen",
                    language,
                    value=self.show(self.chosen.value, language),
                    unit=value_label("unit", self.unit, language),
                    cost=self.chosen.cost_rp,
                    reduction=self.chosen.gap_reduction_rp,
                    reached=self.chosen.poor_persons_reached,
                    before=self.without["fgt0"],
                    after=self.chosen.fgt0,
                )
            )
            if self.tolerance_rp is not None:
                lines.append(text("budget.tolerance", language, tolerance=self.tolerance_rp))
        header = [text(f"budget.col_{column}", language) for column in _COLUMNS]
        rows = [header] + [
            [
                self.show(c.value, language),
                format_number(c.cost_rp, language),
                *(format_number(p, language, 2, percent=True) for p in (c.fgt0, c.fgt1, c.fgt2)),
                format_number(c.gap_reduction_rp, language),
                format_number(c.poor_persons_reached, language),
                text("cli.yes" if c.within_budget else "cli.no", language),
                text("cli.yes" if c.efficient else "cli.no", language),
                "*" if c == self.chosen else "",
            ]
            for c in self.candidates
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        lines.append(text("budget.frontier", language))
        for position, row in enumerate(rows):
            lines.append("  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)))
            if position == 0:
                lines.append("  ".join("-" * w for w in widths))
        return "\n".join(line.rstrip() for line in lines)

    def nothing_fits(self) -> SejahteraError:
        """The error to raise when no candidate fits the budget: it names the cheapest cost."""
        return SejahteraError(
            "budget.nothing_fits",
            programme=value_label("programme", self.programme),
            lever=value_label("lever", self.lever),
            budget=self.budget_rp,
            cheapest=min(c.cost_rp for c in self.candidates),
        )

    def show(self, value: float, language: Language | None = None) -> str:
        """A value of the lever: a desil, a PMT score, a factor or an amount."""
        places = 0 if self.lever == "desil" or self.unit not in ("factor", "PMT score") else 4
        return format_number(value, language, places, grouped=self.lever == "amount")


_COLUMNS = (
    "value",
    "cost_rp",
    "fgt0",
    "fgt1",
    "fgt2",
    "gap_reduction_rp",
    "poor_persons_reached",
    "within_budget",
    "efficient",
    "chosen",
)


def solve_budget(
    ruleset: Ruleset | str,
    persons: object,
    households: object,
    programme: str,
    lever: Lever,
    budget_rp: float,
    period: str | int = 2025,
    baseline: Baseline = "status_quo",
) -> BudgetResult:
    """The value of ``lever`` for ``programme`` that fits ``budget_rp`` (Rp a year) and reduces
    the poverty gap most, with every candidate tried (see the module's docstring)."""
    if not isinstance(ruleset, Ruleset):
        ruleset = load_ruleset(ruleset)
    declared = with_programmes(ruleset).programmes
    target = checked_target(ruleset, declared, programme, lever, budget_rp)
    persons, households = as_pandas(persons), as_pandas(households)
    grid, scores = _pmt_grid(households) if lever == "pmt" else ([], np.array([]))
    scenarios = Scenarios(ruleset, persons, households, target, lever, period, budget_rp, baseline)
    return solve(scenarios, grid, lambda low, high: scores[(scores > low) & (scores < high)])


def solve(
    scenarios: Scenarios, grid: list[float], between: Callable[[float, float], np.ndarray]
) -> BudgetResult:
    """The search of :func:`solve_budget` over ``scenarios`` (the data in memory, or in pieces:
    :mod:`sejahtera.simulate.budget_stream`). The PMT lever's ``grid``, and ``between(low,
    high)``: the households' distinct scores strictly between two, in order."""
    if scenarios.lever == "amount":
        return _solve_amount(scenarios)
    if scenarios.lever == "desil":
        return scenarios.result(
            dict(zip(DESIL_CANDIDATES, scenarios.cutoffs(DESIL_CANDIDATES), strict=True)), "desil"
        )
    candidates = dict(zip(grid, scenarios.cutoffs(grid), strict=True))
    candidates.update(_largest_fitting(scenarios, candidates, between))
    return scenarios.result(candidates, "PMT score")


def checked_target(
    ruleset: Ruleset,
    declared: dict[str, Programme],
    programme: str,
    lever: str,
    budget_rp: float,
) -> Programme:
    """The programme, once its name, the lever and the budget are known to be usable."""
    target = declared.get(programme)
    if target is None or target.variable not in ruleset.variables:
        allowed = [p.name for p in declared.values() if p.variable in ruleset.variables]
        raise SejahteraError("budget.unknown_programme", name=programme, allowed=", ".join(allowed))
    if lever not in target.levers:
        allowed = [name for name in LEVERS if name in target.levers]
        raise SejahteraError(
            "budget.unknown_lever", name=lever, programme=programme, allowed=", ".join(allowed)
        )
    paths = [*target.levers.values(), *([[target.switch]] if target.switch else [])]
    for path in (p for group in paths for p in group):
        _parameter(ruleset, path, target)
    if not np.isfinite(budget_rp) or budget_rp <= 0:
        raise SejahteraError("budget.bad_budget", budget=budget_rp)
    return target


class Scenarios:
    """The programme under parameter changes: one simulation each, on the same data, each a
    reform of the same baseline (today's situation, or the rules as written). ``batch``: how
    many candidates a search asks for at once (one: a bisection)."""

    batch = 1

    def __init__(
        self,
        ruleset: Ruleset,
        persons: pd.DataFrame,
        households: pd.DataFrame,
        target: Programme,
        lever: Lever,
        period: str | int,
        budget_rp: float,
        baseline: Baseline = "status_quo",
    ) -> None:
        self.lever = lever
        self.year = Period.parse(period).year
        self.start = datetime.date(self.year, 1, 1)
        self.target, self.budget_rp = target, budget_rp
        rules = (
            with_parameter_values(ruleset, {target.switch: {self.start: True}})
            if target.switch
            else ruleset
        )
        self.origin = Start(rules, persons, households, self.year, baseline)
        self.base = self.origin.rules
        results = self.origin.results
        self.size = results["size"].to_numpy(dtype=np.float64)
        self.w = results["weight"].to_numpy(dtype=np.float64)
        self.people = self.w * self.size
        self.line = results["poverty_line"].to_numpy(dtype=np.float64)
        self.poor = results["welfare_before"].to_numpy() < self.line
        # Without the programme: the baseline's welfare less what it consumes of it.
        share = consumed(self.base, target, self.start) if target.cash else 0.0
        own = results[target.name].to_numpy(dtype=np.float64)
        welfare = results["welfare_after"].to_numpy() - per_person_month(share * own, self.size)
        self.without_sums = poverty_sums(welfare, self.line, self.people)
        self.without = poverty_of(self.without_sums)
        self.measure = "gap_reduction_rp" if target.cash else "poor_persons_reached"

    def cutoffs(self, values: list[float] | tuple[float, ...]) -> list[Candidate]:
        """Desil or PMT-score cut-offs, from 1 January on."""
        return self.evaluate_many(
            [
                (
                    value,
                    {path: {self.start: v} for path, v in self.cutoff_parameters(value).items()},
                )
                for value in values
            ]
        )

    def evaluate_many(self, tried: list[tuple[float, dict[str, dict]]]) -> list[Candidate]:
        """The candidates (value, parameter changes), in order."""
        return [self.evaluate(value, changes) for value, changes in tried]

    def cutoff_parameters(self, value: float) -> dict[str, float]:
        """The parameters a cut-off sets: for PMT, the desil cut-off is opened to 10 too."""
        levers = self.target.levers
        if self.lever == "desil":
            return {levers["desil"][0]: int(value)}
        changes = {levers["pmt"][0]: float(value)}
        if "desil" in levers:
            changes[levers["desil"][0]] = 10
        return changes

    def evaluate(self, value: float, changes: dict[str, dict]) -> Candidate:
        """The candidate ``value`` under the parameter ``changes`` ({path: {date: value}})."""
        return candidate(value, self.sums(changes), self.without, self.budget_rp)

    def sums(self, changes: dict[str, dict]) -> dict[str, float]:
        """What a candidate's figures are made of, summed over the households: its cost, the
        poor persons it reaches and :func:`poverty_sums` after its transfers."""
        _, results = self.origin.run(with_parameter_values(self.base, changes))
        name = self.target.name
        own = results[name].to_numpy(dtype=np.float64)
        reached = (
            results[f"{name}_persons"].to_numpy(dtype=np.float64)
            if f"{name}_persons" in results
            else np.where(own > 0, self.size, 0.0)
        )
        return {
            "cost": float(np.dot(self.w, own)),
            "poor_reached": float(np.dot(self.w, reached * self.poor)),
            **poverty_sums(results["welfare_after"].to_numpy(), self.line, self.people),
        }

    def result(
        self,
        candidates: dict[float, Candidate],
        unit: str,
        chosen: Candidate | None = None,
        parameters: dict[str, float] | None = None,
        tolerance_rp: float | None = None,
    ) -> BudgetResult:
        """The result over ``candidates``. A cut-off is chosen here; an amount comes chosen."""
        ordered = frontier(sorted(candidates.values(), key=lambda c: c.value), self.measure)
        if self.lever != "amount":
            feasible = [c for c in ordered if c.within_budget]
            if feasible:
                chosen = max(feasible, key=lambda c: (getattr(c, self.measure), -c.cost_rp))
                parameters = self.cutoff_parameters(chosen.value)
        elif chosen is not None:
            chosen = next(c for c in ordered if c.value == chosen.value)
        return BudgetResult(
            self.target.name,
            self.lever,
            self.budget_rp,
            self.measure,
            unit,
            self.without,
            tuple(ordered),
            chosen,
            parameters or {},
            tolerance_rp,
            self.areas(parameters) if chosen is not None and parameters else {},
        )

    def areas(self, parameters: dict[str, float]) -> dict[str, dict[str, dict[str, object]]]:
        """The programme's figures by kabupaten, kecamatan and desa under the chosen values."""
        changes = {path: {self.start: value} for path, value in parameters.items()}
        _, results = self.origin.run(with_parameter_values(self.base, changes))
        report = summarise(results, self.base.programmes, self.origin.baseline)
        name = self.target.name
        keep = ("name", "population", "fgt0_before", "fgt0_after", name)
        return {
            level: {code: {k: row[k] for k in keep} for code, row in report[level].items()}
            for level in ("by_region", "by_district", "by_village")
            if report.get(level)
        }


def frontier(candidates: list, measure: str, cost: str = "cost_rp") -> list:
    """Each candidate flagged efficient unless another dominates it: costs no more and achieves
    at least as much, and costs less or achieves more (measures equal to 1e-9 count as equal)."""
    flagged = []
    for c in candidates:
        achieved, spent = getattr(c, measure), getattr(c, cost)
        slack = 1e-9 * max(1.0, abs(achieved))
        dominated = any(
            getattr(other, cost) <= spent
            and getattr(other, measure) >= achieved - slack
            and (getattr(other, cost) < spent or getattr(other, measure) > achieved + slack)
            for other in candidates
        )
        flagged.append(replace(c, efficient=not dominated))
    return flagged


def _pmt_grid(households: pd.DataFrame) -> tuple[list[float], np.ndarray]:
    """The PMT ceilings to try (weighted percentiles), and every household's score, sorted."""
    if PMT_SCORE not in households:
        raise SejahteraError("budget.needs_pmt_score", column=PMT_SCORE)
    scores = pd.to_numeric(households[PMT_SCORE], errors="coerce").to_numpy(dtype=np.float64)
    weight = households["weight"].to_numpy(dtype=np.float64)
    known = np.isfinite(scores)
    if not known.any():
        raise SejahteraError("budget.needs_pmt_score", column=PMT_SCORE)
    order = np.argsort(scores[known], kind="stable")
    sorted_scores = scores[known][order]
    share = np.cumsum(weight[known][order]) / weight[known].sum()
    picks = np.searchsorted(share, np.asarray(PMT_GRID) - 1e-12, side="left")
    grid = sorted(set(sorted_scores[np.minimum(picks, len(share) - 1)].tolist()))
    return grid, np.unique(sorted_scores)


def _largest_fitting(
    scenarios: Scenarios,
    tried: dict[float, Candidate],
    scores_between: Callable[[float, float], np.ndarray],
) -> dict[float, Candidate]:
    """The largest household score between the grid's last fitting ceiling and its first one
    over budget whose ceiling fits the budget, by bisection (cost rises with the ceiling;
    ``scenarios.batch`` scores at a time, cutting the range into that many plus one)."""
    fits = [v for v, c in tried.items() if c.within_budget]
    over = [v for v, c in tried.items() if not c.within_budget]
    if not over:
        return {}
    low, high = (max(fits) if fits else -np.inf), min(over)
    between = scores_between(low, high)
    best: dict[float, Candidate] = {}
    first, last = 0, len(between) - 1
    parts = scenarios.batch + 1
    while first <= last:
        at = sorted({first + (last - first) * j // parts for j in range(1, parts)})
        found = scenarios.cutoffs([float(between[i]) for i in at])
        fitting = [i for i, c in zip(at, found, strict=True) if c.within_budget]
        if fitting:
            best = {found[at.index(fitting[-1])].value: found[at.index(fitting[-1])]}
            first = fitting[-1] + 1
        beyond = [i for i in at if i > (fitting[-1] if fitting else first - 1)]
        last = beyond[0] - 1 if beyond else last
    return best


def _solve_amount(scenarios: Scenarios) -> BudgetResult:
    """Bisection on one factor of every amount, to within AMOUNT_TOLERANCE_RP of each amount
    (``scenarios.batch`` factors at a time: the range cut into that many plus one)."""
    target, start = scenarios.target, scenarios.start
    leaves = {path: _parameter(scenarios.base, path, target) for path in target.levers["amount"]}
    today = {path: float(leaf.at(start)) for path, leaf in leaves.items()}  # type: ignore[arg-type]
    largest = max(today.values())
    if largest <= 0:
        raise SejahteraError("budget.no_amount", programme=target.name)
    single = len(today) == 1
    step = AMOUNT_TOLERANCE_RP / largest  # in factor: every amount moves by at most the tolerance
    tried: dict[float, Candidate] = {}

    def at(*factors: float) -> list[Candidate]:
        """The candidates with every amount times each factor, from 1 January on (later dated
        values scaled alike)."""
        new = [f for f in dict.fromkeys(factors) if f not in tried]
        changes = [
            {
                path: {start: factor * today[path]}
                | {
                    day: None if value is None else factor * value  # type: ignore[operator]
                    for day, value in zip(leaf.starts, leaf.values, strict=True)
                    if day > start
                }
                for path, leaf in leaves.items()
            }
            for factor in new
        ]
        values = [f * largest if single else f for f in new]
        tried.update(
            zip(new, scenarios.evaluate_many(list(zip(values, changes, strict=True))), strict=True)
        )
        return [tried[f] for f in factors]

    k = scenarios.batch
    if at(1.0)[0].cost_rp <= 0:
        raise SejahteraError("budget.never_spent", programme=target.name)
    low, high = 0.0, 1.0
    while True:  # doubling until one is over the budget
        factors = [high * 2**j for j in range(k)]
        found = at(*factors)
        over = [f for f, c in zip(factors, found, strict=True) if not c.within_budget]
        if over:
            low, high = max([low, *(f for f in factors if f < over[0])]), over[0]
            break
        low, high = factors[-1], factors[-1] * 2
        if high > _MAX_FACTOR:  # the cost does not grow with the amount
            raise SejahteraError("budget.never_spent", programme=target.name)
    while high - low > step:
        inside = (
            [(low + high) / 2]
            if k == 1
            else [low + (high - low) * j / (k + 1) for j in range(1, k + 1)]
        )
        found = at(*inside)
        fitting = [f for f, c in zip(inside, found, strict=True) if c.within_budget]
        low = max([low, *fitting])
        high = min([high, *(f for f in inside if f > low)])
    found_low = at(low)[0] if low > 0 else None
    grid = [1.0, *(g * low for g in AMOUNT_GRID if found_low)]
    candidates = {c.value: c for c in at(*grid)}
    parameters = {path: low * amount for path, amount in today.items()} if found_low else None
    unit = (leaves[target.levers["amount"][0]].unit or "IDR") if single else "factor"
    return scenarios.result(candidates, unit, found_low, parameters, step * largest)


def _parameter(ruleset: Ruleset, path: str, programme: Programme) -> Parameter:
    leaf = ruleset.parameters.get(tuple(path.split(".")))
    if not isinstance(leaf, Parameter):
        raise SejahteraError("budget.unknown_parameter", programme=programme.name, path=path)
    return leaf


def candidate(
    value: float, sums: dict[str, float], without: dict[str, float], budget_rp: float
) -> Candidate:
    """The candidate ``value`` from its :meth:`Scenarios.sums` (of all households)."""
    after = poverty_of(sums)
    return Candidate(
        value=float(value),
        cost_rp=sums["cost"],
        fgt0=after["fgt0"],
        fgt1=after["fgt1"],
        fgt2=after["fgt2"],
        gap_reduction_rp=without["poverty_gap_rp"] - after["poverty_gap_rp"],
        poor_persons_reached=sums["poor_reached"],
        within_budget=sums["cost"] <= budget_rp,
    )


def poverty_figures(welfare: np.ndarray, line: np.ndarray, people: np.ndarray) -> dict[str, float]:
    """P0, P1, P2 (person-weighted) and the yearly poverty gap in Rp."""
    return poverty_of(poverty_sums(welfare, line, people))


def poverty_sums(welfare: np.ndarray, line: np.ndarray, people: np.ndarray) -> dict[str, float]:
    """The sums behind :func:`poverty_figures`, which add up over parts of the households."""
    shortfall = np.clip(line - welfare, 0.0, None)
    relative = np.divide(shortfall, line, out=np.zeros(len(welfare)), where=line > 0)
    return {
        "population": float(people.sum()),
        "poor": float(np.dot(people, welfare < line)),
        "fgt1": float(np.dot(people, relative)),
        "fgt2": float(np.dot(people, relative**2)),
        "gap": float(np.dot(people, shortfall)),
    }


def poverty_of(sums: dict[str, float]) -> dict[str, float]:
    """P0, P1, P2 and the yearly poverty gap in Rp from :func:`poverty_sums`."""
    population = sums["population"]
    return {
        "fgt0": sums["poor"] / population,
        "fgt1": sums["fgt1"] / population,
        "fgt2": sums["fgt2"] / population,
        "poverty_gap_rp": sums["gap"] * 12,
    }
