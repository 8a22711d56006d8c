"""Mapping files: how a source's columns and codes become the ``sejahtera/v1`` schema.

A mapping is a small YAML file, written once per kind of export (a DTKS/DTSEN download, a Susenas
extract) and reused for every file of that kind::

    format: sejahtera-mapping/v1
    name: DTSEN export, Kabupaten Sleman
    households:
      file: keluarga.csv          # inside SOURCE when SOURCE is a folder; omit to use SOURCE
      sheet: null                 # Excel sheet (name or 0-based number)
      columns:                    # source column: schema column
        ID_KELUARGA: household_id
        KODE_DESA: village_code
      values:                     # schema column: {source value: schema value}
        floor_type: {Tanah: earth, Keramik: ceramic}
      constants:                  # schema column: value for every row
        weight: 1
    persons:
      file: anggota.csv
      columns: {ID_ART: person_id, ID_KELUARGA: household_id, HUB_KRT: relationship}
      values:
        relationship: {1: head, 2: spouse, 3: child, 4: other, 5: parent}
    csv: {delimiter: ";", encoding: latin-1, decimal: ","}   # optional; detected otherwise

When households and persons come from the same person-level file (a Susenas individual file),
household columns are taken from each household's rows, which must agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sejahtera.data.readers import CsvOptions
from sejahtera.data.schema import COLUMNS, TABLES, Table, column
from sejahtera.errors import SejahteraError

FORMAT = "sejahtera-mapping/v1"


class _Loader(yaml.SafeLoader):
    """YAML as people write codes: ``Ya``/``No``/``on`` stay text, ``01`` stays ``"01"``.

    Only ``true``/``false`` are booleans and only integers without a leading zero are numbers,
    as in YAML 1.2; PyYAML's YAML 1.1 rules would turn codes into booleans or strip zeros.
    """


_Loader.yaml_implicit_resolvers = {
    first: [
        (tag, rx)
        for tag, rx in resolvers
        if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)
_TABLE_KEYS = {"file", "sheet", "columns", "values", "constants"}
_TOP_KEYS = {"format", "name", "households", "persons", "csv", "description"}


@dataclass(frozen=True)
class TableMapping:
    table: Table
    file: str | None = None
    sheet: str | int | None = None
    columns: dict[str, str] = field(default_factory=dict)  # source → schema
    values: dict[str, dict[str, Any]] = field(default_factory=dict)  # schema → {source: value}
    constants: dict[str, Any] = field(default_factory=dict)

    def recode(self, schema_column: str) -> dict[str, Any] | None:
        return self.values.get(schema_column)


@dataclass(frozen=True)
class Mapping:
    name: str
    path: Path
    households: TableMapping
    persons: TableMapping
    csv: CsvOptions = field(default_factory=CsvOptions)

    def table(self, name: Table) -> TableMapping:
        return self.households if name == "households" else self.persons


def value_key(value: Any) -> str:
    """How a source value is looked up in ``values``: 1, 1.0 and "1" are the same code."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def load_mapping(path: str | Path) -> Mapping:
    path = Path(path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except FileNotFoundError:
        raise SejahteraError("mapping.not_found", path=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SejahteraError("mapping.unreadable", path=path, detail=exc) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else "?"
        raise SejahteraError(
            "mapping.yaml", path=path, line=line, detail=getattr(exc, "problem", str(exc))
        ) from None
    if not isinstance(raw, dict):
        raise SejahteraError("mapping.shape", path=path, key="(top)")
    if raw.get("format", FORMAT) != FORMAT:
        raise SejahteraError("mapping.format", path=path, found=raw.get("format"), expected=FORMAT)
    _only(raw, _TOP_KEYS, path, "(top)")
    tables = {name: _table(raw.get(name), name, path) for name in TABLES}
    csv = _csv_options(raw.get("csv") or {}, path)
    for name, table in tables.items():
        if not (table.columns or table.constants):
            raise SejahteraError("mapping.no_section", path=path, table=name)
    return Mapping(
        name=str(raw.get("name", path.stem)),
        path=path,
        households=tables["households"],
        persons=tables["persons"],
        csv=csv,
    )


def _only(raw: dict[str, Any], allowed: set[str], path: Path, where: str) -> None:
    for key in raw:
        if key not in allowed:
            raise SejahteraError(
                "mapping.unknown_key",
                path=path,
                key=f"{where}.{key}",
                allowed=", ".join(sorted(allowed)),
            )


def _pairs(raw: Any, path: Path, key: str) -> dict[Any, Any]:
    """``raw`` when it is a mapping (or empty), else a message naming ``key``."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise SejahteraError("mapping.shape", path=path, key=key)
    return raw


def _table(raw: Any, table: Table, path: Path) -> TableMapping:
    raw = _pairs(raw, path, table)
    _only(raw, _TABLE_KEYS, path, table)
    columns = {
        str(k): str(v) for k, v in _pairs(raw.get("columns"), path, f"{table}.columns").items()
    }
    values = {
        str(k): {value_key(s): t for s, t in _pairs(v, path, f"{table}.values.{k}").items()}
        for k, v in _pairs(raw.get("values"), path, f"{table}.values").items()
    }
    constants = dict(_pairs(raw.get("constants"), path, f"{table}.constants"))
    file = raw.get("file")
    if file is not None and not isinstance(file, str):
        raise SejahteraError("mapping.file", path=path, table=table, value=file)
    named = [*columns.values(), *values, *constants]
    for schema_column in named:
        if column(table, schema_column) is None:
            known = ", ".join(c.name for c in COLUMNS[table])
            raise SejahteraError(
                "mapping.unknown_column", path=path, table=table, column=schema_column, known=known
            )
    targets = list(columns.values())
    for schema_column in set(targets):
        if targets.count(schema_column) > 1:
            raise SejahteraError("mapping.twice", path=path, table=table, column=schema_column)
    return TableMapping(table, file, raw.get("sheet"), columns, values, constants)


def _csv_options(raw: Any, path: Path) -> CsvOptions:
    if not isinstance(raw, dict):
        raise SejahteraError("mapping.shape", path=path, key="csv")
    _only(raw, {"delimiter", "encoding", "decimal"}, path, "csv")
    decimal = raw.get("decimal")
    if decimal not in (None, ".", ","):
        raise SejahteraError("mapping.decimal", path=path, value=decimal)
    delimiter = raw.get("delimiter")
    if delimiter in ("tab", "\\t"):
        delimiter = "\t"
    return CsvOptions(delimiter, raw.get("encoding"), decimal)
