"""Specifications of an Alkire–Foster multidimensional poverty measure, read from YAML.

A specification names dimensions, each with weighted indicators, and the poverty cut-off ``k``.
Every indicator says, in a small declarative vocabulary, when a household is *deprived* in it;
nothing in a specification is ever evaluated as code. The whole file is checked before any data is
touched, and every problem is reported with the file, the line and the entry it concerns. The file
is read by :func:`sejahtera.yamlfile.read_yaml` (YAML 1.2: ``no`` or ``off`` are text, only
``true``/``false`` booleans), its shape checked by the model :class:`SpecFile`, the rest here.

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
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, StringConstraints
from pydantic_core import PydanticCustomError

from sejahtera.data.schema import COLUMNS, Table
from sejahtera.errors import SejahteraError
from sejahtera.yamlfile import Declared, FileError, read_yaml, validate

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
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_SPEC_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")


# --- the file as written --------------------------------------------------------------------


def _fraction(raw: object) -> object:
    """A number, or a fraction written as text (``"1/18"``) so that weights add up exactly."""
    if not isinstance(raw, str):
        return raw
    try:
        return float(Fraction(raw.replace(" ", "")))
    except (ValueError, ZeroDivisionError):
        raise PydanticCustomError("float_parsing", "not a number or fraction") from None


Number = Annotated[float, BeforeValidator(_fraction)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Tests = dict[str, dict[str, Any]]  # column → {comparison: value}


class LabelEntry(Declared):
    id: Text  # Indonesian first
    en: Text


class ColumnEntry(Declared):
    kind: Literal["bool", "int", "float", "str", "category"]
    table: Literal["households", "persons"] = "households"
    categories: list[str | int] | None = None  # category columns only


class PersonsEntry(Declared):
    where: Tests = Field(default_factory=dict)
    deprived_if: Aggregate


class IndicatorEntry(Declared):
    name: str
    label: LabelEntry
    weight: Number
    reference: str = ""
    column: str | None = None
    deprived_if: dict[str, Any] | None = None  # with column
    any_of: Tests | None = None
    all_of: Tests | None = None
    persons: PersonsEntry | None = None


class DimensionEntry(Declared):
    name: str
    label: LabelEntry
    indicators: list[IndicatorEntry] = Field(min_length=1)


class SpecFile(Declared):
    """A specification as written; :class:`MpiSpec` is the checked one."""

    name: str
    label: LabelEntry
    source: str = ""
    k: Number
    columns: dict[str, ColumnEntry] = Field(default_factory=dict)
    dimensions: list[DimensionEntry] = Field(min_length=1)


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
    if not path.exists():
        raise SejahteraError("mpi.spec_not_found", path=path, shipped=", ".join(shipped_specs()))
    return MpiSpec.from_mapping(read_yaml(path, text), text)


@cache
def _shipped(name: str) -> MpiSpec:
    entry = resources.files("sejahtera").joinpath(f"{SHIPPED_FOLDER}/{name}.yaml")
    return MpiSpec.from_mapping(read_yaml(entry, f"{name}.yaml"), f"{name}.yaml")


def _is_yaml(name: str) -> bool:
    return name.endswith(".yaml") and not name.startswith(".")


class _Reader:
    """Checks what the file's model cannot: names, forms, columns and their values, weights.
    It raises at the first problem, with the file, the line and the entry."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.kinds: dict[Table, dict[str, ColumnKind]] = {
            table: {c.name: ColumnKind(c.kind, c.categories) for c in columns}
            for table, columns in COLUMNS.items()
        }

    def fail(self, message: str, entry: str, line: int | None, /, **values: object) -> FileError:
        return FileError(message, file=self.file, line=line, entry=entry, **values)

    def spec(self, raw: object) -> MpiSpec:
        found = validate(SpecFile, raw, self.file)
        if not _SPEC_NAME.match(found.name):
            raise self.fail("mpi.spec_bad_name", "name", found.line_of("name"), name=found.name)
        declared = self.declared_columns(found.columns)
        if not 0 < found.k <= 1:
            raise self.fail("mpi.spec_k_range", "k", found.line_of("k"), value=f"{found.k:.6g}")
        dimensions = self.dimensions(found.dimensions)
        indicators = [i for d in dimensions for i in d.indicators]
        total = sum(i.weight for i in indicators)
        if abs(total - 1) > WEIGHT_TOLERANCE:
            shown = ", ".join(f"{i.name}={i.weight:.6g}" for i in indicators)
            raise self.fail(
                "mpi.spec_weight_sum",
                "dimensions",
                found.line_of("dimensions"),
                total=f"{total:.12g}",
                weights=shown,
            )
        return MpiSpec(
            name=found.name,
            label=_label(found.label),
            k=found.k,
            dimensions=tuple(dimensions),
            file=self.file,
            source=found.source,
            columns=declared,
        )

    def declared_columns(
        self, found: dict[str, ColumnEntry]
    ) -> tuple[tuple[Table, str, ColumnKind], ...]:
        declared = []
        for name, spec in found.items():
            entry, line = f"columns/{name}", spec.line_of()
            if not _NAME.match(name) or name in self.kinds[spec.table]:
                raise self.fail(
                    "mpi.spec_column_exists", entry, line, column=name, table=spec.table
                )
            if spec.kind == "category" and not spec.categories:
                raise self.fail("yamlfile.missing_key", entry, line, key="categories")
            if spec.kind != "category" and spec.categories is not None:
                line = spec.line_of("categories")
                raise self.fail(
                    "yamlfile.unknown_key", entry, line, key="categories", allowed="kind, table"
                )
            kind = ColumnKind(spec.kind, tuple(str(c) for c in spec.categories or ()))
            self.kinds[spec.table][name] = kind
            declared.append((spec.table, name, kind))
        return tuple(declared)

    def dimensions(self, found: list[DimensionEntry]) -> list[Dimension]:
        dimensions: list[Dimension] = []
        seen: set[str] = set()
        for position, item in enumerate(found):
            name = self.name(item, _entry("", "dimensions", position, item.name), seen)
            indicators = tuple(
                self.indicator(indicator, name, _entry(name, "indicators", i, indicator.name))
                for i, indicator in enumerate(item.indicators)
            )
            dimensions.append(Dimension(name, _label(item.label), indicators))
        named = [indicator for item in found for indicator in item.indicators]
        for position, indicator in enumerate(named):
            if indicator.name in {i.name for i in named[:position]}:
                line = indicator.line_of("name")
                raise self.fail(
                    "mpi.spec_duplicate_name", indicator.name, line, name=indicator.name
                )
        return dimensions

    def name(self, item: DimensionEntry | IndicatorEntry, entry: str, seen: set[str]) -> str:
        if not _NAME.match(item.name):
            raise self.fail(
                "mpi.spec_bad_name", f"{entry}/name", item.line_of("name"), name=item.name
            )
        if item.name in seen:
            raise self.fail("mpi.spec_duplicate_name", entry, item.line_of("name"), name=item.name)
        seen.add(item.name)
        return item.name

    def indicator(self, item: IndicatorEntry, dimension: str, entry: str) -> Indicator:
        name = self.name(item, entry, set())
        forms = [form for form in FORMS if getattr(item, form) is not None]
        if len(forms) != 1:
            raise self.fail("mpi.spec_form", entry, item.line_of(), forms=", ".join(FORMS))
        form = forms[0]
        if form == "column" and item.deprived_if is None:
            raise self.fail("yamlfile.missing_key", entry, item.line_of(), key="deprived_if")
        if form != "column" and item.deprived_if is not None:
            line = item.line_of("deprived_if")
            raise self.fail("mpi.spec_form", f"{entry}/deprived_if", line, forms=", ".join(FORMS))
        if not item.weight > 0:
            line = item.line_of("weight")
            raise self.fail("mpi.spec_weight_positive", f"{entry}/weight", line, value=item.weight)
        aggregate = None
        if item.column is not None and item.deprived_if is not None:
            self.kind("households", item.column, f"{entry}/column", item.line_of("column"))
            where, line = f"{entry}/deprived_if", item.line_of("deprived_if")
            tests = (self.test("households", item.column, item.deprived_if, where, line),)
        elif item.persons is not None:
            aggregate = item.persons.deprived_if
            where, line = f"{entry}/persons/where", item.persons.line_of("where")
            tests = self.tests("persons", item.persons.where, where, line, allow_empty=True)
        else:
            tests = self.tests(
                "households", getattr(item, form), f"{entry}/{form}", item.line_of(form)
            )
        return Indicator(
            name=name,
            label=_label(item.label),
            weight=item.weight,
            dimension=dimension,
            form=form,
            tests=tests,
            aggregate=aggregate,
            reference=item.reference,
        )

    def tests(
        self, table: Table, found: Tests, entry: str, line: int | None, allow_empty: bool = False
    ) -> tuple[Test, ...]:
        if not (found or allow_empty):
            raise self.fail("yamlfile.empty", entry, line)
        return tuple(
            self.test(table, column, test, f"{entry}/{column}", line)
            for column, test in found.items()
        )

    def kind(self, table: Table, column: str, entry: str, line: int | None) -> ColumnKind:
        kind = self.kinds[table].get(column)
        if kind is None:
            raise self.fail("mpi.spec_unknown_column", entry, line, column=column, table=table)
        return kind

    def test(
        self, table: Table, column: str, found: dict[str, Any], entry: str, line: int | None
    ) -> Test:
        kind = self.kind(table, column, entry, line)
        if len(found) != 1 or next(iter(found)) not in COMPARISONS:
            raise self.fail("mpi.spec_bad_test", entry, line, allowed=", ".join(COMPARISONS))
        comparison, value = next(iter(found.items()))
        entry = f"{entry}/{comparison}"
        if comparison in _ORDERED and kind.kind not in _NUMERIC_KINDS:
            raise self.fail("mpi.spec_not_numeric", entry, line, column=column)
        if comparison == "between":
            bounds = value if isinstance(value, list) and len(value) == 2 else None
            if bounds is None or not all(_is_number(b) for b in bounds) or bounds[0] > bounds[1]:
                raise self.fail("mpi.spec_bad_between", entry, line, value=value)
            return Test(column, comparison, (float(bounds[0]), float(bounds[1])))
        if comparison in _ORDERED:
            if not _is_number(value):
                raise self.fail("mpi.spec_bad_number", entry, line, value=value)
            return Test(column, comparison, float(value))
        if comparison == "in" and not (isinstance(value, list) and value):
            raise self.fail("yamlfile.not_list", entry, line, value=value)
        values = value if comparison == "in" else [value]
        for item in values:
            self.check_value(kind, column, item, entry, line)
        return Test(column, comparison, tuple(values) if comparison == "in" else value)

    def check_value(
        self, kind: ColumnKind, column: str, value: object, entry: str, line: int | None
    ) -> None:
        if kind.kind == "category":
            if value not in kind.categories:
                allowed = ", ".join(kind.categories)
                raise self.fail(
                    "mpi.spec_unknown_category",
                    entry,
                    line,
                    column=column,
                    value=value,
                    allowed=allowed,
                )
        elif kind.kind == "bool":
            if not isinstance(value, bool) and value not in (0, 1):
                raise self.fail(
                    "mpi.spec_bad_value", entry, line, column=column, value=value, kind="bool"
                )
        elif kind.kind in _NUMERIC_KINDS:
            if not _is_number(value):
                raise self.fail("mpi.spec_bad_number", entry, line, value=value)
        elif not isinstance(value, str):
            raise self.fail(
                "mpi.spec_bad_value", entry, line, column=column, value=value, kind=kind.kind
            )


def _label(found: LabelEntry) -> dict[str, str]:
    return {"id": found.id, "en": found.en}


def _entry(parent: str, plural: str, position: int, name: str) -> str:
    """``living/water`` when the entry has a usable name, else ``living/indicators[2]``."""
    prefix = f"{parent}/" if parent else ""
    if _NAME.match(name):
        return f"{prefix}{name}"
    return f"{prefix}{plural}[{position + 1}]"


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
