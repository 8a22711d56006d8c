"""What an extra budget buys: options across programmes, each searched over two levers, ranked.

``solve_extra(ruleset, persons, households, 50e9)`` answers "what does an extra Rp50 billion a
year buy?". Each option is a change to today's situation (or to the rules as written): widening
or raising an existing programme (PKH, Sembako), or adding one from a shipped template (a regional
elderly allowance, PBI-APBD, a regional scholarship, a top-up in priority areas) or from a reform
file of the user's.

For each option the solver tries every pair of its desil cut-off and of its amounts (one factor
on all of them): from today's cut-off up to desil 10 and factors 1 to 2 for an existing
programme; desil 1 to 10 and factors 0.5 to 2 for a new one. Every pair is a reform of the same
baseline, paid as :mod:`sejahtera.simulate.payments` says (today's recipients keep it, newly
eligible units join at the take-up rate). Its figures, against the baseline:

- ``net_cost_rp``: the change in the cost of every programme, a year;
- ``gap_reduction_rp``: the fall of the yearly poverty gap (Σ persons × shortfall × 12);
- ``newly_reached_poor``: persons poor before transfers whom no programme reached and one does;
- ``fgt0``, ``fgt1``, ``fgt2``: poverty after.

The best pair of an option is the one within the extra budget with the largest gap reduction (the
most poor newly reached for an option that pays no cash); options are ranked by gap reduction per
rupiah of their best pair, then by poor newly reached. A pair is on the frontier when no other
pair of the option costs no more and achieves at least as much.

A benefit is proportional to its amounts (one factor on every amount scales every recipient's
benefit), so each cut-off is simulated once and the factors are applied to its benefit; the
solver checks this on the largest factor by a full simulation and simulates every pair when it
does not hold. The top-up in priority areas goes to the :data:`PRIORITY_AREAS` kecamatan where the
most poor people are reached by no programme today.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from sejahtera.data.regions import registry
from sejahtera.errors import SejahteraError
from sejahtera.i18n import Language, text
from sejahtera.i18n import language as current_language
from sejahtera.rules.parameters import Parameter
from sejahtera.rules.programmes import Programme
from sejahtera.rules.reform import with_parameter_values
from sejahtera.rules.ruleset import Ruleset, load_ruleset
from sejahtera.simulate.budget import frontier, poverty_figures
from sejahtera.simulate.payments import consumed
from sejahtera.simulate.report import Layout, compare
from sejahtera.simulate.scenario import Baseline, Start, per_person_month, reformed_rules

DEFAULT_OPTIONS = (
    "pkh",
    "sembako",
    "lansia-daerah",
    "pbi-apbd",
    "beasiswa-daerah",
    "topup-wilayah",
)
PRIORITY_AREAS = 3
EXISTING_FACTORS = tuple(round(1 + k / 10, 1) for k in range(11))  # 1.0, 1.1, …, 2.0
NEW_FACTORS = tuple(k / 4 for k in range(1, 9))  # 0.25, 0.5, …, 2.0
_SHIPPED = ("rulesets", "indonesia", "reforms")


@dataclass(frozen=True)
class Point:
    """One pair of lever values of an option, and what it does against the baseline."""

    desil: float | None
    factor: float
    net_cost_rp: float
    gap_reduction_rp: float
    newly_reached_poor: float
    fgt0: float
    fgt1: float
    fgt2: float
    within_budget: bool
    efficient: bool = False


@dataclass(frozen=True)
class OptionResult:
    name: str
    programme: Programme
    measure: str  # gap_reduction_rp, or newly_reached_poor for an option paying no cash
    points: tuple[Point, ...]
    best: Point | None  # None: no pair with a cost fits the extra budget
    # The best pair against the baseline by kabupaten, kecamatan and desa: net change, who
    # receives more or less, the poor newly reached.
    areas: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)

    @property
    def per_rupiah(self) -> float:
        if self.best is None or self.best.net_cost_rp <= 0:
            return float("nan")
        return self.best.gap_reduction_rp / self.best.net_cost_rp


@dataclass(frozen=True)
class ExtraResult:
    """The options ranked: ``summary()`` for people, ``tidy()`` (one row per pair of every
    option) and ``to_dict()`` (``sejahtera budget --extra --json``)."""

    extra_rp: float
    baseline: str
    options: tuple[OptionResult, ...]  # best first
    priority_areas: tuple[str, ...]
    before: dict[str, float]  # the baseline's poverty: fgt0, fgt1, fgt2, poverty_gap_rp

    def tidy(self) -> pd.DataFrame:
        rows = [
            {"option": o.name, "programme": o.programme.name, **asdict(p), "best": p == o.best}
            for o in self.options
            for p in o.points
        ]
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, object]:
        return {
            "extra_rp": self.extra_rp,
            "baseline": self.baseline,
            "before": self.before,
            "priority_areas": list(self.priority_areas),
            "ranking": [
                {
                    "option": o.name,
                    "programme": o.programme.name,
                    "label": o.programme.label,
                    "funder": o.programme.funder,
                    "measure": o.measure,
                    "gap_reduction_per_rupiah": o.per_rupiah,
                    "best": None if o.best is None else asdict(o.best),
                    **o.areas,
                    "frontier": [asdict(p) for p in o.points if p.efficient],
                    "points": [asdict(p) for p in o.points],
                }
                for o in self.options
            ],
        }

    def summary(self, language: Language | None = None) -> str:
        language = language or current_language()
        lines = [text("extra.title", language, extra=self.extra_rp)]
        if self.priority_areas:
            names = registry()
            shown = [f"{names.name(c)} ({c})" if c in names else c for c in self.priority_areas]
            lines.append(text("extra.priority_areas", language, areas=", ".join(shown)))
        for rank, option in enumerate(self.options, start=1):
            name = option.programme.title(language)
            best = option.best
            if best is None:
                lines.append(text("extra.nothing_fits", language, rank=rank, name=name))
                continue
            lines.append(
                text(
                    "extra.option",
                    language,
                    rank=rank,
                    name=name,
                    desil="-" if best.desil is None else f"{best.desil:.0f}",
                    amounts=text("extra.amounts_fixed", language)
                    if "amount" not in option.programme.levers
                    else text("extra.amounts_times", language, factor=best.factor),
                    cost=best.net_cost_rp,
                    reduction=best.gap_reduction_rp,
                    per_rupiah=option.per_rupiah if np.isfinite(option.per_rupiah) else 0.0,
                    reached=best.newly_reached_poor,
                    p0=(best.fgt0 - self.before["fgt0"]) * 100,
                )
            )
        lines.append(text("extra.note", language))
        return "\n".join(lines)


def solve_extra(
    ruleset: Ruleset | str,
    persons: object,
    households: object,
    extra_rp: float,
    options: tuple[str | Path, ...] = DEFAULT_OPTIONS,
    period: str | int = 2025,
    baseline: Baseline = "status_quo",
    areas: int = PRIORITY_AREAS,
) -> ExtraResult:
    """Every option searched and ranked (see the module's docstring). An option is a programme
    of the ruleset, the name of a shipped template (``lansia-daerah``) or a reform file."""
    if not np.isfinite(extra_rp) or extra_rp <= 0:
        raise SejahteraError("budget.bad_budget", budget=extra_rp)
    rules = ruleset if isinstance(ruleset, Ruleset) else load_ruleset(ruleset)
    start = Start(rules, persons, households, period, baseline)
    priority = _priority_areas(start, areas)
    if priority:
        codes = start.households["district_code"].astype(str)
        start.households = start.households.assign(priority_area=codes.isin(priority).to_numpy())
    layout = Layout.of(start.results)
    searched = [
        _Search(start, _option(start, option, baseline), extra_rp, layout) for option in options
    ]
    results = [search.result() for search in searched]
    results.sort(key=_rank)
    base = start.results
    people = base["weight"].to_numpy() * base["size"].to_numpy()
    before = poverty_figures(
        base["welfare_after"].to_numpy(), base["poverty_line"].to_numpy(), people
    )
    return ExtraResult(extra_rp, baseline, tuple(results), tuple(priority), before)


def _rank(option: OptionResult) -> tuple[float, float]:
    if option.best is None:
        return (np.inf, np.inf)
    per_rupiah = option.per_rupiah if np.isfinite(option.per_rupiah) else 0.0
    return (-per_rupiah, -option.best.newly_reached_poor)


def _priority_areas(start: Start, count: int) -> list[str]:
    """The ``count`` kecamatan with the most poor people no programme reaches in the baseline."""
    results = start.results
    if "district_code" not in results or results["district_code"].isna().any() or count <= 0:
        return []
    people = results["weight"] * results["size"]
    poor = results["welfare_before"] < results["poverty_line"]
    unreached = (
        (people * (poor & (results["benefit_total"] <= 0)))
        .groupby(results["district_code"].astype(str))
        .sum()
    )
    ranked = unreached[unreached > 0].sort_values(ascending=False, kind="stable")
    return list(ranked.index[:count])


@dataclass(frozen=True)
class _Option:
    name: str
    rules: Ruleset  # the baseline's rules, with the option's reform when it adds a programme
    programme: Programme
    new: bool


def _option(start: Start, option: str | Path, baseline: Baseline) -> _Option:
    name = str(option)
    if name in start.rules.programmes:
        return _Option(name, start.rules, start.rules.programmes[name], new=False)
    path = Path(name)
    if not path.is_file():
        shipped = Path(str(resources.files("sejahtera").joinpath(*_SHIPPED, f"{name}.yaml")))
        if not shipped.is_file():
            known = [*start.rules.programmes, *_templates()]
            raise SejahteraError("extra.unknown_option", name=name, known=", ".join(known))
        path = shipped
    reformed = reformed_rules(start.rules, path, baseline)
    added = [p for n, p in reformed.programmes.items() if n not in start.rules.programmes]
    if not added:
        raise SejahteraError("extra.no_programme", name=name)
    return _Option(path.stem, reformed, added[0], new=True)


def _templates() -> list[str]:
    folder = Path(str(resources.files("sejahtera").joinpath(*_SHIPPED)))
    return sorted(p.stem for p in folder.glob("*.yaml"))


class _Search:
    """One option: each cut-off simulated, the amount factors applied to it."""

    def __init__(self, start: Start, option: _Option, extra_rp: float, layout: Layout) -> None:
        self.start, self.option, self.extra_rp = start, option, extra_rp
        self.layout = layout
        self.day = datetime.date(int(start.year), 1, 1)
        base = start.results
        self.w = base["weight"].to_numpy(dtype=np.float64)
        self.size = base["size"].to_numpy(dtype=np.float64)
        self.people = self.w * self.size
        self.line = base["poverty_line"].to_numpy(dtype=np.float64)
        self.poor = base["welfare_before"].to_numpy() < self.line
        self.reached_before = base["benefit_total"].to_numpy() > 0
        self.cost_before = float(np.dot(self.w, base["benefit_total"]))
        self.gap_before = poverty_figures(base["welfare_after"].to_numpy(), self.line, self.people)[
            "poverty_gap_rp"
        ]
        programme = option.programme
        self.measure = "gap_reduction_rp" if programme.cash else "newly_reached_poor"
        self.share = consumed(option.rules, programme, self.day) if programme.cash else 0.0
        self.amounts = {
            path: _value(option.rules, path, self.day)
            for path in programme.levers.get("amount", ())
        }

    def cutoffs(self) -> list[float | None]:
        levers = self.option.programme.levers
        if "desil" not in levers:
            return [None]
        if self.option.new:
            return [float(k) for k in range(1, 11)]
        today = int(_value(self.option.rules, levers["desil"][0], self.day))
        return [float(k) for k in range(max(today, 1), 11)]

    def factors(self) -> tuple[float, ...]:
        if not self.amounts:
            return (1.0,)
        return NEW_FACTORS if self.option.new else EXISTING_FACTORS

    def simulate(self, desil: float | None, factor: float) -> pd.DataFrame:
        changes: dict[str, dict] = {}
        if desil is not None:
            changes[self.option.programme.levers["desil"][0]] = {self.day: int(desil)}
        if factor != 1.0:
            changes.update({p: {self.day: factor * v} for p, v in self.amounts.items()})
        rules = with_parameter_values(self.option.rules, changes) if changes else self.option.rules
        return self.start.run(rules)[1]

    def result(self) -> OptionResult:
        name = self.option.programme.name
        cutoffs, factors = self.cutoffs(), self.factors()
        largest = max(factors)
        last = self.simulate(cutoffs[-1], 1.0)
        linear = largest == 1.0 or bool(
            np.allclose(
                self.simulate(cutoffs[-1], largest)[name],
                largest * last[name],
                rtol=1e-9,
                atol=1e-6,
            )
        )
        points: list[Point] = []
        for desil in cutoffs:
            if linear:
                results = last if desil == cutoffs[-1] else self.simulate(desil, 1.0)
                points += [self.point(results, desil, f, f) for f in factors]
            else:  # simulate every pair
                points += [self.point(self.simulate(desil, f), desil, 1.0, f) for f in factors]
        points = frontier(points, self.measure, "net_cost_rp")
        fitting = [p for p in points if p.within_budget and p.net_cost_rp > 0]
        best = max(fitting, key=lambda p: (getattr(p, self.measure), -p.net_cost_rp), default=None)
        return OptionResult(
            self.option.name,
            self.option.programme,
            self.measure,
            tuple(points),
            best,
            {} if best is None else self.areas(best),
        )

    def areas(self, best: Point) -> dict[str, dict[str, dict[str, float]]]:
        """The best pair against the baseline by kabupaten, kecamatan and desa."""
        programmes = {**self.start.rules.programmes, **self.option.rules.programmes}
        results = self.simulate(best.desil, best.factor)
        found = compare(self.start.results, results, programmes, layout=self.layout)
        return {
            key: found[key] for key in ("by_region", "by_district", "by_village") if key in found
        }  # type: ignore[misc]

    def point(
        self, results: pd.DataFrame, desil: float | None, scale: float, factor: float
    ) -> Point:
        """The pair (desil, factor) from ``results``, whose programme benefit is multiplied by
        ``scale`` (the factor, when the results were simulated at factor 1)."""
        name = self.option.programme.name
        own = results[name].to_numpy(dtype=np.float64)
        extra = (scale - 1.0) * own
        total = results["benefit_total"].to_numpy(dtype=np.float64) + extra
        welfare = results["welfare_after"].to_numpy() + per_person_month(
            self.share * extra, self.size
        )
        after = poverty_figures(welfare, self.line, self.people)
        cost = float(np.dot(self.w, total)) - self.cost_before
        return Point(
            desil=desil,
            factor=factor,
            net_cost_rp=cost,
            gap_reduction_rp=self.gap_before - after["poverty_gap_rp"],
            newly_reached_poor=float(
                np.dot(self.people, self.poor & ~self.reached_before & (total > 0))
            ),
            fgt0=after["fgt0"],
            fgt1=after["fgt1"],
            fgt2=after["fgt2"],
            within_budget=cost <= self.extra_rp,
        )


def _value(rules: Ruleset, path: str, day: datetime.date) -> float:
    leaf = rules.parameters.get(tuple(path.split(".")))
    if not isinstance(leaf, Parameter):
        raise SejahteraError("budget.unknown_parameter", programme="-", path=path)
    return float(leaf.at(day))  # type: ignore[arg-type]
