"""``sejahtera data import``: source files + mapping → a validated ``sejahtera/v1`` dataset.

All or nothing: every problem in every file is collected first; if there is any, nothing is
written and the report is raised as ``ImportFailed``. Otherwise the dataset is written to a
temporary folder beside ``out`` and renamed into place.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sejahtera.data.coerce import coerce_frame, map_distinct
from sejahtera.data.dataset import Dataset, Manifest, write_dataset
from sejahtera.data.mapping import Mapping, TableMapping, value_key
from sejahtera.data.readers import Decimal, SourceTable, read_table
from sejahtera.data.regions import LEVELS, parent_code
from sejahtera.data.schema import COLUMNS, REGION_COLUMNS, Table
from sejahtera.data.validate import Part, validate_frames
from sejahtera.errors import ProblemReport, SejahteraError
from sejahtera.i18n import text

Step = Callable[[float, str], None]  # how far the import is (0–1) and what it is doing


class ImportFailed(SejahteraError):
    """The source has problems; ``report`` lists them. Nothing was written."""

    def __init__(self, report: ProblemReport) -> None:
        super().__init__("import.failed", count=report.total)
        self.report = report


def import_dataset(
    source: str | Path,
    mapping: Mapping,
    out: str | Path,
    *,
    name: str | None = None,
    reference_date: str | None = None,
    limit: int = 1000,
    overwrite: bool = False,
    progress: Step | None = None,
    source_label: str | None = None,
) -> Dataset:
    """Import ``source`` through ``mapping`` into the dataset folder ``out``.

    ``progress`` is told each stage (reading each file, checking, writing) with the fraction
    done; it may raise to stop the import, which then writes nothing. ``source_label`` is
    what the manifest records as the source (the files' and the mapping's names by default)."""
    step = progress or _silent
    source = Path(source)
    if not source.exists():
        raise SejahteraError("read.not_found", path=source)
    if reference_date is not None:
        try:
            reference_date = date.fromisoformat(reference_date).isoformat()
        except ValueError:
            raise SejahteraError("import.reference_date", value=reference_date) from None
    report = ProblemReport(limit=limit)
    cache: dict[tuple[Path, Any], SourceTable] = {}
    parts: dict[Table, Part] = {}
    locations = {t: _location(source, mapping.table(t)) for t in ("households", "persons")}
    person_level = locations["households"] == locations["persons"]
    for table in ("persons", "households"):
        location = locations[table]
        if location not in cache:
            step(0.05 if table == "persons" else 0.3, text("import.reading", file=location[0].name))
            cache[location] = read_table(location[0], sheet=location[1], csv_options=mapping.csv)
        raw = cache[location]
        absent: set[str] = set()
        frame = _mapped(raw, mapping.table(table), report, absent)
        if table == "households" and person_level:
            parts[table] = _households_from_persons(frame, raw.file, report)
        else:
            parts[table] = Part.of(frame, raw.file)
        rows = len(parts[table].frame)
        parts[table].failed.update({name: np.ones(rows, dtype=bool) for name in absent})
    step(0.5, text("import.checking"))
    typed = {
        t: _typed(parts[t], t, report, cache[locations[t]].decimal)
        for t in ("households", "persons")
    }
    for table, part in typed.items():
        if len(part.frame) == 0:
            report.add_rows(part.file, "", "empty", [None], [""], table)
    validate_frames(typed["households"], typed["persons"], report)
    if report:
        raise ImportFailed(report)
    step(0.8, text("import.writing"))
    households = typed["households"].frame
    manifest = Manifest(
        name=name or mapping.name,
        region_code=_common_region(households),
        reference_date=reference_date or date.today().isoformat(),
        source=source_label or f"{source.name} (mapping: {mapping.path.name})",
        synthetic=False,
    )
    return write_dataset(out, households, typed["persons"].frame, manifest, overwrite=overwrite)


def _silent(fraction: float, message: str) -> None:
    """No one is told how far the import is."""


def _location(source: Path, table: TableMapping) -> tuple[Path, Any]:
    if table.file is None:
        if source.is_dir():
            raise SejahteraError("import.needs_file", table=table.table, path=source)
        return source, table.sheet
    base = source if source.is_dir() else source.parent
    return base / table.file, table.sheet


def _mapped(
    raw: SourceTable, table: TableMapping, report: ProblemReport, absent: set[str]
) -> pd.DataFrame:
    """Schema-named columns from the source, recoded; missing source columns reported.

    ``absent`` receives the schema columns whose source column is missing.
    """
    frame = raw.frame
    out: dict[str, pd.Series] = {}
    for source_column, schema_column in table.columns.items():
        if source_column not in frame.columns:
            absent.add(schema_column)
            report.add_rows(
                raw.file,
                source_column,
                "source_column_missing",
                [None],
                [""],
                ", ".join(map(str, frame.columns[:30])),
            )
            continue
        values = frame[source_column]
        recode = table.recode(schema_column)
        if recode:
            values = values.astype(object).map(
                lambda v, r=recode: v if pd.isna(v) else r.get(value_key(v), v)
            )
        out[schema_column] = values
    for schema_column, value in table.constants.items():
        out[schema_column] = pd.Series([value] * len(frame), index=frame.index, dtype=object)
    return pd.DataFrame(out, index=frame.index)


def _households_from_persons(frame: pd.DataFrame, file: str, report: ProblemReport) -> Part:
    """One row per household from a person-level file; its household columns must agree.

    Each column takes the household's first non-blank value, so a value given only on the
    head's row is kept; two different non-blank values are reported.
    """
    names = {c.name for c in COLUMNS["households"]}
    columns = [c for c in frame.columns if c in names]
    if "household_id" not in columns:
        return Part.of(frame[columns], file)
    households = frame[columns]
    rows = np.arange(1, len(frame) + 1)
    key = households["household_id"].astype("string")
    for name in columns:
        if name == "household_id":
            continue
        distinct = households[name].astype("string").groupby(key).transform("nunique")
        bad = (distinct > 1).fillna(False).to_numpy(dtype=bool)
        report.add_where(file, name, "household_inconsistent", rows, bad, households[name])
    first = (~key.duplicated(keep="first") & key.notna()).to_numpy()
    merged = households[key.notna().to_numpy()].groupby(key.dropna(), sort=False).first()
    merged["household_id"] = households["household_id"][first].to_numpy()  # as in the source
    merged.index = households.index[first]
    return Part(merged[columns], file, rows[first])


def _typed(part: Part, table: Table, report: ProblemReport, decimal: Decimal) -> Part:
    failed = dict(part.failed)
    frame = coerce_frame(part.frame, table, part.file, part.rows, report, decimal, failed)
    if table == "households":
        frame = _derive_region_codes(frame, failed)
        if "weight" not in frame.columns:
            frame["weight"] = 1.0
    return Part(frame, part.file, part.rows, failed)


def _derive_region_codes(frame: pd.DataFrame, failed: dict[str, np.ndarray]) -> pd.DataFrame:
    """Fill higher region codes from the most detailed one given (a desa code implies the rest).

    A derived code counts as rejected wherever the code it came from was rejected.
    """
    present = [c for c in REGION_COLUMNS if c in frame.columns]
    if not present:
        return frame
    finest = present[-1]
    for level, name in zip(LEVELS, REGION_COLUMNS, strict=True):
        if name in frame.columns or REGION_COLUMNS.index(name) > REGION_COLUMNS.index(finest):
            continue
        codes = frame[finest]
        frame[name] = map_distinct(codes, lambda c, lv=level: parent_code(c, lv)).astype("string")
        if finest in failed:
            failed[name] = failed[finest]
    return frame[[c.name for c in COLUMNS["households"] if c.name in frame.columns]]


def _common_region(households: pd.DataFrame) -> str:
    """The most detailed region code shared by every household ("" when none is)."""
    for name in reversed(REGION_COLUMNS):
        if name in households.columns:
            codes = households[name].dropna().unique()
            if len(codes) == 1 and households[name].notna().all():
                return str(codes[0])
    return ""
