"""The microdata schema ``sejahtera/v1``: columns, types, ranges and categories.

A column spec is data; coercion (``coerce.py``) and validation (``validate.py``) read it, and the
docs table is generated from it. Categories are stored as plain strings. What a column holds
(:attr:`Column.description`) and its short name (:meth:`Column.label`) are told in the reader's
language from the catalogue (``locale/schema.yaml``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd
import pyarrow as pa

from sejahtera.i18n import Language, catalogue, language, text

SCHEMA_VERSION = "sejahtera/v1"
Kind = Literal["str", "bool", "int", "float", "category", "region", "nik"]
Table = Literal["households", "persons"]
TABLES: tuple[Table, ...] = ("households", "persons")


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    table: Table
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    above: float | None = None  # strictly greater than
    categories: tuple[str, ...] = ()
    personal: bool = False  # NIK, names, addresses: masked and logged in the workbench
    unit: str = ""

    @property
    def description(self) -> str:
        """What the column holds, in the reader's language (``schema.<table>.<name>``)."""
        return text(f"schema.{self.table}.{self.name}")

    def label(self, language_code: Language | None = None) -> str:
        """The column's short name for a reader (``column.<name>``: a table's header, a form's
        label), in ``language_code`` or the reader's language. Every schema column has one, in
        ``locale/schema.yaml`` or, for the columns other pages group by, ``locale/labels.yaml``."""
        return catalogue()[f"column.{self.name}"][language_code or language()]


def _household(name: str, kind: Kind, **options: object) -> Column:
    return Column(name, kind, "households", **options)  # type: ignore[arg-type]


def _person(name: str, kind: Kind, **options: object) -> Column:
    return Column(name, kind, "persons", **options)  # type: ignore[arg-type]


FLOOR_TYPES = ("earth", "bamboo", "wood", "cement", "tile", "ceramic")
WALL_TYPES = ("bamboo", "wood", "unplastered_brick", "brick")
ROOF_TYPES = ("thatch", "zinc", "asbestos", "clay_tile", "concrete")
WATER_SOURCES = ("surface", "unprotected_well", "protected_well", "piped", "bottled")
TOILETS = ("none", "shared", "private")
ELECTRICITY = ("none", "non_pln", "pln_450", "pln_900", "pln_above_900")
COOKING_FUELS = ("wood", "kerosene", "lpg", "electric")
RELATIONSHIPS = ("head", "spouse", "child", "parent", "other")
SCHOOL_LEVELS = ("sd", "smp", "sma", "tertiary")
EDUCATION = ("none", "sd", "smp", "sma", "tertiary")

HOUSEHOLD_COLUMNS: tuple[Column, ...] = (
    _household("household_id", "str", required=True),
    _household("province_code", "region", required=True),
    _household("regency_code", "region", required=True),
    _household("district_code", "region"),
    _household("village_code", "region"),
    _household("urban", "bool"),
    _household(
        "weight",
        "float",
        required=True,
        above=0.0,
    ),
    _household(
        "consumption_pc",
        "float",
        minimum=0.0,
        unit="IDR/person/month",
    ),
    _household(
        "poverty_line",
        "float",
        above=0.0,
        unit="IDR/person/month",
    ),
    _household("desil", "int", minimum=1, maximum=10),
    _household("pmt_score", "float"),
    _household("floor_area_pc", "float", minimum=0.0, unit="m2"),
    _household("floor_type", "category", categories=FLOOR_TYPES),
    _household("wall_type", "category", categories=WALL_TYPES),
    _household("roof_type", "category", categories=ROOF_TYPES),
    _household("water_source", "category", categories=WATER_SOURCES),
    _household("toilet", "category", categories=TOILETS),
    _household("electricity", "category", categories=ELECTRICITY),
    _household("cooking_fuel", "category", categories=COOKING_FUELS),
    _household("owns_motorcycle", "bool"),
    _household("owns_refrigerator", "bool"),
    _household("owns_land", "bool"),
    _household("receives_pkh", "bool"),
    _household("receives_sembako", "bool"),
    _household("receives_pbi", "bool"),
    _household("address", "str", personal=True),
    _household("stratum", "str"),
    _household("psu", "str"),
)

PERSON_COLUMNS: tuple[Column, ...] = (
    _person("person_id", "str", required=True),
    _person("household_id", "str", required=True),
    _person(
        "family_id",
        "str",
    ),
    _person(
        "relationship",
        "category",
        required=True,
        categories=RELATIONSHIPS,
    ),
    _person("sex", "category", required=True, categories=("M", "F")),
    _person(
        "age",
        "int",
        required=True,
        minimum=0,
        maximum=120,
        unit="years",
    ),
    _person("pregnant", "bool"),
    _person("disability_severe", "bool"),
    _person("enrolled", "bool"),
    _person(
        "school_level",
        "category",
        categories=SCHOOL_LEVELS,
    ),
    _person(
        "grade",
        "int",
        minimum=0,
        maximum=12,
    ),
    _person("has_kip", "bool"),
    _person("orphan", "bool"),
    _person("education", "category", categories=EDUCATION),
    _person("employed", "bool"),
    _person("has_jkn", "bool"),
    _person("nik", "nik", personal=True),
    _person("name", "str", personal=True),
)

COLUMNS: dict[Table, tuple[Column, ...]] = {
    "households": HOUSEHOLD_COLUMNS,
    "persons": PERSON_COLUMNS,
}
REGION_COLUMNS = ("province_code", "regency_code", "district_code", "village_code")


def column(table: Table, name: str) -> Column | None:
    return next((c for c in COLUMNS[table] if c.name == name), None)


def arrow_type(col: Column) -> pa.DataType:
    return {
        "bool": pa.bool_(),
        "int": pa.int16(),
        "float": pa.float64(),
    }.get(col.kind, pa.string())


def arrow_schema(table: Table, names: list[str]) -> pa.Schema:
    """The Arrow schema for the schema columns in ``names``, in the schema's order."""
    present = set(names)
    return pa.schema([pa.field(c.name, arrow_type(c)) for c in COLUMNS[table] if c.name in present])


def to_arrow(frame: pd.DataFrame, table: Table) -> pa.Table:
    """The schema columns of ``frame`` as an Arrow table with the schema's types."""
    schema = arrow_schema(table, list(frame.columns))
    return pa.Table.from_pandas(frame[schema.names], schema=schema, preserve_index=False)
