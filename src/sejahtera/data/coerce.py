"""Turn raw source values into the schema's types, recording every value that does not fit.

Works column by column on whole arrays; a row-level loop only runs to describe the bad values.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sejahtera.data.readers import Decimal
from sejahtera.data.regions import normalise_code
from sejahtera.data.schema import COLUMNS, Column, Table
from sejahtera.errors import ProblemReport

TRUE_WORDS = frozenset({"1", "true", "t", "yes", "y", "ya", "iya", "benar", "1.0"})
FALSE_WORDS = frozenset({"0", "false", "f", "no", "n", "tidak", "tdk", "bukan", "salah", "0.0"})
# Thousands groups must start with a non-zero digit: "0.250" is not two hundred and fifty.
_INDONESIAN_NUMBER = re.compile(r"^[+-]?([1-9]\d{0,2}(\.\d{3})+|\d+)(,\d+)?$")
_ENGLISH_NUMBER = re.compile(r"^[+-]?([1-9]\d{0,2}(,\d{3})+|\d+)(\.\d+)?([eE][+-]?\d+)?$")
_NIK = re.compile(r"^\d{16}$")


def blank(series: pd.Series) -> np.ndarray:
    """True where a value is missing or an empty string."""
    missing = np.array(series.isna(), dtype=bool)
    if series.dtype == object or pd.api.types.is_string_dtype(series):
        stripped = series.astype("string").str.strip()
        missing |= (stripped == "").fillna(True).to_numpy(dtype=bool)
    return missing


def map_distinct(series: pd.Series, function: Callable[[Any], Any]) -> pd.Series:
    """``function`` applied once per distinct value (region codes repeat a lot); NA stays NA."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    mapped = np.array([function(value) for value in uniques] + [None], dtype=object)
    return pd.Series(mapped[codes], index=series.index, dtype=object)


def is_in(series: pd.Series, values: Iterable[object]) -> np.ndarray:
    """Whether each value is one of ``values`` (missing values are not), computed in Arrow."""
    array = pa.array(series.astype("string"), type=pa.string())
    found = pc.is_in(array, value_set=pa.array([str(v) for v in values], type=pa.string()))
    return found.fill_null(False).to_numpy(zero_copy_only=False)


def parse_numbers(series: pd.Series, decimal: Decimal) -> pd.Series:
    """Numbers written as text, with ``1.234.567,5`` understood when ``decimal`` is a comma."""
    if pd.api.types.is_bool_dtype(series):
        return series.astype("float64")
    if pd.api.types.is_numeric_dtype(series):
        return series.astype("float64")
    text = series.astype("string").str.strip().str.replace(r"\s", "", regex=True)
    if decimal == ",":
        ok = text.str.match(_INDONESIAN_NUMBER.pattern).fillna(False)
        text = text.where(~ok, text.str.replace(".", "", regex=False).str.replace(",", "."))
    else:
        ok = text.str.match(_ENGLISH_NUMBER.pattern).fillna(False)
        text = text.where(~ok, text.str.replace(",", "", regex=False))
    out = pd.to_numeric(text.where(ok), errors="coerce")
    return out.astype("float64")


def parse_bools(series: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(series):
        return series.astype("boolean")
    words = series.astype("string").str.strip().str.lower()
    out = pd.Series(pd.NA, index=series.index, dtype="boolean")
    out[is_in(words, TRUE_WORDS)] = True
    out[is_in(words, FALSE_WORDS)] = False
    return out


def coerce_frame(
    frame: pd.DataFrame,
    table: Table,
    file: str,
    rows: np.ndarray,
    report: ProblemReport,
    decimal: Decimal = ".",
    failed: dict[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Typed copy of ``frame``'s schema columns; bad values become missing and are reported.

    ``rows`` gives each row's number in the source (1 = first data row). ``failed``, when given,
    receives per column the rows whose value was present but rejected, so that later checks do
    not report them again as missing.
    """
    out = {}
    for col in COLUMNS[table]:
        if col.name not in frame.columns:
            continue
        raw = frame[col.name]
        out[col.name] = _coerce_column(raw, col, file, rows, report, decimal)
        if failed is not None:
            failed[col.name] = out[col.name].isna().to_numpy() & ~blank(raw)
    return pd.DataFrame(out, index=frame.index)


def _coerce_column(
    raw: pd.Series,
    col: Column,
    file: str,
    rows: np.ndarray,
    report: ProblemReport,
    decimal: Decimal,
) -> pd.Series:
    missing = blank(raw)
    if col.kind in ("int", "float"):
        values = parse_numbers(raw, decimal)
        bad = values.isna().to_numpy() & ~missing
        if col.kind == "int":
            fractional = (values.notna() & (values % 1 != 0)).to_numpy()
            bad |= fractional
            values = values.where(~fractional)
        report.add_where(file, col.name, "type", rows, bad, raw)
        values = _check_range(values, col, file, rows, raw, report)
        return values.round().astype("Int16") if col.kind == "int" else values
    if col.kind == "bool":
        values = parse_bools(raw)
        report.add_where(file, col.name, "type", rows, values.isna().to_numpy() & ~missing, raw)
        return values
    text = _text(raw).where(~missing)
    if col.kind == "region":
        normalised = map_distinct(text, normalise_code).astype("string")
        report.add_where(
            file, col.name, "region_format", rows, normalised.isna().to_numpy() & ~missing, raw
        )
        return normalised
    if col.kind == "nik":
        digits = text.str.replace(r"\.0$", "", regex=True)
        bad = ~digits.str.match(_NIK.pattern).fillna(True).to_numpy(dtype=bool)
        report.add_where(file, col.name, "nik_format", rows, bad & ~missing, raw)
        return digits.where(~pd.Series(bad, index=raw.index))
    if col.kind == "category":
        bad = ~is_in(text, col.categories) & ~missing
        report.add_where(file, col.name, "category", rows, bad, raw, ", ".join(col.categories))
        return text.where(~pd.Series(bad, index=raw.index))
    return text


def _text(raw: pd.Series) -> pd.Series:
    """Trimmed text; whole numbers stored as floats (Stata, SPSS) lose their ".0" (101.0 → 101)."""
    if pd.api.types.is_float_dtype(raw):
        numbers = raw.dropna()
        if ((numbers % 1 == 0) & (numbers.abs() < 2**53)).all():
            raw = raw.astype("Int64")
    return raw.astype("string").str.strip()


def _check_range(
    values: pd.Series,
    col: Column,
    file: str,
    rows: np.ndarray,
    raw: pd.Series,
    report: ProblemReport,
) -> pd.Series:
    bad = np.zeros(len(values), dtype=bool)
    present = values.notna().to_numpy()
    numbers = values.to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        if col.minimum is not None:
            bad |= present & (numbers < col.minimum)
        if col.maximum is not None:
            bad |= present & (numbers > col.maximum)
        if col.above is not None:
            bad |= present & (numbers <= col.above)
    report.add_where(file, col.name, "range", rows, bad, raw, allowed_range(col))
    return values.where(~bad)


def allowed_range(col: Column) -> str:
    parts = []
    if col.above is not None:
        parts.append(f"> {col.above:g}")
    if col.minimum is not None and col.maximum is not None:
        parts.append(f"{col.minimum:g}–{col.maximum:g}")
    elif col.minimum is not None:
        parts.append(f">= {col.minimum:g}")
    elif col.maximum is not None:
        parts.append(f"<= {col.maximum:g}")
    return ", ".join(parts)
