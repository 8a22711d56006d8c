"""``sejahtera data describe``: what a dataset holds, column by column and region by region.

Computed part by part with mergeable sums, so a national dataset is described in flat memory.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from sejahtera.data.dataset import Dataset
from sejahtera.data.regions import registry
from sejahtera.data.schema import COLUMNS, TABLES, Column

TOP_VALUES = 8


@dataclass
class ColumnSummary:
    name: str
    kind: str
    rows: int = 0
    missing: int = 0
    minimum: float | None = None
    maximum: float | None = None
    total: float = 0.0
    values: Counter[str] = field(default_factory=Counter)

    def add(self, array: pa.ChunkedArray, personal: bool) -> None:
        self.rows += len(array)
        self.missing += array.null_count
        if self.kind in ("int", "float"):
            if len(array) - array.null_count:
                low, high = pc.min_max(array).values()
                self.minimum = _lower(self.minimum, low.as_py())
                self.maximum = _higher(self.maximum, high.as_py())
                self.total += pc.sum(array).as_py() or 0.0
        elif self.kind in ("bool", "category") and not personal:
            counts = pc.value_counts(array.drop_null())
            for item in counts.to_pylist():
                self.values[str(item["values"])] += item["counts"]

    def to_dict(self) -> dict[str, Any]:
        present = self.rows - self.missing
        out: dict[str, Any] = {
            "column": self.name,
            "type": self.kind,
            "rows": self.rows,
            "missing": self.missing,
        }
        if self.kind in ("int", "float") and present:
            out.update(min=self.minimum, max=self.maximum, mean=self.total / present)
        if self.values:
            out["values"] = dict(self.values.most_common(TOP_VALUES))
        return out


def _lower(a: float | None, b: float) -> float:
    return b if a is None else min(a, b)


def _higher(a: float | None, b: float) -> float:
    return b if a is None else max(a, b)


def describe(dataset: Dataset) -> dict[str, Any]:
    """Manifest, per-column summaries of both tables, and households per kabupaten/kota."""
    specs: dict[str, dict[str, Column]] = {t: {c.name: c for c in COLUMNS[t]} for t in TABLES}
    summaries: dict[str, dict[str, ColumnSummary]] = {t: {} for t in TABLES}
    regencies: Counter[str] = Counter()
    weighted: Counter[str] = Counter()
    for households, persons in dataset.partitions():
        for table, data in zip(TABLES, (households, persons), strict=True):
            for name in data.column_names:
                spec = specs[table].get(name)
                kind = spec.kind if spec else "str"
                summary = summaries[table].setdefault(name, ColumnSummary(name, kind))
                summary.add(data.column(name), bool(spec and spec.personal))
        if {"regency_code", "weight"} <= set(households.column_names):
            grouped = households.group_by("regency_code").aggregate(
                [("weight", "count"), ("weight", "sum")]
            )
            for row in grouped.to_pylist():
                regencies[row["regency_code"]] += row["weight_count"]
                weighted[row["regency_code"]] += row["weight_sum"]
    manifest = dataset.manifest
    names = registry()
    return {
        "path": str(dataset.path),
        "name": manifest.name,
        "schema": manifest.schema,
        "region_code": manifest.region_code,
        "region_name": names.name(manifest.region_code) if manifest.region_code else "",
        "reference_date": manifest.reference_date,
        "source": manifest.source,
        "synthetic": manifest.synthetic,
        "households": manifest.households,
        "persons": manifest.persons,
        "files": len(manifest.files),
        "regencies": [
            {
                "code": code,
                "name": names.name(code),
                "households": regencies[code],
                "households_weighted": round(weighted[code], 1),
            }
            for code in sorted(regencies, key=str)
        ],
        "columns": {t: [s.to_dict() for s in summaries[t].values()] for t in TABLES},
    }
