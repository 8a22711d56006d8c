"""YAML test cases for a ruleset, in OpenFisca's format (``sejahtera rules test``).

A file holds one case or a list of them::

    - name: PKH for a mother and a toddler
      period: 2025
      absolute_error_margin: 1
      input:
        persons:
          ibu: {age: 30, pregnant: true}
          anak: {age: 3}
        households:
          h1: {heads: [ibu], children: [anak], desil: 2}
      output:
        pkh: 6000000              # one value, or one per person/household, or {period: value}
        pbi_jkn_premium: [504000, 504000]

Input is either by entity (``persons``/``person`` and ``households``/``household``, by name or, in
OpenFisca's older form, as a list, and optionally ``axes`` that repeat the situation along a grid
of values, as OpenFisca does) or flat: variables of any entity, for one person in one
household, or for N of each when values are lists of N. Persons not placed in a household get one
each. Group members are listed under the plural of their role (``adults``, ``children``, as
declared in the ruleset's ``entities.yaml``; otherwise the key without its final ``s``).

A value is for the case's period (any period, for an ``eternity`` variable) or by period
(``{2017-01: 2400, 2016: 0}``); other periods fall back to formulas and defaults, as in OpenFisca.
Output is flat (every row of the variable's entity) or by entity and name (``persons: {Alicia:
{income_tax: 360}}``). Expected values may be expressions of the formula language
(``"12 * 200000"``), lists (one per row) or by period.

``reforms`` is a reform file (or a list), relative to the test file, or a name from the ruleset's
``reforms/`` folder (OpenFisca's dotted Python path works: its last part is the name).
``parameters`` replaces the named parameters for the case (OpenFisca replaces the whole tree; a
case that reads parameters it does not give passes here and fails there).

Each household of a case is one family (KK): a family variable (``desil``, ``pkh``) is given
and expected under its household.

``baseline: status_quo`` (a Sejahtera extension) checks what a scenario pays rather than the rules
as written: each programme declared in ``programmes.yaml`` pays its recipients today (its
``receipt`` input, or places allotted by its quota), and with ``reforms`` the reform changes that
as :mod:`sejahtera.simulate.payments` describes (newly eligible units join at the take-up rate,
drawn per unit; set the take-up to 0 or 1 in ``parameters`` to check a case by hand).
``baseline: rules`` pays everyone eligible, as without the key.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sejahtera.rules.compile import compile_formula
from sejahtera.rules.expression import FormulaError
from sejahtera.rules.parameters import Located, RulesFileError, only_keys, read_yaml
from sejahtera.rules.reform import apply_reform, replace_parameters
from sejahtera.rules.ruleset import Ruleset, Variable
from sejahtera.simulate.engine import Period, Simulation

CASE_KEYS = {
    "name",
    "description",
    "period",
    "absolute_error_margin",
    "relative_error_margin",
    "input",
    "output",
    "reforms",
    "parameters",
    "keywords",
    "max_spiral_loops",
    "only_variables",
    "ignore_variables",
    "extensions",
    "baseline",
}
ENTITY_KEYS = {
    "persons": "person",
    "person": "person",
    "households": "household",
    "household": "household",
}


@dataclass
class Failure:
    file: str
    line: int
    name: str
    variable: str
    expected: object
    got: object


@dataclass
class Outcome:
    passed: int = 0
    failures: list[Failure] = field(default_factory=list)


@dataclass
class Situation:
    ids: dict[str, list[str]]  # entity → names, in row order
    persons: pd.DataFrame
    households: pd.DataFrame
    inputs: dict[str, dict[str, object]]  # variable → period → one value per row


def case_files(paths: list[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(path.rglob("*.yaml"))
        else:
            yield path


def run_tests(ruleset: Ruleset, paths: list[Path]) -> Outcome:
    outcome = Outcome()
    for path in case_files(paths):
        shown = str(path)
        content = read_yaml(path, shown)
        cases = content if isinstance(content, list) else [content]
        for case in cases:
            if not isinstance(case, Located):
                raise RulesFileError("rules.not_a_test", file=shown, line=1)
            _run_case(ruleset, case, path, outcome)
    return outcome


def _run_case(ruleset: Ruleset, case: Located, path: Path, outcome: Outcome) -> None:
    shown = str(path)
    only_keys(case, CASE_KEYS, shown)
    period = Period.parse(case.get("period", ""))
    baseline = case.get("baseline")
    if baseline is not None and baseline not in ("status_quo", "rules"):
        raise RulesFileError(
            "rules.test_baseline", file=shown, line=case.lines["baseline"], value=baseline
        )
    original = ruleset
    ruleset = _case_rules(ruleset, case, path)
    raw = _mapping(case.get("input"))
    axes = raw.get("axes")
    if axes is not None:
        raw = _without(raw, "axes")
    situation = _situation(ruleset, raw, period, shown)
    if axes is not None:
        situation = _along_axes(ruleset, situation, axes, period, shown, raw.lines.get("axes", 0))
    if baseline is None:
        simulation = Simulation(
            ruleset, situation.persons, situation.households, str(period), inputs=situation.inputs
        )
    else:  # who is paid today (or by the rules), and under the case's reforms
        from sejahtera.simulate.scenario import paid_simulation

        before = _case_rules(original, case, path, with_reforms=False)
        simulation = paid_simulation(
            before,
            ruleset if case.get("reforms") else None,
            situation.persons,
            situation.households,
            str(period.year),
            situation.inputs,
            baseline,
        )
    absolute = float(case.get("absolute_error_margin", 0) or 0)
    relative = float(case.get("relative_error_margin", 0) or 0)
    name = str(case.get("name", path.stem))
    for variable, row, expected, line in _expectations(ruleset, case, situation, shown):
        by_period = expected if isinstance(expected, dict) else {str(period): expected}
        for when, wanted in by_period.items():
            got = simulation.calculate(variable, str(when))
            got = got if row is None else got[row : row + 1]
            target = _expected(wanted)
            if _matches(got, target, absolute, relative):
                outcome.passed += 1
            else:
                shown_name = (
                    variable
                    if row is None
                    else f"{variable}[{_row_name(situation, ruleset, variable, row)}]"
                )
                outcome.failures.append(
                    Failure(shown, line, name, f"{shown_name}@{when}", target, got.tolist())
                )


def _case_rules(ruleset: Ruleset, case: Located, path: Path, with_reforms: bool = True) -> Ruleset:
    """The ruleset with the case's parameters and (unless ``with_reforms`` is False) reforms."""
    reforms = (case.get("reforms") or []) if with_reforms else []
    for reform in [reforms] if isinstance(reforms, str) else reforms:
        ruleset = apply_reform(ruleset, _reform_file(ruleset, str(reform), path, case))
    if case.get("parameters") is not None:
        tree = case["parameters"]
        if not isinstance(tree, Located):
            raise RulesFileError(
                "rules.not_a_mapping", file=str(path), line=case.lines["parameters"]
            )
        ruleset = replace_parameters(ruleset, tree, str(path))
    return ruleset


def _reform_file(ruleset: Ruleset, reform: str, path: Path, case: Located) -> Path:
    beside = path.parent / reform
    if beside.is_file():
        return beside
    folder = (ruleset.folder / "reforms") if ruleset.folder is not None else None
    named = folder / f"{reform.rsplit('.', 1)[-1]}.yaml" if folder is not None else None
    if named is not None and named.is_file():
        return named
    known = sorted(p.stem for p in folder.glob("*.yaml")) if folder and folder.is_dir() else []
    raise RulesFileError(
        "rules.test_unknown_reform",
        file=str(path),
        line=case.lines.get("reforms", case.line),
        name=reform,
        known=", ".join(known) or "-",
    )


def _mapping(raw: object) -> Located:
    if isinstance(raw, Located):
        return raw
    located = Located(raw or {})
    located.line, located.lines = 0, {}
    return located


def _situation(ruleset: Ruleset, raw: Located, period: Period, file: str) -> Situation:
    if not any(key in ENTITY_KEYS and key not in ruleset.variables for key in raw):
        return _flat(ruleset, raw, period, file)
    persons = _named(raw.get("persons", {"person": raw["person"]} if "person" in raw else {}))
    households = _named(
        raw.get("households", {"household": raw["household"]} if "household" in raw else {})
    )
    person_ids = [str(p) for p in persons]
    household_of: dict[str, str] = {}
    roles: dict[str, str] = {}
    plurals = ruleset.roles
    for hid, members in households.items():
        for key, value in _mapping(members).items():
            if isinstance(value, list) and key not in ruleset.variables:
                for pid in map(str, value):
                    if pid not in person_ids:
                        raise RulesFileError(
                            "rules.test_unknown_person", file=file, line=raw.line, name=pid
                        )
                    household_of[pid] = str(hid)
                    roles[pid] = plurals.get(
                        str(key), str(key)[:-1] if str(key).endswith("s") else str(key)
                    )
    household_ids = [str(h) for h in households]
    first_role = next(iter(plurals.values()), "")
    for pid in person_ids:  # OpenFisca: a person in no household has one of their own
        if pid not in household_of:
            household_of[pid], roles[pid] = pid, first_role
            household_ids.append(pid)
    situation = Situation(
        {"person": person_ids, "household": household_ids, "family": household_ids},
        pd.DataFrame(
            {
                "person_id": person_ids,
                "household_id": [household_of[p] for p in person_ids],
                "role": [roles[p] for p in person_ids],
            }
        ),
        pd.DataFrame({"household_id": household_ids}),
        {},
    )
    for entity, table in (("person", persons), ("household", households)):
        for row, values in enumerate(table.values()):
            for key, value in _mapping(values).items():
                if (
                    entity == "household"
                    and isinstance(value, list)
                    and key not in ruleset.variables
                ):
                    continue  # members by role
                _give(
                    ruleset,
                    situation,
                    entity,
                    row,
                    str(key),
                    value,
                    period,
                    file,
                    _line(values, key),
                )
    return situation


def _without(raw: Located, key: str) -> Located:
    rest = Located({k: v for k, v in raw.items() if k != key})
    rest.line, rest.lines = raw.line, raw.lines
    return rest


def _along_axes(
    ruleset: Ruleset, situation: Situation, axes: object, period: Period, file: str, line: int
) -> Situation:
    """OpenFisca's axes: the situation repeated once per cell of a grid, each cell with its
    value of the axis variables (``[[{name, count, min, max, index, period}]]``: a list of
    perpendicular dimensions, each a list of parallel axes, moving together)."""
    dimensions = axes if isinstance(axes, list) else None
    if not dimensions or not all(isinstance(d, list) and d for d in dimensions):
        raise RulesFileError("rules.test_axes", file=file, line=line)
    counts = [int(dimension[0].get("count", 0)) for dimension in dimensions]
    cells = int(np.prod(counts))
    grid = (
        [np.arange(counts[0], dtype=float)]
        if len(counts) == 1
        else [m.reshape(cells) for m in np.meshgrid(*(np.arange(c, dtype=float) for c in counts))]
    )
    sizes = {entity: len(ids) for entity, ids in situation.ids.items()}
    ids = {
        e: [f"{i}#{c}" for c in range(cells) for i in names] for e, names in situation.ids.items()
    }
    persons = situation.persons.loc[np.tile(np.arange(sizes["person"]), cells)].reset_index(
        drop=True
    )
    persons["person_id"] = ids["person"]
    home = {h: n for n, h in enumerate(situation.ids["household"])}
    persons["household_id"] = [
        ids["household"][cell * sizes["household"] + home[h]]
        for cell in range(cells)
        for h in situation.persons["household_id"]
    ]
    inputs = {
        name: {when: np.tile(values, cells) for when, values in by_period.items()}
        for name, by_period in situation.inputs.items()
    }
    for dimension, steps, count in zip(dimensions, grid, counts, strict=True):
        for axis in dimension:
            if not isinstance(axis, dict) or not {"name", "min", "max"} <= set(axis):
                raise RulesFileError("rules.test_axes", file=file, line=line)
            variable = ruleset.variables.get(str(axis["name"]))
            if variable is None:
                raise RulesFileError(
                    "rules.test_unknown_variable", file=file, line=line, name=axis["name"]
                )
            when = str(axis.get("period", _own_period(variable, period)))
            size = sizes[variable.entity]
            slot = inputs.setdefault(variable.name, {})
            if when not in slot:
                slot[when] = np.full(size * cells, variable.default, dtype=object)
            low, high = float(axis["min"]), float(axis["max"])
            step = (high - low) / (count - 1) if count > 1 else 0.0
            slot[when][int(axis.get("index", 0)) :: size] = low + steps * step
    return Situation(ids, persons, pd.DataFrame({"household_id": ids["household"]}), inputs)


def _flat(ruleset: Ruleset, raw: Located, period: Period, file: str) -> Situation:
    """Variables of any entity for one person in one household, or N of each (list values)."""
    count = max([len(v) for v in raw.values() if isinstance(v, list)] or [1])
    ids = [f"#{i + 1}" for i in range(count)] if count > 1 else ["person"]
    first_role = next(iter(ruleset.roles.values()), "")
    situation = Situation(
        {"person": ids, "household": ids, "family": ids},
        pd.DataFrame({"person_id": ids, "household_id": ids, "role": first_role}),
        pd.DataFrame({"household_id": ids}),
        {},
    )
    for key, value in raw.items():
        _give(ruleset, situation, None, None, str(key), value, period, file, _line(raw, key))
    return situation


def _give(
    ruleset: Ruleset,
    situation: Situation,
    entity: str | None,
    row: int | None,
    name: str,
    value: object,
    period: Period,
    file: str,
    line: int,
) -> None:
    """Record ``value`` of variable ``name`` for one row (or every row, when ``row`` is None)."""
    variable = ruleset.variables.get(name)
    if variable is None or not _same_rows(entity, variable.entity):
        raise RulesFileError("rules.test_unknown_variable", file=file, line=line, name=name)
    rows = len(situation.ids[variable.entity])
    by_period = value if isinstance(value, dict) else {_own_period(variable, period): value}
    for when, given in by_period.items():
        slot = situation.inputs.setdefault(name, {})
        key = str(when)
        if key not in slot:
            slot[key] = np.full(rows, variable.default, dtype=object)
        if row is None:
            slot[key][:] = given if not isinstance(given, list) else np.asarray(given, dtype=object)
        else:
            slot[key][row] = given


def _own_period(variable: Variable, period: Period) -> str:
    """The period a value given without one is for: the case's (its year, for a yearly one)."""
    if variable.period == "year":
        return str(period.year)
    return str(period)


def _expectations(
    ruleset: Ruleset, case: Located, situation: Situation, file: str
) -> Iterator[tuple[str, int | None, object, int]]:
    """(variable, row or None for every row, expected, line) for each expected output."""
    output = _mapping(case.get("output"))
    for key, expected in output.items():
        line = output.lines.get(key, case.line) if isinstance(output, Located) else case.line
        entity = ENTITY_KEYS.get(str(key)) if key not in ruleset.variables else None
        if entity is None:
            _known(ruleset, str(key), None, file, line)
            yield str(key), None, expected, line
            continue
        named = {"only": expected} if str(key) in ("person", "household") else _named(expected)
        for who, values in named.items():
            values = _mapping(values)
            if str(key) in ("person", "household"):
                row = 0
            elif str(who) in situation.ids[entity]:
                row = situation.ids[entity].index(str(who))
            else:
                raise RulesFileError("rules.test_unknown_person", file=file, line=line, name=who)
            for variable, wanted in values.items():
                _known(ruleset, str(variable), entity, file, _line(values, variable, line))
                yield str(variable), row, wanted, _line(values, variable, line)


def _known(ruleset: Ruleset, name: str, entity: str | None, file: str, line: int) -> None:
    variable = ruleset.variables.get(name)
    if variable is None or not _same_rows(entity, variable.entity):
        raise RulesFileError("rules.test_unknown_variable", file=file, line=line, name=name)


def _same_rows(given: str | None, wanted: str) -> bool:
    """A value given for ``given`` rows fits a variable of ``wanted``: each household of a case
    is one family, so a family's values are given (and expected) under its household."""
    return given is None or given == wanted or (given == "household" and wanted == "family")


def _line(values: object, key: object, default: int = 0) -> int:
    lines = getattr(values, "lines", {})
    return int(lines.get(key, getattr(values, "line", default)))


def _row_name(situation: Situation, ruleset: Ruleset, variable: str, row: int) -> str:
    return situation.ids[ruleset.variables[variable].entity][row]


def _named(raw: object) -> dict:
    """``{id: values}``, also from OpenFisca's older list form ``[{id: x, …}, …]``."""
    if isinstance(raw, list):
        return {
            item.get("id", f"#{i}"): {k: v for k, v in item.items() if k != "id"}
            for i, item in enumerate(raw)
        }
    return dict(raw or {})


class _NoNames:
    def variable(self, name: str) -> None:
        return None

    def parameter(self, path: tuple[str, ...]) -> None:
        return None

    def role(self, name: str) -> bool:
        return False


def _expected(value: object) -> object:
    if isinstance(value, str):
        try:
            return compile_formula(value, _NoNames(), "household").evaluate(None)  # type: ignore[arg-type]
        except FormulaError:
            return value
    return value


def _matches(got: np.ndarray, expected: object, absolute: float, relative: float) -> bool:
    wanted = np.asarray(expected)
    if wanted.size not in (1, got.size):
        return False
    if got.dtype.kind in "fiub" and wanted.dtype.kind in "fiub":
        return bool(
            np.all(
                np.isclose(got.astype(float), wanted.astype(float), atol=absolute, rtol=relative)
            )
        )
    if got.dtype.kind == "M":
        wanted = np.asarray(wanted, dtype="datetime64[D]")
    return bool(np.all(got.astype(str) == wanted.astype(str)))
