"""A ruleset: a folder with ``parameters/`` and ``variables/``, checked as a whole when loaded.

Each file in ``variables/`` holds one or more variables::

    pkh_household_benefit:
      entity: household
      type: float            # float, int, bool, str or date
      period: year           # year, month or eternity (never changes, like a birth date)
      label: {id: Bantuan PKH per keluarga, en: PKH benefit per household}
      reference: Permensos 1/2018
      formula: where(pkh_eligible, members.sum_largest(pkh_component, 4), 0)

A rule that changes over time has one formula per start date (``formula: {2015-12-01: …,
2016-12-01: …}``); before the first, and after ``end``, the variable has its default value. A str
variable may list its ``values`` (an enumeration). ``set_input: divide`` (or ``dispatch``) lets a
monthly input be given for a year: divided among the months (or repeated in each).

A variable without a formula is an input, read from the data (``default`` when absent). Household
roles (``adult``, ``child``…) may be declared in ``entities.yaml`` with their plurals. Loading
compiles every formula, so an unknown name, a type mismatch or a circular dependency is reported
with its file, line and position before any data is touched.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from sejahtera.rules.compile import Compiled, Entity, Kind, compile_formula
from sejahtera.rules.expression import FormulaError
from sejahtera.rules.parameters import (
    Located,
    Parameters,
    RulesFileError,
    Text,
    bilingual,
    load_parameters,
    only_keys,
    read_yaml,
)
from sejahtera.rules.programmes import (
    DECLARATIONS,
    Programme,
    check_programmes,
    read_programmes,
)
from sejahtera.rules.regional import RegionalValue, read_regional
from sejahtera.rules.shared import repeated_parts
from sejahtera.version import __version__

TYPES: dict[str, Kind] = {
    "float": "number",
    "int": "number",
    "bool": "bool",
    "str": "text",
    "date": "date",
}
ENTITIES: tuple[Entity, ...] = ("person", "household", "family")
PERIODS = ("year", "month", "eternity")
SET_INPUT = ("divide", "dispatch")
VARIABLE_KEYS = {
    "entity",
    "type",
    "period",
    "label",
    "reference",
    "formula",
    "default",
    "description",
    "unit",
    "values",
    "end",
    "set_input",
}
DEFAULTS = {"float": 0.0, "int": 0, "bool": False, "str": "", "date": datetime.date(1970, 1, 1)}


@dataclass(frozen=True)
class Formula:
    """One formula of a variable, in force from ``start`` (always, when None)."""

    start: datetime.date | None
    text: str
    line: int


@dataclass(frozen=True)
class Variable:
    name: str
    entity: Entity
    type: str
    period: str
    label: dict[str, str]
    reference: Text
    formulas: tuple[Formula, ...]  # by start date; none: an input
    default: object
    file: str
    line: int  # of the variable
    values: tuple[str, ...] = ()  # the allowed values of a str variable, when listed
    end: datetime.date | None = None  # its default value after this day
    set_input: str | None = None  # a year's input of a monthly variable: divide or dispatch
    neutralised: bool = False  # by a reform: always its default value

    @property
    def kind(self) -> Kind:
        return TYPES[self.type]

    @property
    def formula(self) -> str | dict[datetime.date, str] | None:
        """The formula as written: one text, or texts by start date."""
        if not self.formulas:
            return None
        if len(self.formulas) == 1 and self.formulas[0].start is None:
            return self.formulas[0].text
        return {f.start: f.text for f in self.formulas}  # type: ignore[misc]

    @property
    def formula_line(self) -> int:
        return self.formulas[0].line if self.formulas else self.line

    def formula_at(self, day: datetime.date) -> int | None:
        """The index of the formula in force on ``day``; None before the first or after the end."""
        if self.neutralised or (self.end is not None and day > self.end):
            return None
        found = None
        for index, formula in enumerate(self.formulas):
            if formula.start is None or formula.start <= day:
                found = index
        return found


@dataclass(frozen=True)
class Change:
    """One change a reform made: to a ``parameter``, or a variable it ``add``-ed, ``replace``-d
    or ``neutralise``-d, or a ``programme`` it declared; with the reform's file and line."""

    kind: str
    name: str
    file: str
    line: int


@dataclass
class Ruleset:
    name: str
    parameters: Parameters
    variables: dict[str, Variable]
    compiled: dict[str, tuple[Compiled, ...]] = field(default_factory=dict)  # one per formula
    roles: dict[str, str] = field(default_factory=dict)  # a role's plural → the role
    folder: Path | None = None
    programmes: dict[str, Programme] = field(default_factory=dict)  # from programmes.yaml
    changes: tuple[Change, ...] = ()  # what the reforms applied to it changed, where
    regional: dict[str, tuple[RegionalValue, ...]] = field(default_factory=dict)  # by parameter

    # The Names protocol of the compiler.
    def variable(self, name: str) -> tuple[Entity, Kind] | None:
        found = self.variables.get(name)
        return None if found is None else (found.entity, found.kind)

    def parameter(self, path: tuple[str, ...]) -> str | None:
        return self.parameters.kind(path)  # type: ignore[return-value]

    def role(self, name: str) -> bool:
        return not self.roles or name in self.roles.values()

    def check_days(self, name: str, days: list[datetime.date]) -> None:
        """Refuse, before any data is read, a parameter with no value on one of ``days`` that a
        formula in force then reads, among those ``name`` needs (itself included)."""
        needed, waiting = set(), [name]
        while waiting:
            current = waiting.pop()
            if current not in needed:
                needed.add(current)
                waiting.extend(self.uses(current))
        for each in sorted(needed & self.compiled.keys()):
            compiled, variable = self.compiled[each], self.variables[each]
            for day in days:
                chosen = variable.formula_at(day)
                for path in sorted(compiled[chosen].parameters) if chosen is not None else ():
                    leaf = self.parameters.get(path)
                    if leaf is not None:
                        leaf.at(day)  # raises rules.no_value with the parameter's file and line

    def uses(self, name: str) -> frozenset[str]:
        """The variables any formula of ``name`` reads."""
        return frozenset().union(*(c.variables for c in self.compiled.get(name, ())))


def ruleset_version(ruleset: Ruleset) -> str:
    """Sejahtera's version and a digest of the ruleset's files (YAML and CSV, with their names):
    the same text gives the same version. What a programme cycle, a scenario run and a brief
    record as the version of the rules they ran."""
    digest = hashlib.sha256()
    folder = Path(ruleset.folder) if ruleset.folder else None
    for path in sorted(folder.rglob("*")) if folder else ():
        if path.is_file() and path.suffix in (".yaml", ".yml", ".csv"):
            digest.update(str(path.relative_to(folder)).encode())
            digest.update(path.read_bytes())
    return f"{__version__}+{digest.hexdigest()[:12]}"


def shipped_rulesets() -> list[str]:
    """Names of the rulesets that ship with Sejahtera (``indonesia``, …)."""
    folder = Path(str(resources.files("sejahtera").joinpath("rulesets")))
    return sorted(p.name for p in folder.iterdir() if (p / "variables").is_dir())


def load_ruleset(folder: str | Path) -> Ruleset:
    """Read and check the ruleset in ``folder``, or the shipped one of that name."""
    folder = Path(folder)
    if not folder.is_dir() and str(folder) in shipped_rulesets():
        folder = Path(str(resources.files("sejahtera").joinpath("rulesets", str(folder))))
    if not folder.is_dir():
        raise RulesFileError("rules.no_ruleset", file=str(folder), line=0)
    parameters_folder = folder / "parameters"
    parameters = (
        load_parameters(parameters_folder, folder) if parameters_folder.is_dir() else Parameters({})
    )
    variables: dict[str, Variable] = {}
    for path in sorted((folder / "variables").rglob("*.yaml")):
        shown = str(path.relative_to(folder))
        content = read_yaml(path, shown)
        if content is None:
            continue
        if not isinstance(content, Located):
            raise RulesFileError("rules.not_a_mapping", file=shown, line=1)
        for name, entry in content.items():
            line = content.lines[name]
            if name in variables:
                raise RulesFileError(
                    "rules.duplicate_variable",
                    file=shown,
                    line=line,
                    name=name,
                    other=variables[name].file,
                )
            variables[str(name)] = variable_from(str(name), entry, shown, line)
    ruleset = Ruleset(
        folder.name,
        parameters,
        variables,
        roles=_roles(folder),
        folder=folder,
        regional=read_regional(folder, parameters),
    )
    check(ruleset)
    declared = folder / DECLARATIONS
    if declared.is_file():
        ruleset.programmes = read_programmes(declared, DECLARATIONS)
        check_programmes(ruleset, ruleset.programmes)
    return ruleset


def _roles(folder: Path) -> dict[str, str]:
    """Household roles from ``entities.yaml`` (``household: {roles: [{key, plural}]}``)."""
    path = folder / "entities.yaml"
    if not path.is_file():
        return {}
    content = read_yaml(path, path.name)
    household = content.get("household") if isinstance(content, Located) else None
    roles = household.get("roles") if isinstance(household, Located) else None
    if not isinstance(roles, list):
        raise RulesFileError("rules.entities", file=path.name, line=getattr(content, "line", 1))
    found = {}
    for role in roles:
        if not isinstance(role, Located) or "key" not in role:
            raise RulesFileError("rules.entities", file=path.name, line=household.line)
        found[str(role.get("plural", f"{role['key']}s"))] = str(role["key"])
    return found


def variable_from(name: str, entry: object, file: str, line: int) -> Variable:
    if not isinstance(entry, Located):
        raise RulesFileError("rules.not_a_variable", file=file, line=line, name=name)
    only_keys(entry, VARIABLE_KEYS, file)
    for key, allowed in (("entity", ENTITIES), ("type", tuple(TYPES)), ("period", PERIODS)):
        value = entry.get(key)
        if value not in allowed:
            _bad_choice(entry, name, key, allowed, file, line)
    if entry.get("set_input") not in (None, *SET_INPUT):
        _bad_choice(entry, name, "set_input", SET_INPUT, file, line)
    label = bilingual(entry.get("label"), file, entry.lines.get("label", line)).to_dict()
    end = entry.get("end")
    if end is not None and not isinstance(end, datetime.date):
        raise RulesFileError("rules.bad_date", file=file, line=entry.lines["end"], value=end)
    return Variable(
        name,
        entry["entity"],
        entry["type"],
        entry["period"],
        label,
        bilingual(entry.get("reference"), file, entry.lines.get("reference", line)),
        _formulas(entry, name, file, line),
        entry.get("default", DEFAULTS[entry["type"]]),
        file,
        line,
        tuple(map(str, entry.get("values") or ())),
        end,
        entry.get("set_input"),
    )


def _bad_choice(
    entry: Located, name: str, key: str, allowed: tuple[str, ...], file: str, line: int
) -> None:
    raise RulesFileError(
        "rules.bad_choice",
        file=file,
        line=entry.lines.get(key, line),
        name=name,
        key=key,
        value=entry.get(key),
        allowed=", ".join(allowed),
    )


def _formulas(entry: Located, name: str, file: str, line: int) -> tuple[Formula, ...]:
    """``formula: text`` or, for rules that change over time, ``formula: {2016-12-01: text}``."""
    raw = entry.get("formula")
    if raw is None:
        return ()
    where = entry.lines["formula"]
    if isinstance(raw, str | int | float | bool):
        return (Formula(None, str(raw), where),)
    if not isinstance(raw, Located) or not raw:
        raise RulesFileError("rules.formula_text", file=file, line=where, name=name)
    formulas = []
    for start, text in raw.items():
        at = raw.lines[start]
        if not isinstance(start, datetime.date) or isinstance(start, datetime.datetime):
            raise RulesFileError("rules.bad_date", file=file, line=at, value=start)
        if not isinstance(text, str | int | float | bool):
            raise RulesFileError("rules.formula_text", file=file, line=at, name=name)
        formulas.append(Formula(start, str(text), at))
    return tuple(sorted(formulas, key=lambda f: f.start))  # type: ignore[arg-type, return-value]


def check(ruleset: Ruleset) -> None:
    """Compile every formula and refuse circular dependencies."""
    shared: set[tuple] = set()
    with contextlib.suppress(FormulaError):  # a syntax error is reported below, with its line
        shared = repeated_parts([f.text for v in ruleset.variables.values() for f in v.formulas])
    for name, variable in ruleset.variables.items():
        compiled = []
        for formula in variable.formulas:
            try:
                one = compile_formula(formula.text, ruleset, variable.entity, shared)
            except FormulaError as error:
                raise RulesFileError(
                    "rules.in_formula",
                    file=variable.file,
                    line=formula.line,
                    name=name,
                    detail=str(error),
                ) from None
            if one.kind != variable.kind and not (variable.kind == "number" and one.kind == "bool"):
                raise RulesFileError(
                    "rules.formula_kind",
                    file=variable.file,
                    line=formula.line,
                    name=name,
                    found=one.kind,
                    wanted=variable.kind,
                )
            compiled.append(one)
        if compiled:
            ruleset.compiled[name] = tuple(compiled)
    _refuse_cycles(ruleset)


def _refuse_cycles(ruleset: Ruleset) -> None:
    state: dict[str, int] = {}  # 1: being visited, 2: done

    def visit(name: str, trail: list[str]) -> None:
        if state.get(name) == 2 or name not in ruleset.compiled:
            return
        if state.get(name) == 1:
            cycle = [*trail[trail.index(name) :], name]
            variable = ruleset.variables[name]
            raise RulesFileError(
                "rules.cycle",
                file=variable.file,
                line=variable.formula_line,
                cycle=" → ".join(cycle),
            )
        state[name] = 1
        for used in sorted(ruleset.uses(name)):
            visit(used, [*trail, name])
        state[name] = 2

    for name in ruleset.compiled:
        visit(name, [])
