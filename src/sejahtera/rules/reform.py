"""Reforms: YAML overlays on a ruleset, checked like the ruleset itself.

::

    name: sembako-300
    description: {id: Sembako naik menjadi Rp300.000, en: Sembako raised to Rp300,000}
    parameters:
      sembako.amount: {2025-07-01: {value: 300000}}   # from that date on
      blt_dana_desa.active: {2025-01-01: {value: true}}
      pkh.scale: {brackets: […]}                       # a whole parameter or scale, replaced
      lansia.amount: {description: …, metadata: {unit: IDR/month, reference: …}, values: {…}}
                                                       # a new one, given whole
    variables:
      add:        {new_variable: {entity: household, type: float, period: year, formula: …}}
      replace:    {pkh: {formula: …}}                  # the keys given replace the old ones
      neutralise: [pip]                                # always its default value
    programmes:                                        # as in programmes.yaml
      lansia_daerah: {variable: lansia_daerah, eligible: …, amount: …, funder: apbd_kabupaten}
      pkh: {take_up: pkh.take_up}                      # an existing one: the keys given change

A parameter change holds from its date onward: earlier values stay, later ones are replaced. Every
name must exist (a new parameter is given whole; ``add`` must be new), and the reformed ruleset is
compiled and checked for cycles again, so a mistake is reported with the reform's file and line.
The reformed ruleset lists what changed, with each change's line (``Ruleset.changes``), so that a
scenario can refuse a change that reaches no programme instead of ignoring it.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from sejahtera.rules.parameters import (
    Leaf,
    Located,
    Parameter,
    Parameters,
    RulesFileError,
    dated,
    only_keys,
    parameter_tree,
    read_yaml,
)
from sejahtera.rules.programmes import check_programmes, declarations
from sejahtera.rules.ruleset import Change, Ruleset, Variable, check, variable_from

REFORM_KEYS = {"name", "description", "parameters", "variables", "programmes"}
VARIABLE_ACTIONS = {"add", "replace", "neutralise"}


def apply_reform(ruleset: Ruleset, path: str | Path) -> Ruleset:
    """``ruleset`` with the reform in ``path`` applied, as a new ruleset (the original stays)."""
    path = Path(path)
    shown = path.name
    content = read_yaml(path, shown) if path.is_file() else None
    if not isinstance(content, Located):
        raise RulesFileError("rules.not_a_reform", file=shown, line=1)
    only_keys(content, REFORM_KEYS, shown)
    leaves = dict(ruleset.parameters.leaves)
    done: list[Change] = []
    changes = content.get("parameters") or Located()
    if not isinstance(changes, Located):
        raise RulesFileError("rules.not_a_mapping", file=shown, line=content.lines["parameters"])
    for name, values in changes.items():
        line = changes.lines[name]
        done.append(Change("parameter", str(name), shown, line))
        key = tuple(str(name).split("."))
        old = leaves.get(key)
        whole_given = isinstance(values, Located) and bool({"values", "brackets"} & set(values))
        if old is None and not whole_given:  # a new parameter is given whole, with its metadata
            raise RulesFileError("rules.reform_unknown_parameter", file=shown, line=line, name=name)
        if whole_given:
            whole: dict[tuple[str, ...], Leaf] = {}  # a whole parameter or scale, as it becomes
            parameter_tree(values, key, shown, whole)
            leaves[key] = whole[key]
            continue
        if not isinstance(old, Parameter):  # a scale changes only as a whole
            raise RulesFileError("rules.reform_whole_scale", file=shown, line=line, name=name)
        starts, new = dated(values, str(name), shown, line)
        leaves[key] = _from_date(old, dict(zip(starts, new, strict=True)), file=shown, line=line)
    variables = dict(ruleset.variables)
    actions = content.get("variables") or Located()
    if not isinstance(actions, Located):
        raise RulesFileError("rules.not_a_mapping", file=shown, line=content.lines["variables"])
    only_keys(actions, VARIABLE_ACTIONS, shown)
    for action, entries in actions.items():
        line = actions.lines[action]
        if action == "neutralise":
            for name in entries or []:
                done.append(Change("neutralise", str(name), shown, line))
                old = _existing(variables, name, shown, line)
                variables[name] = dataclasses.replace(old, neutralised=True, file=shown)
            continue
        if not isinstance(entries, Located):
            raise RulesFileError("rules.not_a_mapping", file=shown, line=line)
        for name, entry in entries.items():
            where = entries.lines[name]
            done.append(Change(action, str(name), shown, where))
            if action == "add":
                if name in variables:
                    raise RulesFileError("rules.reform_exists", file=shown, line=where, name=name)
                variables[str(name)] = variable_from(str(name), entry, shown, where)
            else:
                old = _existing(variables, name, shown, where)
                variables[str(name)] = _replaced(old, entry, shown, where)
    declared = dict(ruleset.programmes)
    added = content.get("programmes") or Located()
    if not isinstance(added, Located):
        raise RulesFileError("rules.not_a_mapping", file=shown, line=content.lines["programmes"])
    declared.update(declarations(added, shown, ruleset.programmes))
    done.extend(Change("programme", str(name), shown, added.lines[name]) for name in added)
    return _reformed(
        ruleset, str(content.get("name", path.stem)), leaves, variables, declared, done
    )


def _reformed(
    ruleset: Ruleset,
    name: str,
    leaves: dict[tuple[str, ...], Leaf],
    variables: dict,
    programmes: dict | None = None,
    changes: list[Change] | None = None,
) -> Ruleset:
    reformed = Ruleset(
        f"{ruleset.name}+{name}",
        Parameters(leaves),
        variables,
        roles=ruleset.roles,
        folder=ruleset.folder,
        programmes=dict(ruleset.programmes) if programmes is None else programmes,
        changes=(*ruleset.changes, *(changes or ())),
        # A reformed parameter holds for every region: its regional values no longer apply.
        regional={
            path: rows
            for path, rows in ruleset.regional.items()
            if not any(c.kind == "parameter" and c.name == path for c in changes or ())
        },
    )
    check(reformed)
    check_programmes(reformed, reformed.programmes)
    return reformed


def replace_parameters(ruleset: Ruleset, tree: Located, file: str) -> Ruleset:
    """``ruleset`` with the parameters in ``tree`` (a parameter tree, as in a test case's
    ``parameters:``) replacing those of the same names, all their values included."""
    given: dict[tuple[str, ...], Leaf] = {}
    parameter_tree(tree, (), file, given)
    leaves = dict(ruleset.parameters.leaves)
    for key, leaf in given.items():
        if key not in leaves:
            raise RulesFileError(
                "rules.reform_unknown_parameter", file=file, line=leaf.line, name=".".join(key)
            )
        leaves[key] = leaf
    return _reformed(ruleset, "parameters", leaves, dict(ruleset.variables))


def _existing(variables: dict[str, Variable], name: object, file: str, line: int) -> Variable:
    found = variables.get(str(name))
    if found is None:
        raise RulesFileError("rules.reform_unknown_variable", file=file, line=line, name=name)
    return found


def _replaced(old: Variable, entry: object, file: str, line: int) -> Variable:
    if not isinstance(entry, Located):
        raise RulesFileError("rules.not_a_variable", file=file, line=line, name=old.name)
    kept = ("entity", "type", "period", "label", "reference", "default", "end", "set_input")
    merged = Located({k: getattr(old, k) for k in kept if getattr(old, k) is not None})
    if old.values:
        merged["values"] = list(old.values)
    merged.line, merged.lines = line, {k: line for k in merged}
    if isinstance(old.formula, dict):
        formulas = Located(old.formula)
        formulas.line, formulas.lines = line, {f.start: f.line for f in old.formulas}
        merged["formula"] = formulas
    elif old.formula is not None:
        merged["formula"] = old.formula
    for key, value in entry.items():
        merged[key] = value
        merged.lines[key] = entry.lines[key]
    return variable_from(old.name, merged, file, line)


def with_parameter_values(ruleset: Ruleset, changes: dict[str, dict]) -> Ruleset:
    """``ruleset`` with parameters changed in memory, as a reform file would change them.

    ``changes`` maps a dotted path to ``{start date: value}``. A change holds from its first date
    onward: earlier values stay, later ones are replaced. The result is checked like a reform.
    """
    leaves = dict(ruleset.parameters.leaves)
    for name, values in changes.items():
        key = tuple(name.split("."))
        old = leaves.get(key)
        if not isinstance(old, Parameter):
            raise RulesFileError("rules.reform_unknown_parameter", file="-", line=0, name=name)
        leaves[key] = _from_date(old, values)
    changed = dataclasses.replace(ruleset, parameters=Parameters(leaves), compiled={})
    check(changed)
    return changed


def _from_date(old: Parameter, values: dict, **where: object) -> Parameter:
    """``old`` with ``values`` ({start: value}) from their first date on: earlier values stay,
    later ones are replaced."""
    first = min(values)
    keep = [(s, v) for s, v in zip(old.starts, old.values, strict=True) if s < first]
    merged = sorted(keep + list(values.items()), key=lambda pair: pair[0])
    return dataclasses.replace(
        old,
        starts=tuple(s for s, _ in merged),
        values=tuple(v for _, v in merged),
        cited=tuple((s, r) for s, r in old.cited if s < first),
        **where,
    )
