"""Reforms: YAML overlays on a ruleset, checked like the ruleset itself.

::

    name: sembako-300
    description: {id: Sembako naik menjadi Rp300.000, en: Sembako raised to Rp300,000}
    parameters:
      sembako.amount: {2025-07-01: {value: 300000}}   # from that date on
      blt_dana_desa.active: {2025-01-01: {value: true}}
    variables:
      add:        {new_variable: {entity: household, type: float, period: year, formula: …}}
      replace:    {pkh: {formula: …}}                  # the keys given replace the old ones
      neutralise: [pip]                                # always its default value

A parameter change holds from its date onward: earlier values stay, later ones are replaced. Every
name must exist (``add`` must be new), and the reformed ruleset is compiled and checked for cycles
again, so a mistake is reported with the reform's file and line.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from sejahtera.rules.parameters import (
    Located,
    Parameter,
    Parameters,
    RulesFileError,
    dated,
    only_keys,
    read_yaml,
)
from sejahtera.rules.ruleset import Ruleset, Variable, check, variable_from

REFORM_KEYS = {"name", "description", "parameters", "variables"}
VARIABLE_ACTIONS = {"add", "replace", "neutralise"}
_DEFAULT_FORMULA = {"float": "0", "int": "0", "bool": "false", "str": '""'}


def apply_reform(ruleset: Ruleset, path: str | Path) -> Ruleset:
    """``ruleset`` with the reform in ``path`` applied, as a new ruleset (the original stays)."""
    path = Path(path)
    shown = path.name
    content = read_yaml(path, shown) if path.is_file() else None
    if not isinstance(content, Located):
        raise RulesFileError("rules.not_a_reform", file=shown, line=1)
    only_keys(content, REFORM_KEYS, shown)
    leaves = dict(ruleset.parameters.leaves)
    changes = content.get("parameters") or Located()
    if not isinstance(changes, Located):
        raise RulesFileError("rules.not_a_mapping", file=shown, line=content.lines["parameters"])
    for name, values in changes.items():
        line = changes.lines[name]
        key = tuple(str(name).split("."))
        old = leaves.get(key)
        if not isinstance(old, Parameter):
            raise RulesFileError("rules.reform_unknown_parameter", file=shown, line=line, name=name)
        starts, new = dated(values, str(name), shown, line)
        keep = [(s, v) for s, v in zip(old.starts, old.values, strict=True) if s < starts[0]]
        merged = sorted(keep + list(zip(starts, new, strict=True)), key=lambda pair: pair[0])
        leaves[key] = dataclasses.replace(
            old,
            starts=tuple(s for s, _ in merged),
            values=tuple(v for _, v in merged),
            file=shown,
            line=line,
        )
    variables = dict(ruleset.variables)
    actions = content.get("variables") or Located()
    if not isinstance(actions, Located):
        raise RulesFileError("rules.not_a_mapping", file=shown, line=content.lines["variables"])
    only_keys(actions, VARIABLE_ACTIONS, shown)
    for action, entries in actions.items():
        line = actions.lines[action]
        if action == "neutralise":
            for name in entries or []:
                old = _existing(variables, name, shown, line)
                variables[name] = dataclasses.replace(
                    old, formula=_DEFAULT_FORMULA[old.type], file=shown, formula_line=line
                )
            continue
        if not isinstance(entries, Located):
            raise RulesFileError("rules.not_a_mapping", file=shown, line=line)
        for name, entry in entries.items():
            where = entries.lines[name]
            if action == "add":
                if name in variables:
                    raise RulesFileError("rules.reform_exists", file=shown, line=where, name=name)
                variables[str(name)] = variable_from(str(name), entry, shown, where)
            else:
                old = _existing(variables, name, shown, where)
                variables[str(name)] = _replaced(old, entry, shown, where)
    reformed = Ruleset(
        f"{ruleset.name}+{content.get('name', path.stem)}", Parameters(leaves), variables
    )
    check(reformed)
    return reformed


def _existing(variables: dict[str, Variable], name: object, file: str, line: int) -> Variable:
    found = variables.get(str(name))
    if found is None:
        raise RulesFileError("rules.reform_unknown_variable", file=file, line=line, name=name)
    return found


def _replaced(old: Variable, entry: object, file: str, line: int) -> Variable:
    if not isinstance(entry, Located):
        raise RulesFileError("rules.not_a_variable", file=file, line=line, name=old.name)
    merged = Located(
        {k: getattr(old, k) for k in ("entity", "type", "period", "label", "reference", "default")}
    )
    merged.line, merged.lines = line, {k: line for k in merged}
    if old.formula is not None:
        merged["formula"] = old.formula
    for key, value in entry.items():
        merged[key] = value
        merged.lines[key] = entry.lines[key]
    return variable_from(old.name, merged, file, line)
