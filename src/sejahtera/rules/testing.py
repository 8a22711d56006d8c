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

A case whose input has no ``persons`` is one person in one household. Group members are listed
under role keys (``parents``, ``children``, ``heads``…); the role is the key without its plural
``s``. An input value may be given by period (``{2025-01: 2400}``): the value for the case's period
is used. Expected values may be expressions of the formula language (``"12 * 200000"``).
``reforms`` lists reform files, relative to the test file.
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
from sejahtera.rules.reform import apply_reform
from sejahtera.rules.ruleset import Ruleset
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
    "keywords",
    "max_spiral_loops",
    "only_variables",
    "ignore_variables",
    "extensions",
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
    for reform in case.get("reforms") or []:
        ruleset = apply_reform(ruleset, path.parent / str(reform))
    persons, households = _situation(case.get("input") or Located(), period, ruleset, shown, case)
    simulation = Simulation(ruleset, persons, households, str(period))
    absolute = float(case.get("absolute_error_margin", 0) or 0)
    relative = float(case.get("relative_error_margin", 0) or 0)
    name = str(case.get("name", path.stem))
    output = case.get("output") or Located()
    for variable, expected in output.items():
        line = output.lines[variable] if isinstance(output, Located) else case.line
        if variable not in ruleset.variables:
            raise RulesFileError(
                "rules.test_unknown_variable", file=shown, line=line, name=variable
            )
        by_period = expected if isinstance(expected, dict) else {str(period): expected}
        for when, wanted in by_period.items():
            got = simulation.calculate(str(variable), str(when))
            target = _expected(wanted, shown, line)
            if _matches(got, target, absolute, relative):
                outcome.passed += 1
            else:
                outcome.failures.append(
                    Failure(shown, line, name, f"{variable}@{when}", target, got.tolist())
                )


def _situation(
    raw: Located, period: Period, ruleset: Ruleset, file: str, case: Located
) -> tuple[pd.DataFrame, pd.DataFrame]:
    persons_raw = raw.get("persons")
    households_raw = raw.get("households")
    if persons_raw is None:  # a single person in a single household
        person_values = {k: v for k, v in raw.items() if k != "households"}
        persons_raw = {"person": _of_entity(person_values, ruleset, "person")}
        households_raw = {
            "household": {"members": ["person"], **_of_entity(person_values, ruleset, "household")}
        }
    persons_raw = _named(persons_raw)
    households_raw = _named(households_raw or {"household": {"members": list(persons_raw)}})
    person_rows = {pid: {"person_id": str(pid)} for pid in persons_raw}
    household_rows = []
    for hid, members in households_raw.items():
        row: dict[str, object] = {"household_id": str(hid)}
        for key, value in (members or {}).items():
            if isinstance(value, list):
                role = str(key)[:-1] if str(key).endswith("s") else str(key)
                for pid in value:
                    if pid not in person_rows:
                        raise RulesFileError(
                            "rules.test_unknown_person", file=file, line=case.line, name=pid
                        )
                    person_rows[pid].update(household_id=str(hid), role=role)
            else:
                row[str(key)] = _at(value, period)
        household_rows.append(row)
    for pid, values in persons_raw.items():
        person_rows[pid].update({str(k): _at(v, period) for k, v in (values or {}).items()})
        person_rows[pid].setdefault("household_id", str(next(iter(households_raw))))
    return pd.DataFrame(list(person_rows.values())), pd.DataFrame(household_rows)


def _named(raw: object) -> dict:
    """``{id: values}``, also from OpenFisca's older list form ``[{id: x, …}, …]``."""
    if isinstance(raw, list):
        return {
            item.get("id", f"#{i}"): {k: v for k, v in item.items() if k != "id"}
            for i, item in enumerate(raw)
        }
    return dict(raw or {})


def _of_entity(values: dict, ruleset: Ruleset, entity: str) -> dict:
    return {
        k: v
        for k, v in values.items()
        if k in ruleset.variables and ruleset.variables[k].entity == entity
    }


def _at(value: object, period: Period) -> object:
    """An input given by period: the value for ``period`` (or the period that contains it)."""
    if not isinstance(value, dict):
        return value
    chosen = {str(k): v for k, v in value.items()}
    for key in (str(period), str(period.year), *sorted(chosen)):
        if key in chosen:
            return chosen[key]
    return None


class _NoNames:
    def variable(self, name: str) -> None:
        return None

    def parameter(self, path: tuple[str, ...]) -> None:
        return None


def _expected(value: object, file: str, line: int) -> object:
    if isinstance(value, str):
        try:
            return compile_formula(value, _NoNames(), "household").evaluate(None)  # type: ignore[arg-type]
        except FormulaError:
            return value
    return value


def _matches(got: np.ndarray, expected: object, absolute: float, relative: float) -> bool:
    wanted = np.asarray(expected)
    if got.dtype.kind in "fiub" and wanted.dtype.kind in "fiub":
        if wanted.size not in (1, got.size):
            return False
        return bool(
            np.all(
                np.isclose(got.astype(float), wanted.astype(float), atol=absolute, rtol=relative)
            )
        )
    return bool(np.all(got.astype(str) == wanted.astype(str)))
