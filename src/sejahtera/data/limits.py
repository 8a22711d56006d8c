"""How much one table file may hold, checked before (or, for cells, right after) it is read.

A hostile or broken file must not take the machine's memory: a 2.7 MB ``.xlsx`` can unpack to
640 MB of sheet XML, and openpyxl would read all of it. Each reader in
:mod:`sejahtera.data.readers` checks :class:`ReadLimits` first, from what the file declares:

- **Every file**: its size on disk (``max_file_bytes``).
- **CSV**: the file's size (``max_csv_bytes``; the text is held in memory as bytes, text and a
  table of strings, about eight times the file: 355 MB for a 43 MB file of 600,000 rows), each
  line (``max_line_bytes``), the columns and rows, and each text cell (``max_cell_chars``: a
  million characters, far beyond a real note and far below a file swallowed by one unclosed
  quote).
- **XLSX** (and any zip read here, such as a brief's ``.docx``: :func:`check_zip`): the sizes
  the zip declares for its members, before anything is unpacked: all of them
  together (``max_unpacked_bytes``), the ratio of unpacked to packed for each member above 1 MB
  (``max_ratio``: real sheets pack 5–20 times, a zip bomb hundreds of times), the number of
  members; then the rows, columns and cells. Python's zip reader stops at the declared size, so a
  member that lies about its size gives no more than it declared.
- **Parquet**: the rows, columns and unpacked size its footer declares; the longest text cell,
  measured in Arrow before the table becomes pandas.
- **Stata and SPSS**: the rows their header declares. **R**: the file's size.

A file beyond a limit raises :class:`SejahteraError` naming the file and the limit; nothing is
kept from it.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sejahtera.errors import SejahteraError

MB = 1 << 20


@dataclass(frozen=True)
class ReadLimits:
    """The limits of one read; the defaults are :data:`LIMITS`."""

    max_file_bytes: int = 1024 * MB  # any file on disk
    max_csv_bytes: int = 512 * MB  # a CSV (held in memory about eight times)
    max_line_bytes: int = 4 * MB  # one line of a CSV (a cell of max_cell_chars, in UTF-8)
    max_unpacked_bytes: int = 256 * MB  # an xlsx: all its members unpacked together
    max_parquet_unpacked_bytes: int = 4096 * MB  # a Parquet file: its row groups unpacked
    max_ratio: int = 100  # an xlsx member above 1 MB: unpacked size / packed size
    max_members: int = 10_000  # an xlsx: files inside the zip
    max_rows: int = 10_000_000
    max_columns: int = 2_000
    max_cell_chars: int = 1_000_000  # one text cell: long free-text notes, not a whole file


LIMITS = ReadLimits()


def check_file_size(path: Path, limit: int) -> None:
    size = path.stat().st_size
    if size > limit:
        raise SejahteraError("read.too_large", path=path, size=_mb(size), limit=_mb(limit))


def check_zip(path: Path, limits: ReadLimits = LIMITS) -> None:
    """Refuse a zip bomb (an ``.xlsx``, a ``.docx``) from the sizes the zip's directory
    declares, before anything is unpacked."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise SejahteraError("read.failed", path=path, detail=_first_line(exc)) from None
    if len(members) > limits.max_members:
        raise SejahteraError(
            "read.zip_members", path=path, count=len(members), limit=limits.max_members
        )
    unpacked = sum(member.file_size for member in members)
    if unpacked > limits.max_unpacked_bytes:
        raise SejahteraError(
            "read.zip_unpacked",
            path=path,
            size=_mb(unpacked),
            limit=_mb(limits.max_unpacked_bytes),
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > MB and ratio > limits.max_ratio:
            raise SejahteraError(
                "read.zip_ratio",
                path=path,
                member=member.filename,
                ratio=int(ratio),
                limit=limits.max_ratio,
            )


def check_lines(raw: bytes, path: Path, limits: ReadLimits) -> int:
    """Refuse a CSV line longer than ``max_line_bytes``, naming the line; else the length of the
    longest line."""
    if len(raw) <= limits.max_line_bytes:
        return len(raw)
    ends = np.flatnonzero(np.frombuffer(raw, dtype=np.uint8) == 10)
    starts = np.concatenate(([0], ends + 1))
    lengths = np.append(ends, len(raw)) - starts
    longest = int(np.argmax(lengths))
    if lengths[longest] > limits.max_line_bytes:
        raise SejahteraError(
            "read.line_too_long",
            path=path,
            line=longest + 1,
            size=int(lengths[longest]),
            limit=limits.max_line_bytes,
        )
    return int(lengths[longest])


def check_shape(rows: int, columns: int, path: Path, limits: ReadLimits) -> None:
    if rows > limits.max_rows:
        raise SejahteraError("read.too_many_rows", path=path, limit=limits.max_rows)
    if columns > limits.max_columns:
        raise SejahteraError(
            "read.too_many_columns", path=path, count=columns, limit=limits.max_columns
        )


def check_cells(frame: pd.DataFrame, path: Path, limits: ReadLimits) -> None:
    """Refuse a text cell longer than ``max_cell_chars``, naming its row (the header is row 1)
    and column."""
    for column in frame.columns:
        values = frame[column]
        if values.dtype != object and not isinstance(values.dtype, pd.StringDtype):
            continue
        try:
            lengths = values.str.len().fillna(0).to_numpy()
        except AttributeError:  # no text in the column
            continue
        if len(lengths) and lengths.max() > limits.max_cell_chars:
            row = int(np.argmax(lengths > limits.max_cell_chars))
            raise SejahteraError(
                "read.cell_too_long",
                path=path,
                row=row + 2,
                column=str(column)[:60],
                size=int(lengths[row]),
                limit=limits.max_cell_chars,
            )


def check_parquet(path: Path, limits: ReadLimits) -> None:
    """Rows, columns and unpacked size from the Parquet footer, before any data is read."""
    import pyarrow.parquet as pq

    metadata = pq.ParquetFile(path).metadata
    check_shape(metadata.num_rows, metadata.num_columns, path, limits)
    unpacked = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
    if unpacked > limits.max_parquet_unpacked_bytes:
        raise SejahteraError(
            "read.parquet_unpacked",
            path=path,
            size=_mb(unpacked),
            limit=_mb(limits.max_parquet_unpacked_bytes),
        )


def check_arrow_cells(table: object, path: Path, limits: ReadLimits) -> None:
    """The longest text cell of an Arrow table, measured in Arrow (no Python strings)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    assert isinstance(table, pa.Table)
    for name, column in zip(table.column_names, table.columns, strict=True):
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            continue
        lengths = pc.utf8_length(column)
        longest = pc.max(lengths).as_py()
        if longest is not None and longest > limits.max_cell_chars:
            row = pc.index(lengths, longest).as_py()
            raise SejahteraError(
                "read.cell_too_long",
                path=path,
                row=row + 2,
                column=name[:60],
                size=longest,
                limit=limits.max_cell_chars,
            )


def _mb(size: int) -> float:
    """A size in MB, shown by the messages as ``{size:,.1f}`` in the reader's convention."""
    return round(size / MB, 1)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
