"""Checks on typed households and persons: completeness, regions, ids, heads and NIK.

Coercion (``coerce.py``) has already checked each value's type, range and category; these rules
look across values and tables. Every check is vectorised and reports through a ProblemReport.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sejahtera.data.coerce import coerce_frame, is_in, map_distinct
from sejahtera.data.regions import LEVELS, Registry, parent_code, registry
from sejahtera.data.repeats import BUDGET_BYTES, CrossPartRepeats, Key
from sejahtera.data.schema import COLUMNS, REGION_COLUMNS, TABLES, Table
from sejahtera.errors import ProblemReport

if TYPE_CHECKING:
    from sejahtera.data.dataset import Dataset


@dataclass
class Part:
    """A typed table with where its rows came from."""

    frame: pd.DataFrame
    file: str
    rows: np.ndarray  # source row number of each row, 1 = first data row
    failed: dict[str, np.ndarray] = field(default_factory=dict)  # rejected values, per column

    @classmethod
    def of(cls, frame: pd.DataFrame, file: str) -> Part:
        return cls(frame, file, np.arange(1, len(frame) + 1))


def validate_frames(
    households: Part,
    persons: Part,
    report: ProblemReport,
    regions: Registry | None = None,
) -> None:
    """Run every cross-value rule on one households table and its persons."""
    regions = regions or registry()
    check_required(households, "households", report)
    check_required(persons, "persons", report)
    check_regions(households, regions, report)
    check_unique(households, "household_id", report)
    check_unique(persons, "person_id", report)
    check_members(households, persons, report)
    check_families(persons, report)
    check_nik(persons, report)
    check_person_consistency(persons, report)


def check_required(part: Part, table: Table, report: ProblemReport) -> None:
    for col in COLUMNS[table]:
        if not col.required:
            continue
        if col.name not in part.frame.columns:
            if col.name not in part.failed:  # not already reported as a missing source column
                report.add_rows(part.file, col.name, "column_missing", [None], [""])
            continue
        empty = part.frame[col.name].isna().to_numpy()
        rejected = part.failed.get(col.name)
        _flag(report, part, col.name, "missing", empty if rejected is None else empty & ~rejected)


def check_regions(part: Part, regions: Registry, report: ProblemReport) -> None:
    """Each code must exist (where the registry goes that deep) and sit inside its parent."""
    frame = part.frame
    for level, name in zip(LEVELS, REGION_COLUMNS, strict=True):
        if name not in frame.columns:
            continue
        codes = frame[name]
        present = codes.notna().to_numpy()
        distinct = pd.unique(codes[present])
        known = {code: _known(code, level, regions) for code in distinct}
        unknown = present & ~codes.map(known).fillna(True).to_numpy(dtype=bool)
        _flag(report, part, name, "region_unknown", unknown)
        higher = [
            (lv, col)
            for lv, col in zip(LEVELS, REGION_COLUMNS, strict=True)
            if col in frame.columns and LEVELS.index(lv) < LEVELS.index(level)
        ]
        for parent_level, parent_column in higher:
            parents = frame[parent_column]
            both = present & parents.notna().to_numpy()
            prefix = map_distinct(codes[both], lambda c, lv=parent_level: parent_code(c, lv))
            mismatch = np.zeros(len(frame), dtype=bool)
            mismatch[both] = prefix.to_numpy() != parents[both].to_numpy()
            _flag(report, part, name, "region_mismatch", mismatch, detail=parent_column)


def _known(code: str, level: str, regions: Registry) -> bool:
    """Unknown only if the registry lists that level for the parent region and lacks the code."""
    if code.count(".") != LEVELS.index(level):  # type: ignore[arg-type]
        return False
    if code in regions:
        return True
    parent = code.rsplit(".", 1)[0] if "." in code else ""
    return not regions.has_detail(parent) and (
        parent == "" or parent in regions or not _parent_required(level)
    )


def _parent_required(level: str) -> bool:
    return level in ("province", "regency")


def check_unique(part: Part, column: str, report: ProblemReport) -> None:
    if column not in part.frame.columns:
        return
    values = part.frame[column]
    _flag(
        report,
        part,
        column,
        "duplicate_id",
        (values.duplicated(keep="first") & values.notna()).to_numpy(),
    )


def check_members(households: Part, persons: Part, report: ProblemReport) -> None:
    """Each person's household exists; each household has exactly one head."""
    if "household_id" not in persons.frame or "household_id" not in households.frame:
        return
    member_of = persons.frame["household_id"]
    known = households.frame["household_id"].dropna().unique()
    orphan = member_of.notna().to_numpy() & ~is_in(member_of, known)
    _flag(report, persons, "household_id", "orphan_person", orphan)
    if "relationship" not in persons.frame:
        return
    heads = (persons.frame["relationship"] == "head").fillna(False)
    per_household = heads.groupby(member_of).sum()
    counts = households.frame["household_id"].map(per_household).fillna(0).astype(int)
    _flag(report, households, "household_id", "no_head", (counts == 0).to_numpy())
    _flag(report, households, "household_id", "several_heads", (counts > 1).to_numpy())


def check_families(persons: Part, report: ProblemReport) -> None:
    """A family card (``family_id``) lies within one household: a member listed in another
    household than the card's first member is flagged."""
    frame = persons.frame
    if not {"family_id", "household_id"} <= set(frame.columns):
        return
    given = frame["family_id"].notna() & frame["household_id"].notna()
    first = frame["household_id"].where(given).groupby(frame["family_id"]).transform("first")
    _flag(
        report,
        persons,
        "family_id",
        "family_households",
        (given & (first != frame["household_id"])).to_numpy(),
    )


def check_nik(persons: Part, report: ProblemReport) -> None:
    if "nik" not in persons.frame:
        return
    nik = persons.frame["nik"]
    duplicated = (nik.duplicated(keep="first") & nik.notna()).to_numpy()
    # The value is personal data: the report names the row, never the NIK itself.
    _flag(report, persons, "nik", "duplicate_nik", duplicated, masked=True)


def check_person_consistency(persons: Part, report: ProblemReport) -> None:
    frame = persons.frame
    if {"pregnant", "sex", "age"} <= set(frame.columns):
        pregnant = frame["pregnant"].fillna(False).to_numpy(dtype=bool)
        possible = (frame["sex"] == "F").fillna(True).to_numpy(dtype=bool) & (
            frame["age"].between(10, 55).fillna(True).to_numpy(dtype=bool)
        )
        _flag(report, persons, "pregnant", "pregnancy", pregnant & ~possible)
    if {"enrolled", "school_level"} <= set(frame.columns):
        level = frame["school_level"].notna().to_numpy()
        enrolled = frame["enrolled"].fillna(False).to_numpy(dtype=bool)
        _flag(report, persons, "school_level", "school_level", level & ~enrolled)


def _flag(
    report: ProblemReport,
    part: Part,
    column: str,
    rule: str,
    bad: np.ndarray,
    detail: str = "",
    masked: bool = False,
) -> None:
    values = part.frame.get(column)
    report.add_where(part.file, column, rule, part.rows, bad, values, detail, masked)


def validate_dataset(
    dataset: Dataset,
    limit: int = 1000,
    regions: Registry | None = None,
    budget_bytes: int = BUDGET_BYTES,
) -> ProblemReport:
    """Check a stored dataset part by part, then ids across parts.

    Memory holds one part at a time, then one bucket of ids (``budget_bytes``; see
    :mod:`sejahtera.data.repeats`), whatever the size of the dataset.
    """
    report = ProblemReport(limit=limit)
    pairs = dataset.part_files()
    files = [
        {
            table: path.name if len(pairs) == 1 else str(path.relative_to(dataset.path))
            for table, path in zip(TABLES, pair, strict=True)
        }
        for pair in pairs
    ]

    def read(part: int, key: Key) -> pd.Series:
        path = pairs[part][TABLES.index(key.table)]
        raw = dataset.read_file(path, columns=[key.column])
        rows = np.arange(1, len(raw) + 1)
        ignored = ProblemReport(limit=0)  # reported when the part was checked
        return coerce_frame(raw, key.table, path.name, rows, ignored)[key.column]

    rows = {"households": dataset.manifest.households, "persons": dataset.manifest.persons}
    with CrossPartRepeats(rows, files, read, budget_bytes) as repeats:
        for index, pair in enumerate(pairs):
            tables = []
            for table, path in zip(TABLES, pair, strict=True):
                raw = dataset.read_file(path)
                name = files[index][table]
                rows = np.arange(1, len(raw) + 1)
                failed: dict[str, np.ndarray] = {}
                typed = coerce_frame(raw, table, name, rows, report, failed=failed)
                extra = raw[[c for c in raw.columns if c not in typed.columns]]
                tables.append(Part(pd.concat([typed, extra], axis=1), name, rows, failed))
                repeats.add(index, table, typed, rows)
            validate_frames(tables[0], tables[1], report, regions)
        repeats.report(report)
    return report
