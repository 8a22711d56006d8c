"""Who is paid: today's receipt, the rules as written, and a reform's change to either.

A ruleset's benefit (``pkh = where(pkh_eligible, pkh_amount, 0)``) pays everyone the rules make
eligible. Programmes do not run that way: PKH reaches the families on the ministry's list, not
every family in desil 1–4. So a scenario runs each ruleset *paying by a list*: the benefit formula
of every programme declared with ``eligible`` and ``amount`` becomes ``where(paid, amount, 0)``,
and the scenario says who is paid, programme by programme, in the order their rules depend on
each other (BLT Dana Desa is for families without PKH: PKH's payments come first, so its rule
reads who is paid PKH, not who would be eligible).

Who is paid today (the status quo), for each programme:

* ``recorded``: the data's receipt column (``receives_pkh``…), as it is;
* ``quota``: no receipt recorded, so places are allotted to eligible units, poorest first (desil,
  then PMT score), up to each area's quota, and taken up at the programme's take-up rate;
* ``rules``: neither; everyone eligible under the rules as written.

Under a reform, receipt changes only where eligibility changes: a unit that loses eligibility
leaves; a unit that becomes eligible joins at the take-up rate; everyone else keeps today's
status, inclusion and exclusion errors included. A reform adding a programme pays its eligible
units at the take-up rate. Take-up draws are fixed per unit and programme (a hash of the id), so
a run reproduces exactly whatever the row order or the partitioning.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from sejahtera.errors import SejahteraError
from sejahtera.rules.programmes import DEFAULT_CONSUMED, DEFAULT_TAKE_UP, Programme
from sejahtera.rules.regional import regional_values
from sejahtera.rules.ruleset import Formula, Ruleset, Variable, check
from sejahtera.simulate.engine import Simulation

Source = Literal["recorded", "quota", "rules", "new"]
PAID_PREFIX = "paid__"


def paid_name(programme: Programme) -> str:
    return f"{PAID_PREFIX}{programme.variable}"


def paying_ruleset(ruleset: Ruleset) -> Ruleset:
    """``ruleset`` with each separable programme's benefit paid to a given list: its formula
    becomes ``where(paid__<benefit>, <amount>, 0)`` and ``paid__<benefit>`` an input."""
    variables = dict(ruleset.variables)
    for programme in ruleset.programmes.values():
        if not programme.separable:
            continue
        benefit = variables[programme.variable]
        flag = paid_name(programme)
        if flag in variables:
            raise SejahteraError("simulate.reserved_name", name=flag)
        variables[flag] = Variable(
            flag,
            benefit.entity,
            "bool",
            "year",
            {"id": f"Dibayar {programme.name}", "en": f"Paid {programme.name}"},
            "",
            (),
            False,
            benefit.file,
            benefit.line,
        )
        formula = Formula(None, f"where({flag}, {programme.amount}, 0)", benefit.line)
        variables[programme.variable] = dataclasses.replace(benefit, formulas=(formula,))
    paying = dataclasses.replace(ruleset, variables=variables, compiled={})
    check(paying)
    return paying


def in_order(ruleset: Ruleset) -> list[Programme]:
    """The programmes, each after those whose benefit its eligibility or amount reads."""
    owner = {p.variable: p.name for p in ruleset.programmes.values()}
    needs: dict[str, set[str]] = {}
    for programme in ruleset.programmes.values():
        reads: set[str] = set()
        waiting = [v for v in (programme.eligible, programme.amount) if v is not None]
        while waiting:
            current = waiting.pop()
            if current in reads:
                continue
            reads.add(current)
            waiting.extend(ruleset.uses(current))
        needs[programme.name] = {owner[v] for v in reads if v in owner} - {programme.name}
    ordered: list[Programme] = []
    done: set[str] = set()
    while len(ordered) < len(needs):
        ready = [n for n in ruleset.programmes if n not in done and needs[n] <= done]
        if not ready:
            waiting_names = sorted(set(needs) - done)
            raise SejahteraError("simulate.programme_cycle", names=", ".join(waiting_names))
        for name in ready:
            ordered.append(ruleset.programmes[name])
            done.add(name)
    return ordered


@dataclass
class Units:
    """The rows a programme pays (persons, families or households), with what allotment reads
    of them. Ids are read only for the rows a draw needs (text ids are slow to read)."""

    entity: str
    household: np.ndarray  # each row's household number
    weight: np.ndarray  # households represented
    table: pd.Series  # the ids' column: person_id, or household_id (a family's fallback)
    at: np.ndarray  # each row's position in ``table``
    own: pd.Series | None = None  # families: family_id at each family's first member

    @property
    def count(self) -> int:
        return len(self.household)

    def ids(self, rows: np.ndarray) -> np.ndarray:
        """The ids (text) of the rows at ``rows`` (positions or a mask)."""
        picked = np.flatnonzero(rows) if rows.dtype == bool else rows
        ids = self.table.iloc[self.at[picked]].astype(str).to_numpy()
        if self.own is not None:
            given = self.own.iloc[picked]
            ids = np.where(given.isna().to_numpy(), ids, given.astype(str).to_numpy())
        return ids


def units(simulation: Simulation, programme: Programme) -> Units:
    households = simulation.households
    entity = simulation.ruleset.variables[programme.variable].entity
    weight = (
        households["weight"].to_numpy(dtype=np.float64)
        if "weight" in households.columns
        else np.ones(len(households))
    )
    if entity == "person":
        index = simulation.household_of
        return Units(
            entity, index, weight[index], simulation.persons["person_id"], np.arange(len(index))
        )
    if entity == "family":
        index = simulation.family_household
        own = None
        if "family_id" in simulation.persons.columns:
            own = simulation.persons["family_id"].iloc[simulation.family_first]
        return Units(entity, index, weight[index], households["household_id"], index, own)
    index = np.arange(len(households))
    return Units(entity, index, weight, households["household_id"], index)


def on_rows(simulation: Simulation, rows: Units, name: str, default: float) -> np.ndarray:
    """A number of the ruleset's (desil, PMT score) for each row a programme pays, read at the
    rows' own level: a household's for its families and members, a family's for its members,
    and for a household the lowest of its families'. ``default`` where it is unknown."""
    if name not in simulation.ruleset.variables:
        return np.full(rows.count, default)
    values = read(simulation, name).astype(np.float64)
    values = np.where(np.isnan(values), default, values)
    entity = simulation.ruleset.variables[name].entity
    if entity == rows.entity:
        return values
    if entity == "household":
        return values[rows.household]
    if entity == "family" and rows.entity == "person":
        return values[simulation.family_of]
    if entity == "family":  # a household: its poorest family
        lowest = np.full(len(simulation.households), np.inf)
        np.minimum.at(lowest, simulation.family_household, values)
        return np.where(np.isfinite(lowest), lowest, default)
    return np.full(rows.count, default)  # a person's number says nothing of a group


def draws(ids: np.ndarray, programme: str, purpose: str) -> np.ndarray:
    """A uniform number in [0, 1) per id, fixed by the id, the programme and the purpose."""
    key = hashlib.sha256(f"{programme}:{purpose}".encode()).hexdigest()[:16]
    hashed = pd.util.hash_array(np.asarray(ids, dtype=object), hash_key=key, categorize=False)
    return (hashed >> np.uint64(11)).astype(np.float64) / float(2**53)


def drawn_below(rows: Units, where: np.ndarray, programme: str, purpose: str, rate: float):
    """``where``, kept for the rows whose draw falls below ``rate`` (drawn only there)."""
    kept = where.copy()
    if rate >= 1.0 or not where.any():
        return kept if rate >= 1.0 else np.zeros_like(where)
    kept[where] = draws(rows.ids(where), programme, purpose) < rate
    return kept


def parameter(ruleset: Ruleset, path: str | None, day: object, fallback: str, default: float):
    """A programme's parameter on ``day``: its own, else the ruleset-wide one, else default."""
    for candidate in (path, fallback):
        if candidate is not None and ruleset.parameters.get(tuple(candidate.split("."))):
            return float(ruleset.parameters.at(tuple(candidate.split(".")), day))  # type: ignore[arg-type]
    return default


def take_up(ruleset: Ruleset, programme: Programme, day: object) -> float:
    return parameter(ruleset, programme.take_up, day, DEFAULT_TAKE_UP, 1.0)


def consumed(ruleset: Ruleset, programme: Programme, day: object) -> float:
    return parameter(ruleset, programme.consumed, day, DEFAULT_CONSUMED, 1.0)


def recorded(simulation: Simulation, programme: Programme, rows: Units) -> np.ndarray | None:
    """Today's receipt from the data (the receipt variable's column, or values given for the
    period), on the programme's rows; None when the data does not record it."""
    name = programme.receipt
    if name is None or not simulation.has_input(name):
        return None
    values = read(simulation, name).astype(bool)
    entity = simulation.ruleset.variables[name].entity
    if entity == rows.entity:
        return values
    if entity == "household" and rows.entity == "family":
        # A household's receipt is its head's family card's (the registry lists the head's KK).
        return values[rows.household] & head_family(simulation)
    if entity == "household":
        return values[rows.household]
    group = simulation.household_of if rows.entity == "household" else simulation.family_of
    return np.bincount(group, values, rows.count) > 0  # any member's


def head_family(simulation: Simulation) -> np.ndarray:
    """Whether each family is its household's head's (the first family where none is head)."""
    heads = simulation.role_mask("head")
    flagged = np.zeros(simulation.families, dtype=bool)
    flagged[simulation.family_of[heads]] = True
    has_head = np.zeros(len(simulation.households), dtype=bool)
    has_head[simulation.family_household[flagged]] = True
    first = np.zeros(simulation.families, dtype=bool)
    seen = np.unique(simulation.family_household, return_index=True)[1]
    first[seen] = True
    return flagged | (first & ~has_head[simulation.family_household])


def read(simulation: Simulation, name: str) -> np.ndarray:
    """A variable for the simulation's year."""
    return simulation.calculate(name, str(simulation.period.year))


def allot(
    simulation: Simulation,
    programme: Programme,
    rows: Units,
    eligible: np.ndarray,
    amount: np.ndarray,
) -> tuple[np.ndarray, str | None]:
    """Places for eligible rows up to each area's quota, poorest first; and a note when the
    quota could not be applied as declared."""
    quota = programme.quota
    assert quota is not None
    day = simulation.period.start
    area = quota.area
    found = _areas(simulation, area)
    if found is None:
        if quota.budget_rp is not None:  # a budget per desa needs the desa
            return eligible.copy(), "simulate.quota_needs_area"
        found = _areas(simulation, "regency_code")
    if found is None:
        found = (np.zeros(len(simulation.households), np.int64), np.array([""]))
    codes, areas = found
    chosen = np.flatnonzero(eligible)
    placed = np.zeros(rows.count, dtype=bool)
    if not len(chosen):
        return placed, None
    area_of = codes[rows.household[chosen]]
    desil = on_rows(simulation, rows, "desil", 10.0)[chosen]
    score = on_rows(simulation, rows, "pmt_score", np.inf)[chosen]
    tie = draws(rows.ids(chosen), programme.name, "rank")
    order = np.lexsort((tie, score, desil, area_of))  # by area, poorest first
    group = area_of[order]
    weight = rows.weight[chosen][order]

    def per_area(path: str) -> np.ndarray:  # the parameter in each area (regional values)
        return regional_values(simulation.ruleset, path, np.asarray(areas), day)

    if quota.units is not None:
        size, limit = weight, per_area(quota.units)
    elif quota.share is not None:
        size = weight
        limit = per_area(quota.share) * np.bincount(group, weight, minlength=len(areas))
    else:
        size = weight * amount[chosen][order]  # yearly spending on each unit
        limit = per_area(quota.budget_share) * per_area(quota.budget_rp)  # type: ignore[arg-type]
    used = np.cumsum(size)
    before_area = np.r_[0.0, used][np.searchsorted(group, np.arange(len(areas)), side="left")]
    used -= before_area[group]
    # A unit gets a place when at least half of it fits under its area's quota.
    fits = used - size / 2 <= limit[group] + 1e-9
    placed[chosen[order[fits]]] = True
    return placed, None


def _areas(simulation: Simulation, area: str) -> tuple[np.ndarray, np.ndarray] | None:
    """Each household's area at ``area`` (its number among the sorted codes) and the codes,
    from the households' column or values given for the period; None when any is missing."""
    key = f"areas:{area}"
    if key not in simulation.derived:
        simulation.derived[key] = _numbered_areas(simulation, area)
    return simulation.derived[key]  # type: ignore[return-value]


def _numbered_areas(simulation: Simulation, area: str) -> tuple[np.ndarray, np.ndarray] | None:
    households = simulation.households
    if area in households.columns:
        column = households[area]
    elif area in simulation.ruleset.variables and simulation.has_input(area):
        column = pd.Series(read(simulation, area)).replace("", None)
    else:
        return None
    if column.isna().any():
        return None
    codes, labels = pd.factorize(column, sort=True)
    return codes, np.asarray(labels, dtype=str)


@dataclass
class Paid:
    """One programme's payment in one run: who is paid, and on what grounds."""

    programme: Programme
    eligible: np.ndarray
    paid: np.ndarray
    source: Source
    note: str | None = None


def pay_today(simulation: Simulation, programme: Programme) -> Paid:
    """Who receives ``programme`` today (see the module's docstring), given in ``simulation``."""
    rows = units(simulation, programme)
    year = str(simulation.period.year)
    eligible = simulation.calculate(programme.eligible, year).astype(bool)  # type: ignore[arg-type]
    known = recorded(simulation, programme, rows)
    note = None
    if known is not None:
        paid, source = known, "recorded"
    elif programme.quota is not None:
        amount = simulation.calculate(programme.amount, year)  # type: ignore[arg-type]
        placed, note = allot(simulation, programme, rows, eligible, amount)
        rate = take_up(simulation.ruleset, programme, simulation.period.start)
        paid, source = drawn_below(rows, placed, programme.name, "take-up", rate), "quota"
    else:
        paid, source = eligible, "rules"
    simulation.give(paid_name(programme), year, paid)
    return Paid(programme, eligible, paid, source, note)  # type: ignore[arg-type]


def pay_by_rules(simulation: Simulation, programme: Programme) -> Paid:
    """Everyone the rules as written make eligible (the benefit's own formula runs, so a reform
    may change it as it likes)."""
    year = str(simulation.period.year)
    eligible = simulation.calculate(programme.eligible, year).astype(bool)  # type: ignore[arg-type]
    return Paid(programme, eligible, eligible, "rules")


def pay_after_reform(simulation: Simulation, programme: Programme, before: Paid | None) -> Paid:
    """Who receives ``programme`` under a reform: today's receipt changed only where the
    reform changes eligibility (newly eligible units join at the take-up rate)."""
    rows = units(simulation, programme)
    year = str(simulation.period.year)
    eligible = simulation.calculate(programme.eligible, year).astype(bool)  # type: ignore[arg-type]
    if simulation.ruleset.variables[programme.variable].neutralised:
        paid = np.zeros(rows.count, dtype=bool)  # the reform ends the programme
    elif before is None and programme.quota is not None:  # a new programme with its quota
        return dataclasses.replace(pay_today(simulation, programme), source="new")
    else:
        was_eligible = before.eligible if before is not None else np.zeros_like(eligible)
        was_paid = before.paid if before is not None else np.zeros_like(eligible)
        rate = take_up(simulation.ruleset, programme, simulation.period.start)
        joins = drawn_below(
            rows, eligible & ~was_eligible & ~was_paid, programme.name, "take-up-new", rate
        )
        paid = (was_paid & ~(was_eligible & ~eligible)) | joins
    simulation.give(paid_name(programme), year, paid)
    return Paid(programme, eligible, paid, before.source if before is not None else "new")
