"""A ruleset: a folder with ``parameters/`` and ``variables/``, checked as a whole when loaded.

Each file in ``variables/`` holds one or more variables::

    pkh_household_benefit:
      entity: household
      type: float            # float, int, bool or str
      period: year           # year or month
      label: {id: Bantuan PKH per keluarga, en: PKH benefit per household}
      reference: Permensos 1/2018
      formula: where(pkh_eligible, members.sum_largest(pkh_component, 4), 0)

A variable without a formula is an input, read from the data (``default`` when absent). Loading
compiles every formula, so an unknown name, a type mismatch or a circular dependency is reported
with its file, line and position before any data is touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from sejahtera.rules.compile import Compiled, Entity, Kind, compile_formula
from sejahtera.rules.expression import FormulaError
from sejahtera.rules.parameters import (
    Located,
    Parameters,
    RulesFileError,
    load_parameters,
    only_keys,
    read_yaml,
)

TYPES: dict[str, Kind] = {"float": "number", "int": "number", "bool": "bool", "str": "text"}
ENTITIES: tuple[Entity, ...] = ("person", "household")
PERIODS = ("year", "month")
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
}


@dataclass(frozen=True)
class Variable:
    name: str
    entity: Entity
    type: str
    period: str
    label: dict[str, str]
    reference: str
    formula: str | None
    default: object
    file: str
    line: int  # of the variable
    formula_line: int  # of its formula
    values: tuple[str, ...] = ()  # the allowed values of a str variable, when listed

    @property
    def kind(self) -> Kind:
        return TYPES[self.type]


@dataclass
class Ruleset:
    name: str
    parameters: Parameters
    variables: dict[str, Variable]
    compiled: dict[str, Compiled] = field(default_factory=dict)

    # The Names protocol of the compiler.
    def variable(self, name: str) -> tuple[Entity, Kind] | None:
        found = self.variables.get(name)
        return None if found is None else (found.entity, found.kind)

    def parameter(self, path: tuple[str, ...]) -> str | None:
        return self.parameters.kind(path)  # type: ignore[return-value]


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
    ruleset = Ruleset(folder.name, parameters, variables)
    check(ruleset)
    return ruleset


def variable_from(name: str, entry: object, file: str, line: int) -> Variable:
    if not isinstance(entry, Located):
        raise RulesFileError("rules.not_a_variable", file=file, line=line, name=name)
    only_keys(entry, VARIABLE_KEYS, file)
    for key, allowed in (("entity", ENTITIES), ("type", tuple(TYPES)), ("period", PERIODS)):
        value = entry.get(key)
        if value not in allowed:
            raise RulesFileError(
                "rules.bad_choice",
                file=file,
                line=entry.lines.get(key, line),
                name=name,
                key=key,
                value=value,
                allowed=", ".join(allowed),
            )
    label = entry.get("label", {})
    if isinstance(label, str):
        label = {"id": label, "en": label}
    formula = entry.get("formula")
    if formula is not None and not isinstance(formula, str | int | float | bool):
        raise RulesFileError(
            "rules.formula_text", file=file, line=entry.lines["formula"], name=name
        )
    defaults = {"float": 0.0, "int": 0, "bool": False, "str": ""}
    return Variable(
        name,
        entry["entity"],
        entry["type"],
        entry["period"],
        dict(label),
        str(entry.get("reference", "")),
        None if formula is None else str(formula),
        entry.get("default", defaults[entry["type"]]),
        file,
        line,
        entry.lines.get("formula", line),
        tuple(map(str, entry.get("values") or ())),
    )


def check(ruleset: Ruleset) -> None:
    """Compile every formula and refuse circular dependencies."""
    for name, variable in ruleset.variables.items():
        if variable.formula is None:
            continue
        try:
            compiled = compile_formula(variable.formula, ruleset, variable.entity)
        except FormulaError as error:
            raise RulesFileError(
                "rules.in_formula",
                file=variable.file,
                line=variable.formula_line,
                name=name,
                detail=str(error),
            ) from None
        if compiled.kind != variable.kind and not (
            variable.kind == "number" and compiled.kind == "bool"
        ):
            raise RulesFileError(
                "rules.formula_kind",
                file=variable.file,
                line=variable.formula_line,
                name=name,
                found=compiled.kind,
                wanted=variable.kind,
            )
        ruleset.compiled[name] = compiled
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
        for used in sorted(ruleset.compiled[name].variables):
            visit(used, [*trail, name])
        state[name] = 2

    for name in ruleset.compiled:
        visit(name, [])
