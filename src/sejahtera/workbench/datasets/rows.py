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
class Rows:
    tables: list[tuple[str, list[Header], list[list[str]]]]  # (table, headers, rows)
    masked: list[str]

    @property
    def rows(self) -> list[list[str]]:
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
        shown = [
            [
                _cell(table, name, value, name in personal and not revealed)
                for name, value in zip(columns, record, strict=True)
            ]
            for record in frame.head(SHOWN).itertuples(index=False, name=None)
        ]
        headers = [Header.of(name, column(table, name)) for name in columns]  # type: ignore[arg-type]
        tables.append((table, headers, shown))
    return Rows(tables, sorted(masked))


def _cell(table: str, name: str, value: Any, hide: bool) -> str:
    if hide and not (pd.api.types.is_scalar(value) and pd.isna(value)):
        return mask(str(value), name)
    return cell_label(column(table, name), value)  # type: ignore[arg-type]
