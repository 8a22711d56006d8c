"""Specifications of an Alkire–Foster multidimensional poverty measure, read from YAML.

A specification names dimensions, each with weighted indicators, and the poverty cut-off ``k``.
Every indicator says, in a small declarative vocabulary, when a household is *deprived* in it;
nothing in a specification is ever evaluated as code. The whole file is checked before any data is
touched, and every problem is reported with the file and the entry it concerns.

Top level::

    name: housing-id                    # letters, digits, '_' and '-'
    label: {id: "…", en: "…"}           # shown to users, Indonesian first
    source: "…"                         # optional: where the indicators come from
    k: 1/4                              # poor when the weighted deprivation score >= k; 0 < k <= 1
    columns:                            # optional: columns that are not in the sejahtera/v1 schema
      income: {kind: float}             # kind: bool, int, float, str or category (+ categories)
      malnourished: {kind: bool, table: persons}     # table: households (default) or persons
    dimensions:
      - name: living_standards
        label: {id: "Standar hidup", en: "Living standards"}
        indicators: [ … ]

An indicator has ``name``, ``label``, ``weight`` (a number or a fraction such as ``1/18``; the
weights of all indicators sum to 1), an optional ``reference`` (legal or statistical source) and
exactly one of four forms:

``column`` + ``deprived_if``
    One household column and one test: ``{column: floor_area_pc, deprived_if: {below: 8}}``.
    Already-computed 0/1 deprivation columns use ``deprived_if: {equals: 1}`` (or ``true``).
``any_of`` / ``all_of``
    Several household columns, deprived when any (all) of the tests hold:
    ``any_of: {floor_type: {in: [earth]}, roof_type: {in: [thatch]}}``.
``persons``
    An aggregate over the household's members: ``where`` selects members (all tests must hold;
    omit it to take every member) and ``deprived_if`` is ``any`` (some member matches),
    ``none`` (no member matches) or ``all`` (every member matches)::

        persons:
          where: {age: {between: [7, 15]}, enrolled: {equals: false}}
          deprived_if: any

A test is a mapping with exactly one comparison: ``equals: v``, ``in: [v, …]``, ``below: x``
(strictly less), ``at_most: x``, ``above: x`` (strictly greater), ``at_least: x`` or
``between: [lo, hi]`` (inclusive). Categories must be the schema's (``earth``, ``pln_450`` …);
comparisons of order need a numeric column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml

from sejahtera.data.schema import COLUMNS, TABLES, Table
from sejahtera.errors import SejahteraError

Comparison = Literal["equals", "in", "below", "at_most", "above", "at_least", "between"]
Form = Literal["column", "any_of", "all_of", "persons"]
Aggregate = Literal["any", "none", "all"]

COMPARISONS: tuple[Comparison, ...] = (
    "equals",
    "in",
    "below",
    "at_most",
    "above",
    "at_least",
    "between",
)
FORMS: tuple[Form, ...] = ("column", "any_of", "all_of", "persons")
AGGREGATES: tuple[Aggregate, ...] = ("any", "none", "all")
WEIGHT_TOLERANCE = 1e-9
SHIPPED_FOLDER = "resources/mpi"

_ORDERED = ("below", "at_most", "above", "at_least", "between")
_NUMERIC_KINDS = ("int", "float")
_DECLARABLE_KINDS = ("bool", "int", "float", "str", "category")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_SPEC_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")
_TOP_KEYS = ("name", "label", "source", "k", "columns", "dimensions")
_DIMENSION_KEYS = ("name", "label", "indicators")
_INDICATOR_KEYS = ("name", "label", "weight", "reference", "deprived_if", *FORMS)
_PERSONS_KEYS = ("where", "deprived_if")
_COLUMN_KEYS = ("kind", "categories", "table")


class _Loader(yaml.SafeLoader):
    """YAML 1.2 booleans: only ``true``/``false``; ``no``, ``off`` or ``ya`` stay text."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in found if tag != "tag:yaml.org,2002:bool"]
    for first, found in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


@dataclass(frozen=True)
class ColumnKind:
    """What a specification may assume about a column: its kind and, for categories, the codes."""

    kind: str
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class Test:
    """One comparison of one column: ``floor_type in (earth,)``, ``age between (7, 15)``."""

    column: str
    comparison: Comparison
    value: Any  # a scalar; a tuple for ``in`` and ``between``


@dataclass(frozen=True)
class Indicator:
    name: str
    label: dict[str, str]
    weight: float
    dimension: str
    form: Form
    tests: tuple[Test, ...]  # household tests, or the ``where`` tests of a persons aggregate
    aggregate: Aggregate | None = None  # persons form only
    reference: str = ""

    @property
    def table(self) -> Table:
        return "persons" if self.form == "persons" else "households"


@dataclass(frozen=True)
class Dimension:
    name: str
    label: dict[str, str]
    indicators: tuple[Indicator, ...]

    @property
    def weight(self) -> float:
        return sum(indicator.weight for indicator in self.indicators)


@dataclass(frozen=True)
class MpiSpec:
    """A checked specification; build it with :func:`load_spec` or :meth:`from_mapping`."""

    name: str
    label: dict[str, str]
    k: float
    dimensions: tuple[Dimension, ...]
    file: str
    source: str = ""
    columns: tuple[tuple[Table, str, ColumnKind], ...] = ()  # declared non-schema columns

    @property
    def indicators(self) -> tuple[Indicator, ...]:
        return tuple(i for dimension in self.dimensions for i in dimension.indicators)

    @property
    def uses_persons(self) -> bool:
        return any(indicator.form == "persons" for indicator in self.indicators)

    def columns_used(self, table: Table) -> list[str]:
        """The columns of ``table`` that the indicators read, in first-use order."""
        used = [t.column for i in self.indicators if i.table == table for t in i.tests]
        return list(dict.fromkeys(used))

    @classmethod
    def from_mapping(cls, raw: object, file: str = "<memory>") -> MpiSpec:
        """Check a specification already parsed from YAML (``file`` names it in messages)."""
        return _Reader(file).spec(raw)


def shipped_specs() -> list[str]:
    """Names of the specifications shipped with Sejahtera (``global``, ``housing-id`` …)."""
    folder = resources.files("sejahtera").joinpath(SHIPPED_FOLDER)
    return sorted(entry.name[: -len(".yaml")] for entry in folder.iterdir() if _is_yaml(entry.name))


def load_spec(path_or_name: str | Path) -> MpiSpec:
    """Read and check a specification: a shipped one by name (``"global"``), else a YAML file."""
    text = str(path_or_name)
    if isinstance(path_or_name, str) and text in shipped_specs():
        return _shipped(text)
    path = Path(path_or_name)
    try:
        content = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SejahteraError(
            "mpi.spec_not_found", path=path, shipped=", ".join(shipped_specs())
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SejahteraError("mpi.spec_unreadable", file=path, detail=exc) from None
    return _parse(content, str(path))


@cache
def _shipped(name: str) -> MpiSpec:
    entry = resources.files("sejahtera").joinpath(f"{SHIPPED_FOLDER}/{name}.yaml")
    return _parse(entry.read_text(encoding="utf-8"), f"{name}.yaml")


def _parse(content: str, file: str) -> MpiSpec:
    try:
        raw = yaml.load(content, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise SejahteraError(
            "mpi.spec_yaml",
            file=file,
            line=mark.line + 1 if mark else "?",
            detail=getattr(exc, "problem", None) or exc,
        ) from None
    return MpiSpec.from_mapping(raw, file)


def _is_yaml(name: str) -> bool:
    return name.endswith(".yaml") and not name.startswith(".")


class _Reader:
    """Checks one specification, raising at the first problem with the file and the entry."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.kinds: dict[Table, dict[str, ColumnKind]] = {
            table: {c.name: ColumnKind(c.kind, c.categories) for c in columns}
            for table, columns in COLUMNS.items()
        }

    def fail(self, message: str, entry: str, /, **values: object) -> SejahteraError:
        return SejahteraError(message, file=self.file, entry=entry, **values)

    def spec(self, raw: object) -> MpiSpec:
        top = self.mapping(raw, "(top)", _TOP_KEYS, required=("name", "label", "k", "dimensions"))
        name = top["name"]
        if not isinstance(name, str) or not _SPEC_NAME.match(name):
            raise self.fail("mpi.spec_bad_name", "name", name=name)
        declared = self.declared_columns(top.get("columns", {}))
        k = self.fraction(top["k"], "k")
        if not 0 < k <= 1:
            raise self.fail("mpi.spec_k_range", "k", value=top["k"])
        dimensions = self.dimensions(top["dimensions"])
        indicators = [i for d in dimensions for i in d.indicators]
        total = sum(i.weight for i in indicators)
        if abs(total - 1) > WEIGHT_TOLERANCE:
            shown = ", ".join(f"{i.name}={i.weight:.6g}" for i in indicators)
            raise self.fail(
                "mpi.spec_weight_sum", "dimensions", total=f"{total:.12g}", weights=shown
            )
        return MpiSpec(
            name=name,
            label=self.label(top["label"], "label"),
            k=k,
            dimensions=tuple(dimensions),
            file=self.file,
            source=self.text(top.get("source", ""), "source"),
            columns=declared,
        )

    def mapping(
        self, raw: object, entry: str, allowed: tuple[str, ...], required: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise self.fail("mpi.spec_not_mapping", entry)
        for key in raw:
            if key not in allowed:
                raise self.fail("mpi.spec_unknown_key", entry, key=key, allowed=", ".join(allowed))
        for key in required:
            if key not in raw:
                raise self.fail("mpi.spec_missing_key", entry, key=key)
        return raw

    def items(self, raw: object, entry: str) -> list[Any]:
        if not isinstance(raw, list) or not raw:
            raise self.fail("mpi.spec_not_list", entry)
        return raw

    def text(self, raw: object, entry: str) -> str:
        if not isinstance(raw, str):
            raise self.fail("mpi.spec_not_text", entry)
        return raw

    def label(self, raw: object, entry: str) -> dict[str, str]:
        found = self.mapping(raw, entry, ("id", "en"), required=("id", "en"))
        if not all(isinstance(v, str) and v.strip() for v in found.values()):
            raise self.fail("mpi.spec_bad_label", entry)
        return {"id": found["id"], "en": found["en"]}

    def fraction(self, raw: object, entry: str) -> float:
        """A number, or a fraction written as text (``"1/18"``) so that weights add up exactly."""
        if isinstance(raw, bool):
            raise self.fail("mpi.spec_bad_number", entry, value=raw)
        if isinstance(raw, int | float):
            return float(raw)
        try:
            return float(Fraction(str(raw).replace(" ", "")))
        except (ValueError, ZeroDivisionError):
            raise self.fail("mpi.spec_bad_number", entry, value=raw) from None

    def declared_columns(self, raw: object) -> tuple[tuple[Table, str, ColumnKind], ...]:
        if not isinstance(raw, dict):
            raise self.fail("mpi.spec_not_mapping", "columns")
        declared = []
        for name, spec in raw.items():
            entry = f"columns/{name}"
            found = self.mapping(spec, entry, _COLUMN_KEYS, required=("kind",))
            table = self.choice(found.get("table", "households"), f"{entry}/table", TABLES)
            kind = self.choice(found["kind"], f"{entry}/kind", _DECLARABLE_KINDS)
            if not isinstance(name, str) or not _NAME.match(name) or name in self.kinds[table]:
                raise self.fail("mpi.spec_column_exists", entry, column=name, table=table)
            categories: list[Any] = []
            if kind == "category":
                categories = self.items(found.get("categories"), f"{entry}/categories")
            elif "categories" in found:
                raise self.fail(
                    "mpi.spec_unknown_key", entry, key="categories", allowed="kind, table"
                )
            declared_kind = ColumnKind(kind, tuple(str(c) for c in categories))
            self.kinds[table][name] = declared_kind
            declared.append((table, name, declared_kind))
        return tuple(declared)

    def choice(self, raw: object, entry: str, allowed: tuple[str, ...]) -> Any:
        if raw not in allowed:
            raise self.fail("mpi.spec_bad_choice", entry, value=raw, allowed=", ".join(allowed))
        return raw

    def dimensions(self, raw: object) -> list[Dimension]:
        dimensions: list[Dimension] = []
        seen: set[str] = set()
        for position, item in enumerate(self.items(raw, "dimensions")):
            entry = _entry("", "dimensions", position, item)
            found = self.mapping(item, entry, _DIMENSION_KEYS, required=_DIMENSION_KEYS)
            name = self.name(found["name"], entry, seen)
            listed = self.items(found["indicators"], f"{entry}/indicators")
            indicators = tuple(
                self.indicator(indicator, name, _entry(name, "indicators", i, indicator))
                for i, indicator in enumerate(listed)
            )
            dimensions.append(
                Dimension(name, self.label(found["label"], f"{entry}/label"), indicators)
            )
        names = [i.name for d in dimensions for i in d.indicators]
        for position, name in enumerate(names):
            if name in names[:position]:
                raise self.fail("mpi.spec_duplicate_name", name, name=name)
        return dimensions

    def name(self, raw: object, entry: str, seen: set[str]) -> str:
        if not isinstance(raw, str) or not _NAME.match(raw):
            raise self.fail("mpi.spec_bad_name", f"{entry}/name", name=raw)
        if raw in seen:
            raise self.fail("mpi.spec_duplicate_name", entry, name=raw)
        seen.add(raw)
        return raw

    def indicator(self, raw: object, dimension: str, entry: str) -> Indicator:
        found = self.mapping(raw, entry, _INDICATOR_KEYS, required=("name", "label", "weight"))
        name = self.name(found["name"], entry, set())
        forms = [form for form in FORMS if form in found]
        if len(forms) != 1:
            raise self.fail("mpi.spec_form", entry, forms=", ".join(FORMS))
        form = forms[0]
        if form == "column" and "deprived_if" not in found:
            raise self.fail("mpi.spec_missing_key", entry, key="deprived_if")
        if form != "column" and "deprived_if" in found:
            raise self.fail("mpi.spec_form", f"{entry}/deprived_if", forms=", ".join(FORMS))
        weight = self.fraction(found["weight"], f"{entry}/weight")
        if not weight > 0:
            raise self.fail("mpi.spec_weight_positive", f"{entry}/weight", value=found["weight"])
        aggregate = None
        if form == "column":
            column = self.text(found["column"], f"{entry}/column")
            self.kind("households", column, f"{entry}/column")
            tests = (self.test("households", column, found["deprived_if"], f"{entry}/deprived_if"),)
        elif form == "persons":
            part = self.mapping(
                found["persons"], f"{entry}/persons", _PERSONS_KEYS, ("deprived_if",)
            )
            aggregate = self.choice(part["deprived_if"], f"{entry}/persons/deprived_if", AGGREGATES)
            where = part.get("where", {})
            tests = self.tests("persons", where, f"{entry}/persons/where", allow_empty=True)
        else:
            tests = self.tests("households", found[form], f"{entry}/{form}")
        return Indicator(
            name=name,
            label=self.label(found["label"], f"{entry}/label"),
            weight=weight,
            dimension=dimension,
            form=form,
            tests=tests,
            aggregate=aggregate,
            reference=self.text(found.get("reference", ""), f"{entry}/reference"),
        )

    def tests(
        self, table: Table, raw: object, entry: str, allow_empty: bool = False
    ) -> tuple[Test, ...]:
        if not isinstance(raw, dict) or not (raw or allow_empty):
            raise self.fail("mpi.spec_not_mapping", entry)
        return tuple(
            self.test(table, column, test, f"{entry}/{column}") for column, test in raw.items()
        )

    def kind(self, table: Table, column: object, entry: str) -> ColumnKind:
        kind = self.kinds[table].get(column) if isinstance(column, str) else None
        if kind is None:
            raise self.fail("mpi.spec_unknown_column", entry, column=column, table=table)
        return kind

    def test(self, table: Table, column: object, raw: object, entry: str) -> Test:
        kind = self.kind(table, column, entry)
        if not isinstance(raw, dict) or len(raw) != 1 or next(iter(raw)) not in COMPARISONS:
            raise self.fail("mpi.spec_bad_test", entry, allowed=", ".join(COMPARISONS))
        comparison, value = next(iter(raw.items()))
        entry = f"{entry}/{comparison}"
        if comparison in _ORDERED and kind.kind not in _NUMERIC_KINDS:
            raise self.fail("mpi.spec_not_numeric", entry, column=column)
        if comparison == "between":
            bounds = value if isinstance(value, list) and len(value) == 2 else None
            if bounds is None or not all(_is_number(b) for b in bounds) or bounds[0] > bounds[1]:
                raise self.fail("mpi.spec_bad_between", entry, value=value)
            return Test(column, comparison, (float(bounds[0]), float(bounds[1])))
        if comparison in _ORDERED:
            if not _is_number(value):
                raise self.fail("mpi.spec_bad_number", entry, value=value)
            return Test(column, comparison, float(value))
        values = self.items(value, entry) if comparison == "in" else [value]
        for item in values:
            self.check_value(kind, column, item, entry)
        return Test(column, comparison, tuple(values) if comparison == "in" else value)

    def check_value(self, kind: ColumnKind, column: str, value: object, entry: str) -> None:
        if kind.kind == "category":
            if value not in kind.categories:
                raise self.fail(
                    "mpi.spec_unknown_category",
                    entry,
                    column=column,
                    value=value,
                    allowed=", ".join(kind.categories),
                )
        elif kind.kind == "bool":
            if not isinstance(value, bool) and value not in (0, 1):
                raise self.fail(
                    "mpi.spec_bad_value", entry, column=column, value=value, kind="bool"
                )
        elif kind.kind in _NUMERIC_KINDS:
            if not _is_number(value):
                raise self.fail("mpi.spec_bad_number", entry, value=value)
        elif not isinstance(value, str):
            raise self.fail("mpi.spec_bad_value", entry, column=column, value=value, kind=kind.kind)


def _entry(parent: str, plural: str, position: int, item: object) -> str:
    """``living/water`` when the entry has a usable name, else ``living/indicators[2]``."""
    name = item.get("name") if isinstance(item, dict) else None
    prefix = f"{parent}/" if parent else ""
    if isinstance(name, str) and _NAME.match(name):
        return f"{prefix}{name}"
    return f"{prefix}{plural}[{position + 1}]"


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
