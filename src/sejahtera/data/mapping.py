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

The file is read by :func:`sejahtera.yamlfile.read_yaml` (YAML 1.2: ``Ya``, ``No`` or ``on`` stay
text, and ``01`` stays ``"01"``) and checked against :class:`MappingFile`: every mistake names the
file and the line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from sejahtera.data.readers import CsvOptions
from sejahtera.data.schema import COLUMNS, TABLES, Table, column
from sejahtera.yamlfile import Declared, FileError, read_yaml, validate

FORMAT = "sejahtera-mapping/v1"

Code = str | int | float | bool  # a source's column name or value as written: ID, 1, 1.5, true


class CsvSection(Declared):
    delimiter: str | None = None  # "tab" or \t for a tab
    encoding: str | None = None
    decimal: Literal[".", ","] | None = None


class TableSection(Declared):
    file: str | None = None
    sheet: str | int | None = None
    columns: dict[Code, str] = Field(default_factory=dict)  # source column → schema column
    values: dict[str, dict[Code, Any]] = Field(default_factory=dict)  # schema column → recode
    constants: dict[str, Any] = Field(default_factory=dict)  # schema column → value


class MappingFile(Declared):
    """A mapping file as written."""

    format: Literal["sejahtera-mapping/v1"] = FORMAT
    name: str | None = None
    description: str = ""
    households: TableSection | None = None
    persons: TableSection | None = None
    csv: CsvSection = Field(default_factory=CsvSection)


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
    return mapping_of(read_yaml(path, str(path)), str(path), path)


def mapping_of(content: object, file: str, path: Path | None = None) -> Mapping:
    """The mapping whose content (as read from YAML or JSON) is ``content``; ``file`` is how
    messages name it (a saved mapping's name in the workbench)."""
    path = path or Path(file)
    declared = validate(MappingFile, content, file)
    sections = {name: getattr(declared, name) for name in TABLES}
    tables = {name: _table(section, name, file) for name, section in sections.items()}
    for name, table in tables.items():
        if not (table.columns or table.constants):
            line = sections[name].line_of() if sections[name] else None
            raise FileError("mapping.no_section", file=file, line=line, table=name)
    csv = declared.csv
    delimiter = "\t" if csv.delimiter in ("tab", "\\t") else csv.delimiter
    return Mapping(
        name=declared.name or path.stem,
        path=path,
        households=tables["households"],
        persons=tables["persons"],
        csv=CsvOptions(delimiter, csv.encoding, csv.decimal),
    )


def _table(section: TableSection | None, table: Table, file: str) -> TableMapping:
    if section is None:
        return TableMapping(table)
    columns = {str(source): target for source, target in section.columns.items()}
    values = {
        name: {value_key(source): target for source, target in recode.items()}
        for name, recode in section.values.items()
    }
    named = [
        *((target, "columns") for target in columns.values()),
        *((name, "values") for name in values),
        *((name, "constants") for name in section.constants),
    ]
    for schema_column, part in named:
        if column(table, schema_column) is None:
            raise FileError(
                "mapping.unknown_column",
                file=file,
                line=section.line_of(part),
                table=table,
                column=schema_column,
                known=", ".join(c.name for c in COLUMNS[table]),
            )
    targets = list(columns.values())
    for schema_column in dict.fromkeys(targets):
        if targets.count(schema_column) > 1:
            raise FileError(
                "mapping.twice",
                file=file,
                line=section.line_of("columns"),
                table=table,
                column=schema_column,
            )
    return TableMapping(
        table, section.file, section.sheet, columns, values, dict(section.constants)
    )
