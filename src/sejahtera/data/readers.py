"""Read the table files a regional office has into pandas, keeping values as the file holds them.

Parquet, CSV (comma or semicolon, UTF-8 or Latin-1, Indonesian decimal comma), Excel ``.xlsx``,
Stata ``.dta`` and SPSS ``.sav`` (value labels become categories), and R ``.RData``/``.rds``.
CSV is read as text: numbers are parsed later, column by column, so that a bad value is reported
with its row instead of failing the whole file.

Every read is bounded by :class:`~sejahtera.data.limits.ReadLimits` (sizes, unpacked sizes, rows,
columns, cells), checked from what the file declares before it is read: see
:mod:`sejahtera.data.limits`.
"""

from __future__ import annotations

import csv
import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd

from sejahtera.data import limits as check
from sejahtera.data.limits import LIMITS, ReadLimits
from sejahtera.errors import SejahteraError

Decimal = Literal[".", ","]
SUFFIXES = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".dta": "stata",
    ".sav": "spss",
    ".zsav": "spss",
    ".rdata": "r",
    ".rda": "r",
    ".rds": "r",
}


@dataclass(frozen=True)
class CsvOptions:
    delimiter: str | None = None  # None: detect among , ; tab |
    encoding: str | None = None  # None: UTF-8 if it decodes, else Latin-1 (Windows-1252)
    decimal: Decimal | None = None  # None: comma when the delimiter is a semicolon


@dataclass(frozen=True)
class SourceTable:
    frame: pd.DataFrame
    file: str
    decimal: Decimal = "."


def read_table(
    path: str | Path,
    sheet: str | int | None = None,
    csv_options: CsvOptions | None = None,
    table: str | None = None,
    rows: int | None = None,
    limits: ReadLimits = LIMITS,
) -> SourceTable:
    """Read one table from ``path``; ``sheet`` picks an Excel sheet, ``table`` an R object.

    ``rows`` reads only the first rows (a preview: the columns and a few values), without
    reading the rest of a large file. A file beyond ``limits`` is refused before it is read."""
    path = Path(path)
    if not path.is_file():
        raise SejahteraError("read.not_found", path=path)
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise SejahteraError("read.unknown_format", path=path, formats=", ".join(sorted(SUFFIXES)))
    try:
        check.check_file_size(path, limits.max_file_bytes)
        if kind == "csv":
            return read_csv(path, csv_options or CsvOptions(), rows, limits)
        if kind == "parquet":
            frame = _read_parquet(path, rows, limits)
        elif kind == "excel":
            frame = _read_excel(path, sheet, rows, limits)
        elif kind == "stata":
            frame = _read_labelled(path, "dta", limits, limit=rows)
        elif kind == "spss":
            frame = _read_labelled(path, "sav", limits, limit=rows)
        else:
            frame = _read_r(path, table)
            frame = frame if rows is None else frame.head(rows)
            check.check_shape(len(frame), len(frame.columns), path, limits)
    except SejahteraError:
        raise
    except MemoryError:
        raise SejahteraError("read.failed", path=path, detail="MemoryError") from None
    except Exception as exc:  # each library raises its own types for a corrupt file
        raise SejahteraError("read.failed", path=path, detail=_first_line(exc)) from None
    return SourceTable(frame, path.name)


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def read_csv(
    path: Path, options: CsvOptions, rows: int | None = None, limits: ReadLimits = LIMITS
) -> SourceTable:
    if rows is None:
        check.check_file_size(path, limits.max_csv_bytes)
        raw = path.read_bytes()
    else:
        raw = _head(path, rows)
    longest_line = check.check_lines(raw, path, limits)
    text, _encoding = _decode(raw, options.encoding, path)
    del raw  # the text is what is kept; the bytes are not held beside it
    delimiter = options.delimiter or _sniff_delimiter(text)
    decimal = options.decimal or ("," if delimiter == ";" else ".")
    try:
        # index_col=False: rows with one field more than the header must not shift the columns
        # (pandas would take the first column as the index); the lost field is an error.
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(
                io.StringIO(text),
                sep=delimiter,
                dtype=str,
                keep_default_na=False,
                na_values=[""],
                skipinitialspace=True,
                engine="c",
                index_col=False,
                nrows=limits.max_rows + 1 if rows is None else rows,
            )
    except pd.errors.ParserError as exc:
        raise SejahteraError("read.csv_malformed", path=path, detail=_first_line(exc)) from None
    except pd.errors.ParserWarning:
        raise SejahteraError("read.csv_more_fields", path=path) from None
    except pd.errors.EmptyDataError:
        raise SejahteraError("read.empty", path=path) from None
    except csv.Error as exc:  # a NUL byte, an option pandas cannot use
        raise SejahteraError("read.csv_malformed", path=path, detail=_first_line(exc)) from None
    check.check_shape(len(frame), len(frame.columns), path, limits)
    if longest_line > limits.max_cell_chars or '"' in text:  # else no cell can be longer
        check.check_cells(frame, path, limits)
    if rows is None and len(frame.columns) > 1 and frame.iloc[:, -1].isna().any():
        _check_short_rows(text, delimiter, len(frame.columns), path)
    frame.columns = [str(c).strip() for c in frame.columns]
    return SourceTable(frame, path.name, decimal)


def _head(path: Path, rows: int) -> bytes:
    """The file's first lines, enough for the header and ``rows`` rows of up to 64 KB each,
    cut after a line end so that no character is cut in two."""
    with path.open("rb") as handle:
        raw = handle.read((1 << 16) * (rows + 1))
        if handle.read(1) and b"\n" in raw:
            raw = raw[: raw.rindex(b"\n") + 1]
    return raw


def _read_parquet(path: Path, rows: int | None, limits: ReadLimits) -> pd.DataFrame:
    import pyarrow.parquet as pq

    if rows is None:
        check.check_parquet(path, limits)
        data = pq.read_table(path)
        check.check_arrow_cells(data, path, limits)
        return data.to_pandas()
    file = pq.ParquetFile(path)
    batch = next(file.iter_batches(batch_size=max(rows, 1)), None)
    if batch is None:
        return file.schema_arrow.empty_table().to_pandas()
    return batch.to_pandas().head(rows)


def _check_short_rows(text: str, delimiter: str, width: int, path: Path) -> None:
    """Refuse a row with fewer fields than the header, which pandas would pad with blanks."""
    csv.field_size_limit(max(csv.field_size_limit(), len(text)))  # long free-text fields
    rows = csv.reader(io.StringIO(text), delimiter=delimiter, skipinitialspace=True)
    for row in rows:
        if len(row) < width and any(field.strip() for field in row):  # blank lines skipped
            raise SejahteraError(
                "read.csv_short_row", path=path, line=rows.line_num, expected=width, found=len(row)
            )


def _decode(raw: bytes, encoding: str | None, path: Path) -> tuple[str, str]:
    if encoding:
        try:
            return raw.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise SejahteraError(
                "read.encoding", path=path, encoding=encoding, detail=str(exc)
            ) from None
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        try:
            return raw.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            return raw.decode("latin-1"), "latin-1"


def _sniff_delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        header = sample.splitlines()[0] if sample else ""
        return max(",;\t|", key=header.count)


def _read_excel(
    path: Path, sheet: str | int | None, rows: int | None, limits: ReadLimits
) -> pd.DataFrame:
    check.check_zip(path, limits)  # from the zip's directory, before openpyxl unpacks anything
    try:
        frame = pd.read_excel(
            path,
            sheet_name=0 if sheet is None else sheet,
            dtype=object,
            engine="openpyxl",
            nrows=limits.max_rows + 1 if rows is None else rows,
        )
    except ValueError as exc:
        if "not found" in str(exc).lower():
            raise SejahteraError("read.no_sheet", path=path, sheet=sheet) from None
        raise
    check.check_shape(len(frame), len(frame.columns), path, limits)
    check.check_cells(frame, path, limits)
    return frame


def _read_labelled(
    path: Path, kind: str, limits: ReadLimits, limit: int | None = None
) -> pd.DataFrame:
    import pyreadstat

    reader = pyreadstat.read_dta if kind == "dta" else pyreadstat.read_sav
    _empty, meta = reader(str(path), metadataonly=True)  # the header's rows and columns
    check.check_shape(meta.number_rows or 0, meta.number_columns or 0, path, limits)
    frame, _meta = reader(
        str(path), apply_value_formats=True, formats_as_category=True, row_limit=limit or 0
    )
    return frame


def _read_r(path: Path, table: str | None) -> pd.DataFrame:
    try:
        import pyreadr
    except ImportError:
        raise SejahteraError("read.needs_pyreadr", path=path) from None
    objects = pyreadr.read_r(str(path))
    if not objects:
        raise SejahteraError("read.empty", path=path)
    if table is None:
        return next(iter(objects.values()))
    if table not in objects:
        raise SejahteraError("read.no_sheet", path=path, sheet=table)
    return objects[table]
