"""Why one household gets what it gets, today and under a reform: each programme's payment to
each of its units (persons, families or the household), on what grounds, and the rules behind
it — every formula the programme's eligibility and amount read, its value for this household,
and every parameter with its value and legal reference on the period's first day.

:func:`explain` runs on a :class:`~sejahtera.simulate.scenario.Start`, the whole dataset's
baseline, so a quota allotted by area or a take-up draw is the one the scenario itself makes;
it reads the household's rows of the simulations the scenario keeps.

The grounds of a payment (``reason``) are codes, each a message ``explain.reason_<code>`` in
the catalogue:

- today: ``recorded_paid`` / ``recorded_not_paid`` (the data's receipt column, whatever the
  rules say), ``quota_paid`` / ``quota_not_paid`` (eligible, but no place was left in its area
  or it did not take the place up), ``rules_paid`` (everyone the rules make eligible), and
  ``not_eligible``;
- under a reform: ``kept`` (paid today, and the reform does not take its eligibility away),
  ``left`` (paid today, no longer eligible), ``joined`` (newly eligible, taken up),
  ``not_taken_up`` (newly eligible, not taken up at the take-up rate), ``not_paid`` (eligible
  before and after but not a recipient today: an exclusion the reform does not touch),
  ``not_eligible``, ``ended`` (the reform ends the programme), and the baseline's own codes
  for a programme the reform leaves alone.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field

import numpy as np

from sejahtera.errors import SejahteraError
from sejahtera.i18n import Language, language, text
from sejahtera.rules.parameters import Parameter
from sejahtera.rules.programmes import DEFAULT_TAKE_UP, Programme
from sejahtera.rules.ruleset import Ruleset
from sejahtera.rules.show import parameter_on
from sejahtera.simulate.payments import Paid
from sejahtera.simulate.scenario import Run, Start, with_programmes

MEMBER_COLUMNS = ("relationship", "sex", "age")


@dataclass(frozen=True)
class Unit:
    """One unit a programme pays (a person, a family or the household) in one run."""

    label: str  # "1" for the household; the family number; the member number (1-based)
    eligible: bool
    paid: bool
    amount_rp: float  # what it is paid a year (0 when not paid)
    reason: str


@dataclass(frozen=True)
class Rule:
    """A formula a programme reads, its text in each run and its values for the household's
    rows of its entity (members, families, or the household)."""

    variable: str
    label: dict[str, str]
    entity: str
    reference: str
    formula: dict[str, str]  # run → the formula in force (the reform may rewrite it)
    values: dict[str, list[object]]  # run → one value per row


@dataclass(frozen=True)
class Value:
    """A parameter a programme reads, its value and reference in each run."""

    path: str
    unit: str
    description: str
    value: dict[str, object]
    reference: dict[str, str]


@dataclass(frozen=True)
class ProgrammeExplained:
    name: str
    label: dict[str, str]
    funder: str
    entity: str
    benefit_rp: dict[str, float]  # run → the household's yearly benefit
    units: dict[str, list[Unit]]  # run → its units
    rules: list[Rule]
    inputs: list[Rule]  # data the rules read (no formula)
    parameters: list[Value]


@dataclass(frozen=True)
class Explanation:
    """One household under the baseline (``status_quo`` or ``rules``) and, with a reform, the
    ``reform`` run; ``to_dict()`` is plain data."""

    household_id: str
    period: str
    runs: tuple[str, ...]
    household: dict[str, object]
    members: list[dict[str, object]]
    families: int
    programmes: list[ProgrammeExplained] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        from dataclasses import asdict

        return asdict(self) | {"runs": list(self.runs)}

    def summary(self, language_code: Language | None = None) -> str:
        """The explanation in words: each programme, what each run pays and why."""
        chosen = language_code or language()
        lines = [text("explain.title", chosen, household=self.household_id, period=self.period)]
        for programme in self.programmes:
            lines.append(f"{programme.label.get(chosen) or programme.name}:")
            for run in self.runs:
                lines.append(
                    "  "
                    + text(f"explain.run_{run}", chosen)
                    + f": {text('explain.rupiah', chosen, value=programme.benefit_rp[run])}"
                )
                for unit in programme.units[run]:
                    lines.append(
                        f"    {unit.label}: {text(f'explain.reason_{unit.reason}', chosen)}"
                    )
        return "\n".join(lines)


def explain(start: Start, household_id: str, reformed: Ruleset | None = None) -> Explanation:
    """Why the household ``household_id`` gets what it gets under ``start``'s baseline and,
    with ``reformed``, under the reform (see the module's docstring)."""
    ids = start.households["household_id"].astype(str).to_numpy()
    found = np.flatnonzero(ids == str(household_id))
    if not len(found):
        raise SejahteraError("explain.unknown_household", household=household_id)
    row = int(found[0])
    runs: list[tuple[str, Run, Ruleset]] = [(start.baseline, start.base, start.rules)]
    if reformed is not None:
        reformed = with_programmes(reformed)
        runs.append(("reform", start.run(reformed)[0], reformed))
    day = datetime.date(int(start.year), 1, 1)
    simulation = start.base.simulation
    members = np.flatnonzero(simulation.household_of == row)
    persons = start.persons.iloc[members]
    household = start.households.iloc[row]
    shown_household = {
        column: _plain(household[column])
        for column in ("household_id", "regency_code", "district_code", "village_code", "desil")
        if column in household.index
    }
    names = list(dict.fromkeys(n for _, _, rules in runs for n in rules.programmes))
    explained = [
        _programme(name, runs, row, day, start.year, start.base.paid.get(name)) for name in names
    ]
    return Explanation(
        household_id=str(household_id),
        period=start.year,
        runs=tuple(name for name, _, _ in runs),
        household=shown_household,
        members=[
            {c: _plain(person[c]) for c in MEMBER_COLUMNS if c in persons.columns}
            for _, person in persons.iterrows()
        ],
        families=int(np.count_nonzero(simulation.family_household == row)),
        programmes=explained,
    )


def _programme(
    name: str,
    runs: list[tuple[str, Run, Ruleset]],
    row: int,
    day: datetime.date,
    year: str,
    before: Paid | None,
) -> ProgrammeExplained:
    present = [(run, done, rules) for run, done, rules in runs if name in rules.programmes]
    declared: Programme = present[-1][2].programmes[name]
    entity = present[-1][2].variables[declared.variable].entity
    benefit, units = {}, {}
    for run, done, rules in runs:
        if name not in rules.programmes:
            benefit[run], units[run] = 0.0, []
            continue
        benefit[run] = float(done.benefits[name][row])
        units[run] = _units(done, rules, rules.programmes[name], row, year, before, run)
    rules_read, inputs = _traced(declared, present)
    return ProgrammeExplained(
        name=name,
        label=dict(declared.label),
        funder=declared.funder,
        entity=entity,
        benefit_rp=benefit,
        units=units,
        rules=[_rule(v, present, row, year) for v in rules_read],
        inputs=[_rule(v, present, row, year) for v in inputs],
        parameters=_parameters(declared, rules_read, present, day, row),
    )


def _rows(run: Run, entity: str, row: int) -> np.ndarray:
    """The positions of the household's rows of ``entity`` in the simulation's arrays."""
    simulation = run.simulation
    if entity == "person":
        return np.flatnonzero(simulation.household_of == row)
    if entity == "family":
        return np.flatnonzero(simulation.family_household == row)
    return np.array([row])


def _units(
    run: Run,
    rules: Ruleset,
    programme: Programme,
    row: int,
    year: str,
    before: Paid | None,
    name: str,
) -> list[Unit]:
    entity = rules.variables[programme.variable].entity
    at = _rows(run, entity, row)
    simulation = run.simulation
    paid_now = run.paid.get(programme.name)
    benefit = simulation.calculate(programme.variable, year)[at]
    if paid_now is None:  # not separable: the rules pay whoever they pay
        eligible = paid = benefit > 0
        reasons = ["rules_paid" if p else "not_eligible" for p in paid]
    else:
        eligible, paid = paid_now.eligible[at], paid_now.paid[at]
        reasons = _reasons(paid_now, before, at, rules, programme, name)
    labels = _unit_labels(entity, at, run, row)
    return [
        Unit(label, bool(e), bool(p), float(b), reason)
        for label, e, p, b, reason in zip(labels, eligible, paid, benefit, reasons, strict=True)
    ]


def _unit_labels(entity: str, at: np.ndarray, run: Run, row: int) -> list[str]:
    if entity == "household":
        return ["1"]
    if entity == "family":
        return [str(k + 1) for k in range(len(at))]
    first = np.flatnonzero(run.simulation.household_of == row)
    return [str(int(np.searchsorted(first, p)) + 1) for p in at]


def _reasons(
    now: Paid,
    before: Paid | None,
    at: np.ndarray,
    rules: Ruleset,
    programme: Programme,
    run: str,
) -> list[str]:
    eligible, paid = now.eligible[at], now.paid[at]
    if run == "reform" and rules.variables[programme.variable].neutralised:
        return ["ended"] * len(at)
    if run != "reform" or now is before:  # the baseline, or a programme the reform leaves alone
        return [_today(now.source, bool(e), bool(p)) for e, p in zip(eligible, paid, strict=True)]
    if before is None:  # a programme the reform adds: its eligible units at the take-up rate
        return [
            "joined" if p else ("not_taken_up" if e else "not_eligible")
            for e, p in zip(eligible, paid, strict=True)
        ]
    out = []
    was_eligible, was_paid = before.eligible[at], before.paid[at]
    for e, p, we, wp in zip(eligible, paid, was_eligible, was_paid, strict=True):
        if wp:
            out.append("kept" if p else "left")
        elif p:
            out.append("joined")
        elif e and not we:
            out.append("not_taken_up")
        else:
            out.append("not_paid" if e else "not_eligible")
    return out


def _today(source: str, eligible: bool, paid: bool) -> str:
    if source == "recorded":
        return "recorded_paid" if paid else "recorded_not_paid"
    if paid:
        return f"{source}_paid"
    return "quota_not_paid" if eligible and source == "quota" else "not_eligible"


def _traced(
    programme: Programme, present: list[tuple[str, Run, Ruleset]]
) -> tuple[list[str], list[str]]:
    """The formulas the programme's eligibility and amount read, nearest first, and the data
    they read; other programmes' benefits (payments) are not followed further."""
    benefits = {p.variable for _, _, rules in present for p in rules.programmes.values()}
    rules_read: list[str] = []
    inputs: list[str] = []
    waiting = [v for v in (programme.eligible, programme.amount) if v is not None]
    seen: set[str] = set()
    while waiting:
        name = waiting.pop(0)
        if name in seen:
            continue
        seen.add(name)
        variable = next((r.variables[name] for _, _, r in present if name in r.variables), None)
        if variable is None or name.startswith("paid__"):
            continue
        if not variable.formulas or (name in benefits and name != programme.variable):
            (inputs if not variable.formulas else rules_read).append(name)
            continue
        rules_read.append(name)
        for _, _, rules in present:
            waiting.extend(sorted(rules.uses(name)))
    return rules_read, inputs


def _rule(name: str, present: list[tuple[str, Run, Ruleset]], row: int, year: str) -> Rule:
    variable = next(r.variables[name] for _, _, r in present if name in r.variables)
    formula, values = {}, {}
    for run, done, rules in present:
        own = rules.variables.get(name)
        if own is None:
            continue
        day = datetime.date(int(year), 1, 1)
        chosen = own.formula_at(day)
        formula[run] = "" if chosen is None or not own.formulas else own.formulas[chosen].text
        at = _rows(done, own.entity, row)
        values[run] = [_plain(v) for v in done.simulation.calculate(name, year)[at]]
    return Rule(name, dict(variable.label), variable.entity, variable.reference, formula, values)


def _parameters(
    programme: Programme,
    rules_read: list[str],
    present: list[tuple[str, Run, Ruleset]],
    day: datetime.date,
    row: int,
) -> list[Value]:
    paths: list[str] = []
    for _, _, rules in present:
        for name in rules_read:
            for compiled in rules.compiled.get(name, ()):
                paths += sorted(".".join(p) for p in compiled.parameters)
        paths += list(rules.programmes[programme.name].parameters(levers=False))
        if rules.programmes[programme.name].take_up is None:
            paths.append(DEFAULT_TAKE_UP)
    out = []
    for path in dict.fromkeys(paths):
        value, reference, unit, description = {}, {}, "", ""
        for run, done, rules in present:
            leaf = rules.parameters.get(tuple(path.split(".")))
            if not isinstance(leaf, Parameter):
                continue
            shown = parameter_on(rules, path, day)
            own = _regional(shown, done, row)
            value[run] = _plain(own.value if own else shown.value)
            reference[run] = own.reference if own else shown.reference
            unit, description = shown.unit, shown.description
        if value:
            out.append(Value(path, unit, description, value, reference))
    return out


def _regional(shown, run: Run, row: int):
    """The household's own regional value of a parameter, if the ruleset gives one."""
    if not shown.regional:
        return None
    households = run.simulation.households
    codes = {
        str(households[c].iloc[row])
        for c in ("regency_code", "district_code", "village_code")
        if c in households.columns
    }
    return next((r for r in shown.regional if r.region in codes), None)


def _plain(value: object) -> object:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, bytes):
        return value.decode()
    return value if isinstance(value, bool | int | float | str) or value is None else str(value)
