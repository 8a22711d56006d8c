"""Property-based tests of every importer (hypothesis, derandomised, few examples).

Whatever the bytes, a CSV, XLSX or Parquet file is read (``read_table``) or imported
(``import_dataset``, as ``sejahtera data import`` does) or refused with a
:class:`SejahteraError`: never another exception. Files written by the usual tools from
generated values are read back to the same values.
"""

from __future__ import annotations

import io
import math
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from openpyxl.utils.exceptions import IllegalCharacterError

from data_fixtures import DTKS_MAPPING, HOUSEHOLDS, PERSONS, changed, write_dtks
from sejahtera.data.importer import import_dataset
from sejahtera.data.mapping import load_mapping
from sejahtera.data.readers import read_table
from sejahtera.errors import SejahteraError

FAST = settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@contextmanager
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="sejahtera-property-") as name:
        yield Path(name)


def read_or_refuse(path: Path) -> pd.DataFrame | None:
    """The table read, or ``None`` when refused with a SejahteraError; any other exception
    fails the test."""
    try:
        return read_table(path).frame
    except SejahteraError as error:
        assert str(error)  # the message renders: every placeholder filled
        return None


def _workbook_bytes(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _parquet_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), buffer)
    return buffer.getvalue()


VALID_XLSX = _workbook_bytes([["id", "nama", "umur"], ["P1", "Contoh Satu", 41], ["P2", "Dua", 7]])
VALID_PARQUET = _parquet_bytes(pd.DataFrame({"id": ["P1", "P2"], "umur": [41, 7]}))
VALID_CSV = b"id;nama;umur\nP1;Contoh Satu;41\nP2;Dua;7\n"

# --- any bytes ---------------------------------------------------------------------------------

cells = st.text(alphabet=st.characters(codec="utf-8"), max_size=12)
csv_text = st.lists(
    st.lists(
        st.one_of(cells, st.sampled_from(['"', '""', "'", "\n", "\r", ";", ",", "\t", "\x00"])),
        max_size=6,
    ),
    max_size=8,
).flatmap(
    lambda rows: st.sampled_from([",", ";", "\t", "|"]).map(
        lambda sep: "\n".join(sep.join(row) for row in rows)
    )
)


@FAST
@given(st.one_of(csv_text.map(lambda t: t.encode("utf-8")), st.binary(max_size=400)))
def test_any_csv_is_read_or_refused(raw: bytes) -> None:
    with folder() as where:
        path = where / "data.csv"
        path.write_bytes(raw)
        read_or_refuse(path)


def _damaged(valid: bytes) -> st.SearchStrategy[bytes]:
    """``valid`` cut short, or with some bytes overwritten."""
    cut = st.integers(0, len(valid)).map(lambda n: valid[:n])
    changes = st.lists(st.tuples(st.integers(0, len(valid) - 1), st.integers(0, 255)), max_size=8)

    def overwrite(pairs: list[tuple[int, int]]) -> bytes:
        data = bytearray(valid)
        for at, value in pairs:
            data[at] = value
        return bytes(data)

    return st.one_of(cut, changes.map(overwrite), st.binary(max_size=300))


@FAST
@given(_damaged(VALID_XLSX))
def test_any_xlsx_is_read_or_refused(raw: bytes) -> None:
    with folder() as where:
        path = where / "data.xlsx"
        path.write_bytes(raw)
        read_or_refuse(path)


@FAST
@given(_damaged(VALID_PARQUET))
def test_any_parquet_is_read_or_refused(raw: bytes) -> None:
    with folder() as where:
        path = where / "data.parquet"
        path.write_bytes(raw)
        read_or_refuse(path)


# --- round trips ------------------------------------------------------------------------------

texts = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cc", "Cs", "Zl", "Zp"]),
    min_size=1,
    max_size=15,
).filter(lambda t: t.strip() == t and t.strip())
values = st.one_of(texts, st.integers(-(10**12), 10**12), st.floats(-1e9, 1e9, allow_nan=False))


@FAST
@given(st.lists(st.lists(values, min_size=3, max_size=3), min_size=1, max_size=6))
def test_xlsx_written_by_openpyxl_reads_back(rows: list[list[object]]) -> None:
    try:
        raw = _workbook_bytes([["a", "b", "c"], *rows])
    except IllegalCharacterError:  # openpyxl will not write it: no such file exists
        assume(False)
    with folder() as where:
        path = where / "data.xlsx"
        path.write_bytes(raw)
        frame = read_table(path).frame
    assert frame.columns.tolist() == ["a", "b", "c"]
    for got, wrote in zip(frame.to_numpy().tolist(), rows, strict=True):
        for value, written in zip(got, wrote, strict=True):
            if isinstance(written, float):  # a spreadsheet keeps 15 significant digits
                assert math.isclose(value, written, rel_tol=1e-14, abs_tol=1e-300)
            else:
                assert value == written and type(value) is type(written)


@FAST
@given(st.lists(st.tuples(texts, st.integers(-(2**62), 2**62), texts), min_size=1, max_size=6))
def test_parquet_reads_back(rows: list[tuple[str, int, str]]) -> None:
    frame = pd.DataFrame(rows, columns=["a", "b", "c"])
    with folder() as where:
        path = where / "data.parquet"
        path.write_bytes(_parquet_bytes(frame))
        back = read_table(path).frame
    pd.testing.assert_frame_equal(back, frame)


@FAST
@given(st.lists(st.tuples(texts, texts), min_size=1, max_size=6), st.sampled_from([",", ";"]))
def test_csv_written_by_pandas_reads_back_as_text(rows: list[tuple[str, str]], sep: str) -> None:
    frame = pd.DataFrame(rows, columns=["a", "b"], dtype=str)
    with folder() as where:
        path = where / "data.csv"
        frame.to_csv(path, sep=sep, index=False)
        back = read_table(path).frame
    assert back.to_numpy().tolist() == [list(row) for row in rows]


# --- the whole import --------------------------------------------------------------------------


@settings(FAST, max_examples=15)
@given(
    st.sampled_from(sorted(HOUSEHOLDS)),
    st.sampled_from(sorted(PERSONS)),
    st.integers(1, 3),
    st.one_of(cells, st.sampled_from(["", "-1", "1e400", "99" * 20, "NaN", "2025-13-01", "\x00"])),
    st.sampled_from(["csv", "xlsx", "parquet"]),
)
def test_any_value_in_any_column_imports_or_is_refused(
    household_column: str, person_column: str, row: int, value: str, kind: str
) -> None:
    households = changed(HOUSEHOLDS, household_column, row, value)
    persons = changed(PERSONS, person_column, row, value)
    with folder() as where:
        source, mapping_file = write_dtks(where, households, persons)
        mapping = load_mapping(mapping_file)
        if kind != "csv":
            for name, columns in (("keluarga", households), ("anggota", persons)):
                frame = pd.DataFrame(columns, dtype=str)
                target = source / f"{name}.{kind}"
                try:
                    if kind == "xlsx":
                        frame.to_excel(target, index=False)
                    else:
                        frame.to_parquet(target, index=False)
                except IllegalCharacterError:
                    assume(False)
            mapping = load_mapping(_remapped(mapping_file, kind))
        try:
            import_dataset(source, mapping, where / "out")
        except SejahteraError as error:
            assert str(error)
            assert not (where / "out").exists()


def _remapped(mapping_file: Path, kind: str) -> Path:
    """The DTKS mapping reading ``keluarga.<kind>`` and ``anggota.<kind>``."""
    import yaml

    content = {**DTKS_MAPPING}
    content["households"] = {**DTKS_MAPPING["households"], "file": f"keluarga.{kind}"}
    content["persons"] = {**DTKS_MAPPING["persons"], "file": f"anggota.{kind}"}
    path = mapping_file.with_name(f"dtks-{kind}.yaml")
    path.write_text(yaml.safe_dump(content, allow_unicode=True, sort_keys=False), "utf-8")
    return path
