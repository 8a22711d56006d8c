"""Ids repeated across the parts of a dataset, found with memory that does not grow with it.

While the parts are validated one at a time, each distinct id of a part is written to disk as a
16-byte record (its 64-bit hash, the part, the row) into one of B bucket files chosen by the
hash's top bits. B is set from the row count in the manifest so that one bucket, while it is
sorted, fits ``budget_bytes`` (256 MB unless told). Afterwards each bucket is checked alone:

1. sort the bucket by hash; records whose hash occurs more than once are candidates;
2. read the candidates' ids back from their parts (only that column, only those rows);
3. group the candidates of each bucket by the id itself: only equal ids are reported, so a hash
   collision never shows as a repeat.

Peak memory is the part being validated, or one bucket, or one part's id column: not the size of
the dataset. Scratch disk: 16 bytes per distinct id per checked column, in a temporary folder
under ``TMPDIR`` that is removed at the end.
"""

from __future__ import annotations

import errno
import math
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from sejahtera.data.schema import Table
from sejahtera.errors import Problem, ProblemReport, SejahteraError
from sejahtera.i18n import text

RECORD = np.dtype([("hash", "<u8"), ("part", "<u4"), ("row", "<u4")])
WORKING_BYTES = 48  # per record while a bucket is sorted: records, sort order, sorted copy
BUDGET_BYTES = 256 << 20
MAX_BITS = 12  # at most 4,096 buckets per column


@dataclass(frozen=True)
class Key:
    """A column whose values must not repeat across parts, and the rule a repeat breaks."""

    table: Table
    column: str
    rule: str
    masked: bool = False  # personal data: the report names the row, never the value


KEYS = (
    Key("households", "household_id", "duplicate_id"),
    Key("persons", "person_id", "duplicate_id"),
    # A household is never split between parts, so a family card in two parts is in two
    # households.
    Key("persons", "family_id", "duplicate_id"),
    Key("persons", "nik", "duplicate_nik", masked=True),
)

# Reads one part's typed values of a column back: (part index, key) → values by row, row 1 first.
Reader = Callable[[int, Key], pd.Series]


def hash_values(values: pd.Series) -> np.ndarray:
    """64-bit hashes of the values (monkeypatched in tests to force collisions)."""
    return pd.util.hash_pandas_object(values, index=False).to_numpy(dtype=np.uint64)


class CrossPartRepeats:
    """Collect each part's ids with :meth:`add`, then :meth:`report` the repeats across parts.

    Used as a context manager: the scratch folder is removed on leaving it, whatever happened.
    """

    def __init__(
        self,
        rows: Mapping[Table, int],
        files: Sequence[Mapping[Table, str]],
        read: Reader,
        budget_bytes: int = BUDGET_BYTES,
    ) -> None:
        self.files = files  # per part: the name each table's file has in the report
        self.read = read
        self.bits = {
            table: min(MAX_BITS, math.ceil(math.log2(max(1, n * WORKING_BYTES / budget_bytes))))
            for table, n in rows.items()
        }
        self.folder: Path | None = None

    def __enter__(self) -> CrossPartRepeats:
        if len(self.files) > 1:
            with _scratch(Path(tempfile.gettempdir())):
                self.folder = Path(tempfile.mkdtemp(prefix="sejahtera-validate-"))
        return self

    def __exit__(self, *exc: object) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)

    def buckets(self, key: Key) -> int:
        return 1 << self.bits[key.table]

    def add(self, part: int, table: Table, frame: pd.DataFrame, rows: np.ndarray) -> None:
        """Write the distinct ids of one part's table (repeats inside a part are reported by
        the part's own checks)."""
        if self.folder is None:
            return
        for key in KEYS:
            if key.table != table or key.column not in frame:
                continue
            values = frame[key.column]
            first = values.notna().to_numpy() & ~values.duplicated().to_numpy()
            records = np.empty(int(first.sum()), RECORD)
            records["hash"] = hash_values(values[first])
            records["part"] = part
            records["row"] = rows[first]
            with _scratch(self.folder):
                self._spread(records, key, "bucket")

    def report(self, report: ProblemReport) -> None:
        """Add every id found in more than one part, named where it repeats and where it was
        first, column by column; the first of them (by part and row) are kept in full."""
        if self.folder is None:
            return
        for key in KEYS:
            with _scratch(self.folder):
                for bucket in range(self.buckets(key)):
                    self._candidates(key, bucket)
                self._read_back(key)
                self._confirm(key, report)

    # --- the steps, each with one bucket or one part in memory ---

    def _path(self, key: Key, kind: str, number: int) -> Path:
        assert self.folder is not None
        return self.folder / f"{key.column}-{kind}-{number:05d}"

    def _bucket_of(self, hashes: np.ndarray, key: Key) -> np.ndarray:
        bits = self.bits[key.table]
        if bits == 0:
            return np.zeros(len(hashes), dtype=np.intp)
        return (hashes >> np.uint64(64 - bits)).astype(np.intp)

    def _spread(self, records: np.ndarray, key: Key, kind: str) -> None:
        """Append records to the bucket files (``kind`` "bucket") or part files ("part")."""
        if not len(records):
            return
        groups = self._bucket_of(records["hash"], key) if kind == "bucket" else records["part"]
        order = np.argsort(groups, kind="stable")  # keeps part and row order within a group
        records, groups = records[order], groups[order]
        starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
        for start, end in zip(starts, [*starts[1:], len(groups)], strict=True):
            with self._path(key, kind, int(groups[start])).open("ab") as handle:
                records[start:end].tofile(handle)

    def _candidates(self, key: Key, bucket: int) -> None:
        """Records of one bucket whose hash occurs more than once, sent to their parts' files."""
        path = self._path(key, "bucket", bucket)
        if not path.exists():
            return
        records = np.fromfile(path, RECORD)
        path.unlink()
        records = records[np.argsort(records["hash"], kind="stable")]
        same = records["hash"][1:] == records["hash"][:-1]
        shared = np.r_[same, False] | np.r_[False, same]
        self._spread(records[shared], key, "part")

    def _read_back(self, key: Key) -> None:
        """Each part's candidates with their ids, sorted by hash, in one Arrow file per part."""
        for part in range(len(self.files)):
            path = self._path(key, "part", part)
            if not path.exists():
                continue
            records = np.fromfile(path, RECORD)  # sorted by hash: buckets came in order
            path.unlink()
            values = self.read(part, key).to_numpy(dtype=object)[records["row"].astype(np.intp) - 1]
            table = pa.table(
                {
                    "hash": records["hash"],
                    "part": records["part"],
                    "row": records["row"],
                    "value": pa.array(values, type=pa.string()),
                }
            )
            path = self._path(key, "values", part)
            with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as out:
                out.write_table(table)

    def _confirm(self, key: Key, report: ProblemReport) -> None:
        room = max(report.limit - len(report.problems), 0)
        kept = pd.DataFrame()
        found = 0
        parts = [t for i in range(len(self.files)) if (t := self._values(key, i)) is not None]
        for bucket in range(self.buckets(key) if parts else 0):
            repeats = _equal_values(self._bucket_values(key, bucket, parts))
            if len(repeats):
                found += len(repeats)
                kept = pd.concat([kept, repeats]) if len(kept) else repeats
                kept = kept.sort_values(["part", "row"]).head(room)
        for item in kept.itertuples():
            first = self.files[item.first_part][key.table]
            report.add(
                Problem(
                    self.files[item.part][key.table],
                    int(item.row),
                    key.column,
                    "••••" if key.masked else item.value,
                    key.rule,
                    text("report.across_parts_first", file=first, row=int(item.first_row)),
                )
            )
        if found > len(kept):
            report.counts[key.rule] += found - len(kept)

    def _values(self, key: Key, part: int) -> pa.Table | None:
        """One part's read-back candidates, memory-mapped (pages are read as they are used)."""
        path = self._path(key, "values", part)
        return pa.ipc.open_file(pa.memory_map(str(path))).read_all() if path.exists() else None

    def _bucket_values(self, key: Key, bucket: int, parts: list[pa.Table]) -> pd.DataFrame:
        """The read-back candidates of one bucket, from every part's table (sorted by hash)."""
        bits = self.bits[key.table]
        shift = np.uint64(64 - bits)
        low = np.uint64(bucket) << shift if bits else np.uint64(0)
        slices = []
        for table in parts:
            hashes = table.column("hash").to_numpy()
            start = int(np.searchsorted(hashes, low, side="left"))
            end = len(hashes)
            if bucket + 1 < 1 << bits:
                end = int(np.searchsorted(hashes, np.uint64(bucket + 1) << shift, side="left"))
            if end > start:
                slices.append(table.slice(start, end - start).to_pandas())
        return pd.concat(slices) if slices else pd.DataFrame()


def _equal_values(candidates: pd.DataFrame) -> pd.DataFrame:
    """Rows whose value occurred in an earlier part, with where it occurred first.

    Each part contributes a value at most once, so the first occurrence is the lowest part."""
    if candidates.empty:
        return candidates
    ordered = candidates.sort_values(["value", "part", "row"], kind="stable")
    repeat = ordered["value"].duplicated().to_numpy()
    group = np.cumsum(~repeat) - 1
    firsts = ordered[~repeat]
    return ordered.assign(
        first_part=firsts["part"].to_numpy()[group],
        first_row=firsts["row"].to_numpy()[group],
    )[repeat]


@contextmanager
def _scratch(folder: Path) -> Iterator[None]:
    """Turn a failed write to the scratch folder into a message the user can act on."""
    try:
        yield
    except OSError as error:
        full = error.errno == errno.ENOSPC or "No space left" in str(error)  # Arrow: no errno
        key = "validate.scratch_full" if full else "validate.scratch_unwritable"
        raise SejahteraError(key, folder=folder, detail=error.strerror or str(error)) from None
