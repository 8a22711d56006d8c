"""The microdata schema ``sejahtera/v1``: columns, types, ranges and categories.

A column spec is data; coercion (``coerce.py``) and validation (``validate.py``) read it, and the
docs table is generated from it. Categories are stored as plain strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd
import pyarrow as pa

SCHEMA_VERSION = "sejahtera/v1"
Kind = Literal["str", "bool", "int", "float", "category", "region", "nik"]
Table = Literal["households", "persons"]
TABLES: tuple[Table, ...] = ("households", "persons")


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    description: str
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    above: float | None = None  # strictly greater than
    categories: tuple[str, ...] = ()
    personal: bool = False  # NIK, names, addresses: masked and logged in the workbench
    unit: str = ""


def _c(name: str, kind: Kind, description: str, **options: object) -> Column:
    return Column(name, kind, description, **options)  # type: ignore[arg-type]


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
    _c("household_id", "str", "Household identifier, unique in the dataset.", required=True),
    _c("province_code", "region", "Kemendagri province code, e.g. 34.", required=True),
    _c("regency_code", "region", "Kemendagri kabupaten/kota code, e.g. 34.01.", required=True),
    _c("district_code", "region", "Kemendagri kecamatan code, e.g. 34.01.01."),
    _c("village_code", "region", "Kemendagri desa/kelurahan code, e.g. 34.01.01.2001."),
    _c("urban", "bool", "Urban (perkotaan) rather than rural (perdesaan)."),
    _c(
        "weight",
        "float",
        "Households represented (1 in a full registry).",
        required=True,
        above=0.0,
    ),
    _c(
        "consumption_pc",
        "float",
        "Consumption per capita per month.",
        minimum=0.0,
        unit="IDR/person/month",
    ),
    _c(
        "poverty_line",
        "float",
        "Poverty line for the household's province and area.",
        above=0.0,
        unit="IDR/person/month",
    ),
    _c("desil", "int", "Registry welfare decile, 1 poorest.", minimum=1, maximum=10),
    _c("pmt_score", "float", "Proxy-means test score (predicted log consumption per capita)."),
    _c("floor_area_pc", "float", "Floor area per person.", minimum=0.0, unit="m2"),
    _c("floor_type", "category", "Main floor material.", categories=FLOOR_TYPES),
    _c("wall_type", "category", "Main wall material.", categories=WALL_TYPES),
    _c("roof_type", "category", "Main roof material.", categories=ROOF_TYPES),
    _c("water_source", "category", "Main drinking-water source.", categories=WATER_SOURCES),
    _c("toilet", "category", "Toilet facility.", categories=TOILETS),
    _c("electricity", "category", "Electricity source and PLN connection.", categories=ELECTRICITY),
    _c("cooking_fuel", "category", "Main cooking fuel.", categories=COOKING_FUELS),
    _c("owns_motorcycle", "bool", "Owns a motorcycle."),
    _c("owns_refrigerator", "bool", "Owns a refrigerator."),
    _c("owns_land", "bool", "Owns land."),
    _c("receives_pkh", "bool", "Currently receives PKH."),
    _c("receives_sembako", "bool", "Currently receives Sembako (BPNT)."),
    _c("receives_pbi", "bool", "Currently covered by PBI-JKN."),
    _c("address", "str", "Street address.", personal=True),
    _c("stratum", "str", "Survey design stratum (sample surveys only)."),
    _c("psu", "str", "Survey primary sampling unit (sample surveys only)."),
)

PERSON_COLUMNS: tuple[Column, ...] = (
    _c("person_id", "str", "Person identifier, unique in the dataset.", required=True),
    _c("household_id", "str", "The person's household.", required=True),
    _c(
        "family_id",
        "str",
        "The person's family card (KK), unique in the dataset; a household may hold several.",
    ),
    _c(
        "relationship",
        "category",
        "Relationship to the head.",
        required=True,
        categories=RELATIONSHIPS,
    ),
    _c("sex", "category", "Sex: M or F.", required=True, categories=("M", "F")),
    _c(
        "age",
        "int",
        "Age in completed years at the reference date.",
        required=True,
        minimum=0,
        maximum=120,
        unit="years",
    ),
    _c("pregnant", "bool", "Currently pregnant."),
    _c("disability_severe", "bool", "Has a severe disability."),
    _c("enrolled", "bool", "Currently enrolled in school or higher education."),
    _c(
        "school_level",
        "category",
        "Level enrolled in; empty when not enrolled.",
        categories=SCHOOL_LEVELS,
    ),
    _c(
        "grade",
        "int",
        "Class enrolled in, 1-12 (SD 1-6, SMP 7-9, SMA 10-12); 0 or empty when unknown.",
        minimum=0,
        maximum=12,
    ),
    _c("has_kip", "bool", "Holds a Kartu Indonesia Pintar (KIP)."),
    _c("orphan", "bool", "Has lost a father or a mother (yatim, piatu or yatim piatu)."),
    _c("education", "category", "Highest level completed.", categories=EDUCATION),
    _c("employed", "bool", "Worked in the reference week."),
    _c("has_jkn", "bool", "Covered by JKN health insurance."),
    _c("nik", "nik", "Nomor Induk Kependudukan (16 digits).", personal=True),
    _c("name", "str", "Full name.", personal=True),
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
