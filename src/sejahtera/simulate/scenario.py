"""A scenario: today's situation, and what changes under a reform.

:func:`scenario` runs the ruleset over the data three ways at most:

1. **status quo** (always): who receives each programme today (recorded, or allotted by quota;
   see :mod:`sejahtera.simulate.payments`). Its transfers are already in the consumption the data
   records, so welfare *before* transfers is ``consumption_pc`` minus the consumed share of them,
   per person per month.
2. **rules** (with ``baseline="rules"``): everyone the rules as written make eligible is paid.
3. **reform** (with a reform file): today's receipt changed where the reform changes eligibility,
   or the rules as written under the reform with ``baseline="rules"``.

Every run's welfare is computed from the same base: ``consumption_pc`` plus the consumed change
of its transfers from today's, so the status quo's welfare *is* ``consumption_pc`` and its poverty
and inequality are what ``sejahtera measure`` gives on the data.

:func:`scenario_of` does the same for a dataset folder, as ``sejahtera simulate`` does.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from sejahtera.data.frame import Table, as_table
from sejahtera.errors import SejahteraError
from sejahtera.i18n import Language, fill, language, text
from sejahtera.rules.programmes import Programme, check_programmes
from sejahtera.rules.reform import apply_reform
from sejahtera.rules.ruleset import Ruleset, load_ruleset
from sejahtera.simulate.engine import Period, Simulation, as_pandas
from sejahtera.simulate.payments import (
    Paid,
    consumed,
    in_order,
    paid_name,
    pay_after_reform,
    pay_by_rules,
    pay_today,
    paying_ruleset,
)
from sejahtera.simulate.report import Layout, compare, measured, summarise

Baseline = Literal["status_quo", "rules"]
# Told how far a scenario is (0–1) and what it is doing: the workbench's job page shows it.
Progress = Callable[[float, str], None]
BASELINES: tuple[Baseline, ...] = ("status_quo", "rules")
REGION_COLUMNS = ("province_code", "regency_code", "district_code", "village_code")
KEPT = (*REGION_COLUMNS, "urban", "desil")
# Scenario.tidy(): one row per programme and run. ``run`` is the baseline (``status_quo`` or
# ``rules``) or ``reform``; ``funder`` who pays (apbn, apbd_provinsi, apbd_kabupaten, dana_desa);
# the rest as in
# the report (sejahtera.simulate.report.figures): yearly cost in Rupiah, weighted households,
# families (KPM) and persons reached, and coverage of the poor, exclusion and inclusion errors
# (fractions).
TIDY_COLUMNS = (
    "run",
    "programme",
    "funder",
    "cost_rp",
    "households",
    "families",
    "persons",
    "coverage_of_poor",
    "exclusion_error",
    "inclusion_error",
)


@dataclass
class Run:
    """One way of paying the programmes, with each household's yearly benefits."""

    name: str  # status_quo, rules or reform
    ruleset: Ruleset
    paid: dict[str, Paid]
    benefits: dict[str, np.ndarray]  # programme → yearly benefit per household
    reached: dict[str, np.ndarray]  # person and family programmes: members paid per household
    units: dict[str, np.ndarray]  # family programmes: families paid per household
    consumed: np.ndarray  # consumed cash per household per year
    size: np.ndarray  # members per household
    simulation: Simulation  # the paying ruleset's, with every programme's payments given

    @property
    def sources(self) -> dict[str, str]:
        return {name: paid.source for name, paid in self.paid.items()}


@dataclass
class Scenario:
    """The status quo (or the rules as written) and, when given, a reform; see :func:`scenario`."""

    baseline: Baseline
    period: str
    programmes: dict[str, Programme]
    results: pd.DataFrame  # one row per household: the baseline's benefits and welfare
    reform_results: pd.DataFrame | None
    report: dict[str, object]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """The report as plain data (``simulate --json``): the baseline's summary alone, or
        ``baseline``, ``reform`` and ``difference`` when a reform was given."""
        return self.report

    def runs(self) -> list[tuple[str, dict[str, Any]]]:
        """Each run's name (the baseline's, then ``reform``) and its report."""
        report = self.report
        if self.reform_results is None:
            return [(self.baseline, report)]
        return [(self.baseline, report["baseline"]), ("reform", report["reform"])]

    def tidy(self) -> pd.DataFrame:
        """One row per programme and run, in the report's order: :data:`TIDY_COLUMNS`."""
        rows = [
            {
                "run": run,
                "programme": name,
                "funder": self.programmes[name].funder,
                **{column: figures[column] for column in TIDY_COLUMNS[3:]},
            }
            for run, summary in self.runs()
            for name, figures in summary["programs"].items()
        ]
        return pd.DataFrame(rows, columns=list(TIDY_COLUMNS))

    def summary(self, language_code: Language | None = None) -> str:
        """The scenario in words: each run's programmes, poverty and assumptions, then what the
        reform changes."""
        from sejahtera.simulate.text import scenario_text

        return scenario_text(self, language_code or language())

    def households(self) -> pd.DataFrame:
        """Per household: region codes, the baseline's benefits and welfare, and the reform's
        benefits and welfare (suffix ``_reform``) when there is one."""
        if self.reform_results is None:
            return self.results
        names = [c for c in self.reform_results.columns if c not in self.results.columns]
        changed = ["cash_total", "benefit_total", "welfare_after", *self.programmes]
        columns = [c for c in dict.fromkeys([*changed, *names]) if c in self.reform_results]
        return self.results.merge(
            self.reform_results[["household_id", *columns]],
            on="household_id",
            suffixes=("", "_reform"),
        )


def scenario(
    ruleset: Ruleset | str,
    persons: object,
    households: object,
    period: str | int = 2025,
    reform: str | Path | Ruleset | None = None,
    baseline: Baseline = "status_quo",
    progress: Progress | None = None,
    start: Start | None = None,
) -> Scenario:
    """Today's situation (or the rules as written, ``baseline="rules"``) and, with ``reform`` (a
    YAML file, or the ruleset it makes: :func:`reformed_rules`), the reform compared with it.
    See the module's docstring. ``progress`` is told, between steps, how far the work is (0–1)
    and what comes next; it may stop the work by raising. ``start``: the :class:`Start` of the
    same ruleset, data, period and baseline, made before (a server keeps one per dataset
    version), whose baseline is then not computed again."""
    told = progress or (lambda fraction, message: None)
    base = with_programmes(ruleset if isinstance(ruleset, Ruleset) else load_ruleset(ruleset))
    reformed = reform if isinstance(reform, Ruleset) or reform is None else None
    if reform is not None and reformed is None:
        reformed = reformed_rules(base, reform, baseline)  # type: ignore[arg-type]
    elif baseline not in BASELINES:
        raise SejahteraError("simulate.bad_baseline", value=baseline, allowed=", ".join(BASELINES))
    told(0.0, text("simulate.progress_baseline"))
    if start is None:
        start = Start(base, persons, households, period, baseline)
    elif (start.year, start.baseline) != (str(Period.parse(period).year), baseline):
        raise ValueError("the start given was made for another period or baseline")
    told(
        0.55,
        text("simulate.progress_reports" if reformed is not None else "simulate.progress_summary"),
    )
    notes = _notes(start.today)
    # The reform runs on the second core while the baseline's report is written.
    with ThreadPoolExecutor(max_workers=1) as pool:
        running = pool.submit(start.run, reformed) if reformed is not None else None
        layout = Layout.of(start.results)  # the same households, areas and deciles in every run
        summary = summarise(
            start.results, base.programmes, baseline, start.base.sources, notes, layout=layout
        )
        summary["assumptions"] = assumptions(base, start.year)
        if running is None:
            return Scenario(
                baseline, start.year, base.programmes, start.results, None, summary, notes
            )
        after, reform_results = running.result()
        told(0.8, text("simulate.progress_comparison"))
        programmes = {**base.programmes, **reformed.programmes}
        known = {
            "before": summary["poverty"]["before"],  # type: ignore[index]
            "after": measured(reform_results, "after"),
        }
        # The comparison is written on the second core while the reform's report is.
        comparing = pool.submit(
            compare,
            start.results,
            reform_results,
            programmes,
            (summary["poverty"]["after"], known["after"]),  # type: ignore[index]
            layout,
        )
        changed = summarise(
            reform_results, programmes, baseline, after.sources, notes, known, layout
        ) | {"assumptions": assumptions(reformed, start.year)}
        report = {"baseline": summary, "reform": changed, "difference": comparing.result()}
    return Scenario(baseline, start.year, programmes, start.results, reform_results, report, notes)


def scenario_of(
    data: str | Path | Table,
    rules: Ruleset | str | Path = "indonesia",
    reform: str | Path | None = None,
    *,
    baseline: Baseline = "status_quo",
    period: str | int = 2025,
) -> Scenario:
    """The :func:`scenario` of a dataset folder (or the :class:`Table` loaded from one): the
    ruleset (a shipped name, a folder or a :class:`Ruleset`) and the reform file are checked
    whole before the data is read."""
    ruleset = rules if isinstance(rules, Ruleset) else load_ruleset(rules)
    reformed = reformed_rules(ruleset, reform, baseline) if reform is not None else None
    persons, households = dataset_tables(data)
    return scenario(ruleset, persons, households, period, reform=reformed, baseline=baseline)


def dataset_tables(data: str | Path | Table) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The persons and the households (with what their members tell) of a dataset folder."""
    table = as_table(data)
    if table.dataset is None:
        shown = data if isinstance(data, str | Path) else table.source
        raise SejahteraError("simulate.needs_dataset", path=shown)
    return table.dataset.persons(), table.frame


class Start:
    """What every option is compared with, computed once: today's payments, and the baseline's
    (today's, or the rules as written) with each household's results. :meth:`run` evaluates a
    reformed ruleset against it (the scenario's reform, or each candidate of the budget solver).
    """

    def __init__(
        self,
        ruleset: Ruleset,
        persons: object,
        households: object,
        period: str | int,
        baseline: Baseline = "status_quo",
    ) -> None:
        if baseline not in BASELINES:
            raise SejahteraError(
                "simulate.bad_baseline", value=baseline, allowed=", ".join(BASELINES)
            )
        self.rules = with_programmes(ruleset)
        self.baseline = baseline
        self.persons = as_pandas(persons)
        self.households = with_desa(as_pandas(households))
        self.year = str(Period.parse(period).year)
        self.today = self._run("status_quo", self.rules, pay_today)
        self.base = (
            self.today if baseline == "status_quo" else self._run("rules", self.rules, pay_by_rules)
        )
        self.results = household_results(self.base, self.today, self.households)

    def run(self, reformed: Ruleset) -> tuple[Run, pd.DataFrame]:
        """``reformed`` paid as a reform of the baseline, and each household's results. What the
        reform leaves alone is not computed again (see :func:`unaffected`)."""
        reformed = with_programmes(reformed)
        keep, untouched = unaffected(self.rules, reformed)
        pay = _reform_payer(self.base, self.baseline, untouched)
        after = _run(
            "reform",
            reformed,
            self.persons,
            self.households,
            self.year,
            pay,
            shared=(self.base.simulation, keep),
        )
        return after, household_results(after, self.today, self.households)

    def _run(self, name: str, ruleset: Ruleset, pay: object) -> Run:
        return _run(name, ruleset, self.persons, self.households, self.year, pay)


def unaffected(base: Ruleset, reformed: Ruleset) -> tuple[set[str], frozenset[str]]:
    """The variables (of the paying rulesets) a reform leaves alone, and the programmes whose
    payment it leaves alone: nothing they read, or whom they pay, changes.

    A variable is affected when the reform changes it or a parameter it reads, or it reads an
    affected variable. A programme's payment is affected when its eligibility or amount is, or
    the reform adds or ends it or changes how it is paid (quota, take-up, switch); then its
    ``paid__`` input, and whatever reads its benefit, are affected too.
    """
    changed_paths = {
        path
        for path in {*base.parameters.leaves, *reformed.parameters.leaves}
        if base.parameters.leaves.get(path) != reformed.parameters.leaves.get(path)
    }
    changed_paths |= {
        tuple(path.split("."))
        for path in {*base.regional, *reformed.regional}
        if base.regional.get(path) != reformed.regional.get(path)
    }
    affected = {
        name
        for name in {*base.variables, *reformed.variables}
        if base.variables.get(name) != reformed.variables.get(name)
    }
    affected |= {
        name
        for name, compiled in reformed.compiled.items()
        if any(c.parameters & changed_paths for c in compiled)
    }
    readers: dict[str, set[str]] = {}
    for name in reformed.compiled:
        for used in reformed.uses(name):
            readers.setdefault(used, set()).add(name)
    for programme in reformed.programmes.values():
        readers.setdefault(paid_name(programme), set()).add(programme.variable)
    while True:
        waiting = list(affected)
        while waiting:
            for reader in readers.get(waiting.pop(), ()):
                if reader not in affected:
                    affected.add(reader)
                    waiting.append(reader)
        paying = {
            paid_name(p)
            for p in reformed.programmes.values()
            if base.programmes.get(p.name) != p
            or p.eligible in affected
            or p.amount in affected
            or _how_paid(p) & changed_paths
        }
        if paying <= affected:
            break
        affected |= paying
    names = {*reformed.variables, *(paid_name(p) for p in reformed.programmes.values())}
    untouched = {p.name for p in reformed.programmes.values() if paid_name(p) not in affected}
    return names - affected, frozenset(untouched)


def _how_paid(programme: Programme) -> set[tuple[str, ...]]:
    return {tuple(path.split(".")) for path in programme.parameters(levers=False)}


def reformed_rules(ruleset: Ruleset, reform: str | Path, baseline: Baseline) -> Ruleset:
    """``ruleset`` with the reform file applied and every change checked to reach a programme:
    all of it before any data is read."""
    if baseline not in BASELINES:
        raise SejahteraError("simulate.bad_baseline", value=baseline, allowed=", ".join(BASELINES))
    reformed = apply_reform(with_programmes(ruleset), reform)
    refuse_unused_changes(reformed, baseline)
    return reformed


def paid_simulation(
    ruleset: Ruleset,
    reformed: Ruleset | None,
    persons: pd.DataFrame,
    households: pd.DataFrame,
    year: str,
    inputs: dict[str, dict[str, object]] | None = None,
    baseline: Baseline = "status_quo",
) -> Simulation:
    """The simulation whose programme variables hold what is paid: today (or by the rules), or
    under ``reformed`` when given. YAML test cases with ``baseline:`` read their outputs here."""
    households = with_desa(households)
    base = with_programmes(ruleset)
    payer = pay_today if baseline == "status_quo" else pay_by_rules
    run = _run(baseline, base, persons, households, year, payer, inputs)
    if reformed is None:
        return run.simulation
    return _run(
        "reform",
        with_programmes(reformed),
        persons,
        households,
        year,
        _reform_payer(run, baseline),
        inputs,
    ).simulation


def _reform_payer(before: Run, baseline: Baseline, untouched: frozenset[str] = frozenset()):
    """How a reform pays each programme, given the baseline's payments (those in ``untouched``
    as the baseline did)."""
    if baseline == "rules":
        return pay_by_rules

    def pay(simulation: Simulation, programme: Programme) -> Paid:
        if programme.name in untouched:
            return before.paid[programme.name]
        return pay_after_reform(simulation, programme, before.paid.get(programme.name))

    return pay


def with_programmes(ruleset: Ruleset) -> Ruleset:
    """``ruleset`` itself when it declares programmes; else with the shipped ``indonesia``
    declarations that fit its variables and parameters (a user's copy of the ruleset)."""
    if ruleset.programmes:
        return ruleset
    fitting = {}
    for name, programme in load_ruleset("indonesia").programmes.items():
        try:
            check_programmes(ruleset, {name: programme})
        except SejahteraError:
            continue
        fitting[name] = programme
    return dataclasses.replace(ruleset, programmes=fitting)


def refuse_unused_changes(reformed: Ruleset, baseline: Baseline) -> None:
    """Every change a reform makes must reach a programme's figures: a variable added that no
    programme reads, or a parameter nothing reads, is an error naming the reform's line."""
    needed: set[str] = set()
    waiting = [
        name
        for p in reformed.programmes.values()
        for name in (p.variable, p.eligible, p.amount)
        if name is not None
    ]
    while waiting:
        current = waiting.pop()
        if current not in needed:
            needed.add(current)
            waiting.extend(reformed.uses(current))
    read = {
        path
        for name in needed
        for compiled in reformed.compiled.get(name, ())
        for path in compiled.parameters
    }
    read |= {
        tuple(path.split(".")) for p in reformed.programmes.values() for path in p.parameters()
    }
    read |= {("scenario", "take_up_newly_eligible"), ("scenario", "consumed_share")}
    separable = {p.variable for p in reformed.programmes.values() if p.separable}
    for change in reformed.changes:
        if change.kind == "parameter" and tuple(change.name.split(".")) not in read:
            raise SejahteraError(
                "simulate.change_unused", file=change.file, line=change.line, name=change.name
            )
        if change.kind in ("add", "replace", "neutralise") and change.name not in needed:
            raise SejahteraError(
                "simulate.variable_unused", file=change.file, line=change.line, name=change.name
            )
        # Under the status quo a separable benefit pays its amount to a list: a new formula for
        # the benefit itself would be replaced, so it must change the amount or eligibility.
        if baseline == "status_quo" and change.kind == "replace" and change.name in separable:
            owner = next(p for p in reformed.programmes.values() if p.variable == change.name)
            raise SejahteraError(
                "simulate.benefit_replaced",
                file=change.file,
                line=change.line,
                name=change.name,
                amount=owner.amount,
                eligible=owner.eligible,
            )


def with_desa(households: pd.DataFrame) -> pd.DataFrame:
    """Households with ``desa`` (a desa, not a kelurahan: the village part of its Kemendagri
    code starts with 2), taken from ``urban`` (rural as desa) where no village code is known."""
    if "desa" in households.columns:
        return households
    desa = pd.Series(True, index=households.index)
    if "urban" in households.columns:
        desa = ~households["urban"].astype("boolean").fillna(False).astype(bool)
    if "village_code" in households.columns:
        codes = households["village_code"].astype("string")
        known = codes.notna().to_numpy()
        # The village part is the code's last four digits (34.03.01.2001).
        from_code = (codes.str.slice(-4, -3) == "2").fillna(False)
        desa = desa.where(~known, from_code.astype(bool))
    return households.assign(desa=desa.to_numpy(dtype=bool))


def _run(
    name: str,
    ruleset: Ruleset,
    persons: pd.DataFrame,
    households: pd.DataFrame,
    year: str,
    pay: object,
    inputs: dict[str, dict[str, object]] | None = None,
    shared: tuple[Simulation, set[str]] | None = None,
) -> Run:
    # The rules as written run their own benefit formulas; other runs pay by lists.
    paying = ruleset if pay is pay_by_rules else paying_ruleset(ruleset)
    if shared is not None:  # the baseline's simulation, and the values a reform leaves alone
        simulation = shared[0].sharing(paying, shared[1], households)
    else:
        simulation = Simulation(paying, persons, households, year, inputs)
    count = len(households)
    paid: dict[str, Paid] = {}
    benefits: dict[str, np.ndarray] = {}
    reached: dict[str, np.ndarray] = {}
    units: dict[str, np.ndarray] = {}
    eaten = np.zeros(count)
    day = simulation.period.start
    for programme in in_order(paying):
        if programme.separable:
            paid[programme.name] = pay(simulation, programme)  # type: ignore[operator]
        values = simulation.calculate(programme.variable, year)
        entity = paying.variables[programme.variable].entity
        if entity == "person":
            reached[programme.name] = np.bincount(
                simulation.household_of, values > 0, minlength=count
            )
            values = np.bincount(simulation.household_of, values, minlength=count)
        elif entity == "family":  # members of the families paid, and the families themselves
            members = np.bincount(simulation.family_of, minlength=simulation.families)
            to_household = simulation.family_household
            reached[programme.name] = np.bincount(
                to_household, members * (values > 0), minlength=count
            )
            units[programme.name] = np.bincount(to_household, values > 0, minlength=count)
            values = np.bincount(to_household, values, minlength=count)
        benefits[programme.name] = values
        if programme.cash:
            eaten = eaten + consumed(paying, programme, day) * values
    size = np.bincount(simulation.household_of, minlength=count).astype(np.float64)
    return Run(name, ruleset, paid, benefits, reached, units, eaten, size, simulation)


def household_results(run: Run, today: Run, households: pd.DataFrame) -> pd.DataFrame:
    """One row per household: its benefits under ``run`` and its welfare before transfers and
    after ``run``'s, both from the consumption recorded under ``today``'s transfers."""
    out = pd.DataFrame({"household_id": households["household_id"].reset_index(drop=True)})
    for column in KEPT:  # kept as they are: text columns stay in Arrow, without a copy
        if column in households.columns:
            out[column] = households[column].reset_index(drop=True)
    size = run.size
    consumption = households["consumption_pc"].to_numpy(dtype=np.float64)
    cash = np.zeros(len(households))
    total = np.zeros(len(households))
    for name, values in run.benefits.items():
        out[name] = values
        if name in run.reached:
            out[f"{name}_persons"] = run.reached[name]
        if name in run.units:
            out[f"{name}_families"] = run.units[name]
        total = total + values
        if run.ruleset.programmes[name].cash:
            cash = cash + values
    out["cash_total"] = cash
    out["benefit_total"] = total
    out["size"] = size
    out["weight"] = households["weight"].to_numpy(dtype=np.float64)
    out["poverty_line"] = households["poverty_line"].to_numpy(dtype=np.float64)
    out["consumption_pc"] = consumption
    out["welfare_before"] = consumption - per_person_month(today.consumed, size)
    out["welfare_after"] = consumption + per_person_month(run.consumed - today.consumed, size)
    return out


def per_person_month(yearly: np.ndarray, size: np.ndarray) -> np.ndarray:
    """A household's yearly rupiah shared equally among its members, per month."""
    return np.divide(yearly / 12, size, out=np.zeros(len(yearly)), where=size > 0)


def assumptions(ruleset: Ruleset, year: str) -> list[str]:
    """What a reader must know to read the figures: how welfare is counted, and every parameter
    of the ruleset that states its choice (``metadata: stated``), with its value in ``year``."""
    day = datetime.date(int(year), 1, 1)
    said = [text("simulate.welfare_rule")]
    for leaf in ruleset.parameters.leaves.values():
        statement = getattr(leaf, "statement", None)
        value = leaf.get(day) if statement else None  # type: ignore[union-attr]
        if statement and value is not None:
            said.append(fill(statement[language()], value=value))
    return said


def _notes(today: Run) -> list[str]:
    return [
        f"{name}: {text(paid.note)}" for name, paid in today.paid.items() if paid.note is not None
    ]
