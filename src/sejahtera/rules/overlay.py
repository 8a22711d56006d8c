"""A reform given as data, as the scenario studio's forms and the REST API give it, and the
reform file it is: the same YAML ``sejahtera simulate --reform`` reads.

::

    overlay = Overlay(
        name="pkh-desil-5",
        period="2025",
        changes={"pkh.max_desil": 5},           # parameter path → its value from the period on
        templates=("lansia-daerah",),          # shipped reforms that add a programme
        formulas={"sembako_eligible": "desil <= 3 and pmt_score <= 14"},  # a rule rewritten
    )
    overlay.text(ruleset)       # the reform file
    overlay.write(ruleset, folder)  # … written as folder/pkh-desil-5.yaml, for apply_reform

A template is copied whole (its parameters, added variables and programmes); a change to one of
its own parameters replaces the template's value from the period on, and a formula for one of
its own variables replaces the template's formula. Any other change is an ordinary reform entry:
``pkh.max_desil: {2025-01-01: {value: 5}}`` and ``variables: {replace: {name: {formula: …}}}``.

:func:`check_value` refuses a value that does not fit its parameter's unit (a desil outside
1–10, a share above 100 %, a negative amount), and :func:`check_formula` a rule the formula
language cannot read, saying where: the line and column in the text and the parser's message.
"""

from __future__ import annotations

import datetime
import math
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from sejahtera.errors import SejahteraError
from sejahtera.i18n import text
from sejahtera.rules.compile import compile_formula
from sejahtera.rules.expression import FormulaError
from sejahtera.rules.parameters import Parameter, bilingual, read_yaml
from sejahtera.rules.reform import apply_reform
from sejahtera.rules.ruleset import Ruleset

REFORMS = "reforms"


@dataclass(frozen=True)
class Template:
    """A shipped reform that adds programmes (``lansia-daerah``): its file and what it adds."""

    name: str
    path: Path
    description: dict[str, str]
    programmes: tuple[str, ...]
    inputs: tuple[str, ...]  # the variables it adds without a formula: read from the data

    def title(self, language_code: str) -> str:
        return self.description.get(language_code) or self.description.get("id") or self.name


def templates(ruleset: Ruleset) -> dict[str, Template]:
    """The reforms shipped in the ruleset's ``reforms/`` folder that add a programme."""
    if ruleset.folder is None:
        return {}
    return dict(_templates(Path(ruleset.folder) / REFORMS, tuple(ruleset.programmes)))


@cache
def _templates(folder: Path, existing: tuple[str, ...]) -> tuple[tuple[str, Template], ...]:
    found = []
    for path in sorted(folder.glob("*.yaml")):
        content = plain(read_yaml(path, path.name)) or {}
        added = tuple(n for n in content.get("programmes") or {} if n not in existing)
        if not added:
            continue
        description = bilingual(content.get("description"), path.name, 1).to_dict()
        variables = (content.get("variables") or {}).get("add") or {}
        inputs = tuple(n for n, v in variables.items() if "formula" not in (v or {}))
        found.append((path.stem, Template(path.stem, path, description, added, inputs)))
    return tuple(found)


@dataclass(frozen=True)
class Overlay:
    """A reform as data (see the module's docstring)."""

    name: str
    period: str
    changes: Mapping[str, object] = field(default_factory=dict)
    templates: tuple[str, ...] = ()
    formulas: Mapping[str, str] = field(default_factory=dict)
    description: str = ""

    @property
    def start(self) -> datetime.date:
        """The first day of the period: changes hold from then on."""
        return datetime.date(int(str(self.period)[:4]), 1, 1)

    def document(self, ruleset: Ruleset) -> dict[str, object]:
        """The reform file's content: the templates merged, then the changes and formulas."""
        shipped = templates(ruleset)
        parameters: dict[str, object] = {}
        added: dict[str, dict] = {}
        programmes: dict[str, object] = {}
        for name in self.templates:
            if name not in shipped:
                raise SejahteraError(
                    "overlay.unknown_template", name=name, known=", ".join(shipped) or "-"
                )
            content = plain(read_yaml(shipped[name].path, shipped[name].path.name))
            for part, into in (
                (content.get("parameters") or {}, parameters),
                ((content.get("variables") or {}).get("add") or {}, added),
                (content.get("programmes") or {}, programmes),
            ):
                for key, value in part.items():
                    if key in into:
                        raise SejahteraError("overlay.templates_clash", name=key)
                    into[key] = value
        for path, value in self.changes.items():
            entry = parameters.get(path)
            if isinstance(entry, dict) and "values" in entry:  # a template's own parameter
                kept = {d: v for d, v in entry["values"].items() if d < self.start}
                entry["values"] = {**kept, self.start: {"value": value}}
            else:
                parameters[path] = {self.start: {"value": value}}
        replaced: dict[str, dict] = {}
        for variable, formula in self.formulas.items():
            if variable in added:
                added[variable]["formula"] = formula
            else:
                replaced[variable] = {"formula": formula}
        document: dict[str, object] = {"name": self.name}
        if self.description:
            document["description"] = {"id": self.description, "en": self.description}
        variables = {k: v for k, v in (("add", added), ("replace", replaced)) if v}
        for key, value in (
            ("parameters", parameters),
            ("variables", variables),
            ("programmes", programmes),
        ):
            if value:
                document[key] = value
        return document

    def text(self, ruleset: Ruleset) -> str:
        """The reform file, as ``sejahtera simulate --reform`` reads it."""
        header = (
            f"# Reform written by the scenario studio from ruleset {ruleset.name}, "
            f"period {self.period}.\n"
        )
        body = yaml.safe_dump(
            self.document(ruleset), sort_keys=False, allow_unicode=True, width=100
        )
        return header + body

    def write(self, ruleset: Ruleset, folder: Path) -> Path:
        """The reform file written in ``folder`` (named after the overlay)."""
        path = Path(folder) / f"{_file_name(self.name)}.yaml"
        path.write_text(self.text(ruleset), encoding="utf-8")
        return path

    def check_inputs(self, ruleset: Ruleset, columns: set[str]) -> None:
        """Refuse a template that reads a column the data lack (``topup-wilayah`` reads
        ``priority_area``): without it the programme would silently reach no one."""
        shipped = templates(ruleset)
        for name in self.templates:
            for column in shipped[name].inputs if name in shipped else ():
                if column not in columns:
                    raise SejahteraError("overlay.missing_input", template=name, column=column)

    def apply(self, ruleset: Ruleset) -> Ruleset:
        """``ruleset`` with this reform applied (as :func:`~.reform.apply_reform` applies the
        file), every name and formula checked."""
        with tempfile.TemporaryDirectory(prefix="sejahtera-overlay-") as folder:
            return apply_reform(ruleset, self.write(ruleset, Path(folder)))


def _file_name(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "-_" else "-" for c in name.strip().lower())
    return cleaned.strip("-")[:60] or "scenario"


def plain(value: object) -> object:
    """YAML content as plain dicts and lists (the reader's ``Located`` mappings keep lines)."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


# Checking what a form or the API gives.

_DESIL = (1, 10)


def check_value(ruleset: Ruleset, path: str, value: object) -> object:
    """``value`` for the parameter ``path``, as its unit allows (a number for a number, a yes
    or no for a flag); a :class:`SejahteraError` naming the parameter and the rule otherwise.
    ``None`` for a PMT-score ceiling means no ceiling (``.inf``)."""
    leaf = ruleset.parameters.get(tuple(path.split(".")))
    if not isinstance(leaf, Parameter):
        raise SejahteraError("overlay.unknown_parameter", path=path)
    current = next((v for v in reversed(leaf.values) if v is not None), None)
    unit = leaf.unit or ""
    if isinstance(current, bool):
        if not isinstance(value, bool):
            raise SejahteraError("overlay.not_a_flag", path=path, value=value)
        return value
    if value is None and unit.startswith("PMT score"):
        return math.inf
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SejahteraError("overlay.not_a_number", path=path, value=value)
    number = float(value)
    if unit.startswith("PMT score"):
        if math.isnan(number):
            raise SejahteraError("overlay.not_a_number", path=path, value=value)
        return number
    if not math.isfinite(number):
        raise SejahteraError("overlay.not_a_number", path=path, value=value)
    if unit == "desil":
        if not number.is_integer() or not _DESIL[0] <= number <= _DESIL[1]:
            raise SejahteraError("overlay.bad_desil", path=path, value=value)
        return int(number)
    if unit in ("share", "/1"):
        if not 0 <= number <= 1:
            raise SejahteraError("overlay.bad_share", path=path, value=value)
        return number
    if unit in ("years", "components"):
        if not number.is_integer() or number < 0 or number > 150:
            raise SejahteraError("overlay.bad_count", path=path, value=value, unit=unit)
        return int(number)
    if number < 0:
        raise SejahteraError("overlay.negative", path=path, value=value)
    return int(number) if number.is_integer() else number


@dataclass(frozen=True)
class FormulaProblem:
    """Where a rule written in a form breaks: 1-based line and column in its text, that line,
    and the parser's or the checker's message (in the current language)."""

    line: int
    column: int
    text: str
    message: str


def check_formula(ruleset: Ruleset, variable: str, formula: str) -> FormulaProblem | None:
    """None when ``formula`` may replace the rule of ``variable`` (its names known, its
    entities and kind right), else the :class:`FormulaProblem`."""
    found = ruleset.variables.get(variable)
    if found is None or not found.formulas:
        raise SejahteraError("overlay.not_a_rule", name=variable)
    try:
        compiled = compile_formula(formula, ruleset, found.entity)
    except FormulaError as error:
        return locate(formula, error.position, str(error))
    if compiled.kind != found.kind and not (found.kind == "number" and compiled.kind == "bool"):
        kinds = {kind: text(f"overlay.kind_{kind}") for kind in (compiled.kind, found.kind)}
        message = text("overlay.formula_kind", found=kinds[compiled.kind], wanted=kinds[found.kind])
        return locate(formula, 1, message)
    return None


def locate(text: str, position: int, message: str) -> FormulaProblem:
    """The line and column of the 1-based ``position`` in ``text``."""
    before = text[: max(position - 1, 0)]
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1) + 1
    lines = text.split("\n")
    return FormulaProblem(line, column, lines[line - 1] if line <= len(lines) else "", message)
