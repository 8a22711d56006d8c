"""A version's first rows as a page shows them, in the page's language: codes by their names
(Semen/bata merah, Kepala), flags as Ya/Tidak, region codes with their names, numbers in the
page's format, personal columns (address, NIK, name) masked unless revealed; the headers are the
columns' labels (ID rumah tangga, Memiliki lahan), their schema names kept as tooltips."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from sejahtera.data.dataset import Dataset as DataFolder
from sejahtera.data.labels import cell_label
from sejahtera.data.schema import TABLES, column
from sejahtera.workbench.datasets import services
from sejahtera.workbench.datasets.models import DatasetVersion
from sejahtera.workbench.datasets.uploads import PERSONAL_SCHEMA, Header, mask

SHOWN = 10  # rows of each table


@dataclass(frozen=True)
class Cell:
    """A value as the page shows it; ``numeric`` for a number column's cell (class ``n``: set to
    the right, and a number in the table's XLSX export)."""

    text: str
    numeric: bool = False

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Rows:
    tables: list[tuple[str, list[Header], list[list[Cell]]]]  # (table, headers, rows)
    masked: list[str]

    @property
    def rows(self) -> list[list[Cell]]:
        return [row for _, _, rows in self.tables for row in rows]


def first_rows(version: DatasetVersion, revealed: bool = False) -> Rows:
    folder = DataFolder.open(services.folder_of(version), verify=False)
    tables, masked = [], set()
    for table, file in zip(TABLES, folder.part_files()[0], strict=True):
        batch = next(pq.ParquetFile(file).iter_batches(batch_size=SHOWN), None)
        frame = batch.to_pandas() if batch is not None else None
        if frame is None:
            continue
        columns = [str(c) for c in frame.columns]
        personal = [c for c in columns if c in PERSONAL_SCHEMA]
        masked.update(personal)
        numeric = [_numeric(table, name) and name not in personal for name in columns]
        shown = [
            [
                Cell(_cell(table, name, value, name in personal and not revealed), number)
                for name, value, number in zip(columns, record, numeric, strict=True)
            ]
            for record in frame.head(SHOWN).itertuples(index=False, name=None)
        ]
        headers = [Header.of(name, column(table, name)) for name in columns]  # type: ignore[arg-type]
        tables.append((table, headers, shown))
    return Rows(tables, sorted(masked))


def _numeric(table: str, name: str) -> bool:
    found = column(table, name)  # type: ignore[arg-type]
    return found is not None and found.kind in ("float", "int")


def _cell(table: str, name: str, value: Any, hide: bool) -> str:
    if hide and not (pd.api.types.is_scalar(value) and pd.isna(value)):
        return mask(str(value), name)
    return cell_label(column(table, name), value)  # type: ignore[arg-type]
