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
    """The rows a programme pays (households or persons), with what allotment reads of them."""

    ids: np.ndarray  # household_id or person_id, as text
    household: np.ndarray  # each row's household number
    weight: np.ndarray  # households represented


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
        ids = simulation.persons["person_id"].astype(str).to_numpy()
        return Units(ids, index, weight[index])
    index = np.arange(len(households))
    return Units(households["household_id"].astype(str).to_numpy(), index, weight)


def draws(ids: np.ndarray, programme: str, purpose: str) -> np.ndarray:
    """A uniform number in [0, 1) per id, fixed by the id, the programme and the purpose."""
    key = hashlib.sha256(f"{programme}:{purpose}".encode()).hexdigest()[:16]
    hashed = pd.util.hash_array(np.asarray(ids, dtype=object), hash_key=key, categorize=True)
    return (hashed >> np.uint64(11)).astype(np.float64) / float(2**53)


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
    if simulation.ruleset.variables[name].entity == "household":
        return values[rows.household]
    if len(values) == len(rows.ids):
        return values
    return np.bincount(simulation.household_of, values, len(simulation.households)) > 0


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
    codes = _codes(simulation, area)
    if codes is None:
        if quota.budget_rp is not None:  # a budget per desa needs the desa
            return eligible.copy(), "simulate.quota_needs_area"
        codes = _codes(simulation, "regency_code")
    if codes is None:
        codes = np.full(len(simulation.households), "")
    codes = codes[rows.household]
    desil = _household_number(simulation, "desil", 10.0)[rows.household]
    score = _household_number(simulation, "pmt_score", np.inf)[rows.household]
    tie = draws(rows.ids, programme.name, "rank")
    order = np.lexsort((tie, score, desil, codes))
    order = order[eligible[order]]
    if quota.share is not None:
        share = float(simulation.ruleset.parameters.at(tuple(quota.share.split(".")), day))  # type: ignore[arg-type]
        size = rows.weight[order]
        limit_of = _per_area(codes[order], size * share)
    else:
        size = rows.weight[order] * amount[order]  # yearly spending on each unit
        share = float(simulation.ruleset.parameters.at(tuple(quota.budget_share.split(".")), day))  # type: ignore[union-attr, arg-type]
        budget = regional_values(simulation.ruleset, quota.budget_rp, codes[order], day)  # type: ignore[arg-type]
        limit_of = {code: share * b for code, b in zip(codes[order], budget, strict=True)}
    placed = np.zeros(len(rows.ids), dtype=bool)
    if not len(order):
        return placed, None
    starts = np.flatnonzero(np.r_[True, codes[order][1:] != codes[order][:-1]])
    for first, last in zip(starts, [*starts[1:], len(order)], strict=True):
        used = np.cumsum(size[first:last])
        # A unit gets a place when at least half of it fits under the area's quota.
        fits = used - size[first:last] / 2 <= limit_of[codes[order][first]] + 1e-9
        placed[order[first:last][fits]] = True
    return placed, None


def _per_area(codes: np.ndarray, values: np.ndarray) -> dict[str, float]:
    frame = pd.DataFrame({"code": codes, "value": values})
    return frame.groupby("code")["value"].sum().to_dict()


def _codes(simulation: Simulation, area: str) -> np.ndarray | None:
    """Each household's region code at ``area`` (a variable or a column), or None when any is
    missing."""
    if area in simulation.ruleset.variables and simulation.has_input(area):
        codes = read(simulation, area).astype(str)
        return None if (codes == "").any() else codes
    households = simulation.households
    if area not in households.columns or households[area].isna().any():
        return None
    return households[area].astype(str).to_numpy()


def _household_number(simulation: Simulation, name: str, default: float) -> np.ndarray:
    """A household number the ranking reads (desil, PMT score), ``default`` where unknown."""
    if name in simulation.ruleset.variables:
        values = read(simulation, name).astype(np.float64)
    elif name in simulation.households.columns:
        values = pd.to_numeric(simulation.households[name], errors="coerce").to_numpy(
            dtype=np.float64
        )
    else:
        return np.full(len(simulation.households), default)
    return np.where(np.isnan(values), default, values)


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
        paid, source = placed & (draws(rows.ids, programme.name, "take-up") < rate), "quota"
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
        paid = np.zeros(len(rows.ids), dtype=bool)  # the reform ends the programme
    elif before is None and programme.quota is not None:  # a new programme with its quota
        return dataclasses.replace(pay_today(simulation, programme), source="new")
    else:
        was_eligible = before.eligible if before is not None else np.zeros_like(eligible)
        was_paid = before.paid if before is not None else np.zeros_like(eligible)
        rate = take_up(simulation.ruleset, programme, simulation.period.start)
        joins = eligible & ~was_eligible & ~was_paid
        joins &= draws(rows.ids, programme.name, "take-up-new") < rate
        paid = (was_paid & ~(was_eligible & ~eligible)) | joins
    simulation.give(paid_name(programme), year, paid)
    return Paid(programme, eligible, paid, before.source if before is not None else "new")
