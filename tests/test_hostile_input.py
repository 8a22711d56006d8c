"""Hostile and careless input (issue 15): every reader and YAML loader has limits, a formula
cannot take the stack or wrap an integer, and a full disk, an unwritable folder or a nested
manifest give a clear error, never a traceback, and leave nothing behind."""

from __future__ import annotations

import errno
import json
import re
import time
import tracemalloc
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sejahtera.data import dataset as dataset_module
from sejahtera.data.dataset import Dataset, Manifest, write_dataset
from sejahtera.data.limits import ReadLimits
from sejahtera.data.readers import read_table
from sejahtera.errors import SejahteraError
from sejahtera.i18n import speaking
from sejahtera.rules.compile import compile_formula
from sejahtera.rules.expression import MAX_DEPTH, MAX_NESTING, FormulaError, parse
from sejahtera.yamlfile import FileError, parse_yaml, read_yaml

SOURCE = Path(__file__).resolve().parents[1] / "src" / "sejahtera"

# --- xlsx: a zip bomb, built streaming --------------------------------------------------------

_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/'
        'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
        '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
        '"/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.worksheet+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        "schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
        '" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.'
        'org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/'
        '2006/relationships"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets>'
        "</workbook>"
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        'schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target='
        '"worksheets/sheet1.xml"/></Relationships>'
    ),
}


def _rows(count: int, cell: str) -> Iterator[bytes]:
    """The sheet's XML in blocks of up to 10,000 rows: a header ``name``, then ``cell`` rows."""
    yield (
        b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
        b'openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row>'
    )
    row = b'<row><c t="inlineStr"><is><t>' + cell.encode() + b"</t></is></c></row>"
    written = 0
    while written < count:
        block = min(10_000, count - written)
        yield row * block
        written += block
    yield b"</sheetData></worksheet>"


def write_xlsx(path: Path, rows: int, cell: str = "x") -> Path:
    """A real one-sheet workbook, its sheet written to the zip as a stream (never whole in
    memory), deflated fast: repeated rows pack about 150 times."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, body in _PARTS.items():
            archive.writestr(name, body)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            for block in _rows(rows, cell):
                sheet.write(block)
    return path


def test_the_test_workbook_is_a_real_one(tmp_path: Path) -> None:
    frame = read_table(write_xlsx(tmp_path / "kecil.xlsx", 25, "Contoh")).frame
    assert list(frame.columns) == ["name"]
    assert frame["name"].tolist() == ["Contoh"] * 25


def test_xlsx_zip_bomb_refused_fast_naming_file_and_limit(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "bom.xlsx", 9_000_000)
    with zipfile.ZipFile(path) as archive:
        unpacked = sum(member.file_size for member in archive.infolist())
    assert path.stat().st_size < 3 << 20  # under 3 MB on disk…
    assert unpacked > 400 << 20  # …over 400 MB of XML inside

    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(SejahteraError) as refused, speaking("id"):
        read_table(path)
    took = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    assert took < 1.0
    assert peak < 5 << 20  # nothing unpacked
    assert refused.value.key == "read.zip_unpacked"
    with speaking("id"):
        shown = str(refused.value)
    assert "bom.xlsx" in shown and "256,0 MB" in shown
    assert f"{unpacked / (1 << 20):.1f}".replace(".", ",") in shown
    with speaking("en"):
        assert "more than the limit of 256.0 MB" in str(refused.value)


def test_xlsx_packed_too_tightly_refused_by_ratio(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "rapat.xlsx", 50_000)  # about 2 MB of XML, packed ~150 times
    with zipfile.ZipFile(path) as archive:
        sheet = archive.getinfo("xl/worksheets/sheet1.xml")
    ratio = sheet.file_size / sheet.compress_size
    assert ratio > 100

    with pytest.raises(SejahteraError) as refused:
        read_table(path)
    assert refused.value.key == "read.zip_ratio"
    assert refused.value.values["member"] == "xl/worksheets/sheet1.xml"
    assert refused.value.values["ratio"] == int(ratio)
    # the same sheet is read when the ratio allowed is raised: it is the ratio that refused it
    frame = read_table(path, rows=5, limits=ReadLimits(max_ratio=1000)).frame
    assert frame["name"].tolist() == ["x"] * 5


def test_xlsx_rows_and_cells_limited(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "baris.xlsx", 60, "y" * 300)
    with pytest.raises(SejahteraError) as rows:
        read_table(path, limits=ReadLimits(max_rows=50))
    assert rows.value.key == "read.too_many_rows"
    with pytest.raises(SejahteraError) as cell:
        read_table(path, limits=ReadLimits(max_cell_chars=299))
    assert cell.value.key == "read.cell_too_long"
    assert cell.value.values == {
        "path": path,
        "row": 2,  # the first data row, under the header on row 1
        "column": "name",
        "size": 300,
        "limit": 299,
    }
    assert len(read_table(path, limits=ReadLimits(max_rows=60, max_cell_chars=300)).frame) == 60


def test_xlsx_not_a_zip_is_a_read_error(tmp_path: Path) -> None:
    path = tmp_path / "palsu.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip" * 10)
    with pytest.raises(SejahteraError) as refused:
        read_table(path)
    assert refused.value.key == "read.failed"


# --- CSV -------------------------------------------------------------------------------------


def test_csv_line_too_long_named_by_line(tmp_path: Path) -> None:
    path = tmp_path / "panjang.csv"
    lines = ["id,catatan", "1,pendek", "2," + "z" * 5_000, "3,pendek"]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    with pytest.raises(SejahteraError) as refused:
        read_table(path, limits=ReadLimits(max_line_bytes=4_096))
    assert refused.value.key == "read.line_too_long"
    assert refused.value.values["line"] == 3
    assert refused.value.values["size"] == len(lines[2])


def test_csv_cell_spanning_lines_is_measured(tmp_path: Path) -> None:
    """A quote opened too early swallows the lines after it into one cell: each line is
    short, the cell is not."""
    path = tmp_path / "kutip.csv"
    body = "\n".join(f"{n},baris {n}" for n in range(2, 400))
    path.write_text(f'id,catatan\n1,"awal\n{body}\n"\n', "utf-8")
    with pytest.raises(SejahteraError) as refused:
        read_table(path, limits=ReadLimits(max_cell_chars=1_000))
    assert refused.value.key == "read.cell_too_long"
    assert refused.value.values["row"] == 2
    assert refused.value.values["column"] == "catatan"
    assert refused.value.values["size"] == len("awal\n" + body + "\n")


def test_csv_rows_columns_and_size_limited(tmp_path: Path) -> None:
    path = tmp_path / "lebar.csv"
    pd.DataFrame({f"k{i}": range(30) for i in range(12)}).to_csv(path, index=False)
    with pytest.raises(SejahteraError) as rows:
        read_table(path, limits=ReadLimits(max_rows=29))
    assert rows.value.key == "read.too_many_rows"
    with pytest.raises(SejahteraError) as columns:
        read_table(path, limits=ReadLimits(max_columns=11))
    assert columns.value.values["count"] == 12
    with pytest.raises(SejahteraError) as size:
        read_table(path, limits=ReadLimits(max_csv_bytes=100))
    assert size.value.key == "read.too_large"
    assert read_table(path, limits=ReadLimits(max_rows=30, max_columns=12)).frame.shape == (30, 12)


def test_every_file_has_a_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "besar.parquet"
    pq.write_table(pa.table({"x": np.arange(100_000)}), path)
    with pytest.raises(SejahteraError) as refused, speaking("en"):
        read_table(path, limits=ReadLimits(max_file_bytes=1 << 10))
    assert refused.value.key == "read.too_large"
    with speaking("en"):
        assert "besar.parquet" in str(refused.value)


# --- Parquet ---------------------------------------------------------------------------------


def test_parquet_rows_from_footer_and_cells_in_arrow(tmp_path: Path) -> None:
    path = tmp_path / "data.parquet"
    notes = ["a", "b" * 2_000, "c"]
    pq.write_table(pa.table({"id": [1, 2, 3], "catatan": notes}), path)
    with pytest.raises(SejahteraError) as rows:
        read_table(path, limits=ReadLimits(max_rows=2))
    assert rows.value.key == "read.too_many_rows"
    with pytest.raises(SejahteraError) as cell:
        read_table(path, limits=ReadLimits(max_cell_chars=1_999))
    assert (cell.value.values["row"], cell.value.values["size"]) == (3, 2_000)
    with pytest.raises(SejahteraError) as unpacked:
        read_table(path, limits=ReadLimits(max_parquet_unpacked_bytes=100))
    assert unpacked.value.key == "read.parquet_unpacked"
    assert read_table(path).frame["catatan"].tolist() == notes


# --- YAML ------------------------------------------------------------------------------------


def _billion_laughs() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        lines.append(f"{level}: &{level} [{', '.join([f'*{previous}'] * 9)}]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_refused_fast_in_little_memory(tmp_path: Path) -> None:
    text = _billion_laughs()
    assert len(text.encode()) < 1_024
    assert 9**9 > 300_000_000  # the values it would build
    path = tmp_path / "tawa.yaml"
    path.write_text(text, "utf-8")

    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(FileError) as refused:
        read_yaml(path)
    took = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    assert took < 1.0 and peak < 20 << 20
    assert refused.value.key == "yamlfile.aliases"
    with speaking("en"):
        assert str(path) in str(refused.value) and "100" in str(refused.value)


def test_yaml_nesting_refused_with_its_line() -> None:
    text = "a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 150)) + "  " * 150 + "x: 1\n"
    with pytest.raises(FileError) as refused:
        parse_yaml(text, "dalam.yaml")
    assert refused.value.key == "yamlfile.too_deep"
    # the root is level 1 on line 1, the mapping under k{n} level n + 2 on line n + 2; the keys
    # of the mapping at level 100 (line 100) are the first values at level 101
    assert refused.value.line == 100
    with pytest.raises(FileError):
        parse_yaml("[" * 50_000 + "]" * 50_000, "kurung.yaml")


def test_every_yaml_loader_goes_through_yamlfile() -> None:
    """Only yamlfile parses YAML (with its own loader class, never PyYAML's functions); the
    one other reader is i18n, of the package's own message catalogues (yamlfile's messages come
    from them: it cannot read them itself)."""
    loaders = re.compile(r"yaml\.(?:safe_load|load|full_load|unsafe_load|compose|parse|scan)\b")
    found = sorted(
        str(path.relative_to(SOURCE))
        for path in SOURCE.rglob("*.py")
        if loaders.search(path.read_text("utf-8"))
    )
    assert found == ["i18n.py"]


# --- datasets: nested manifest, full disk, unwritable folder ----------------------------------


def _manifest() -> Manifest:
    return Manifest(
        name="uji", region_code="34", reference_date="2025-01-01", source="uji", synthetic=True
    )


def _arrow_tables() -> tuple[pa.Table, pa.Table]:
    return pa.table({"household_id": ["H1"]}), pa.table({"person_id": ["P1"]})


def test_deeply_nested_manifest_is_a_damaged_manifest(tmp_path: Path) -> None:
    folder = tmp_path / "dataset"
    folder.mkdir()
    (folder / "dataset.json").write_text("[" * 200_000 + "]" * 200_000, "utf-8")
    with pytest.raises(SejahteraError) as refused:
        Dataset.open(folder)
    assert refused.value.key == "dataset.bad_manifest"
    (folder / "dataset.json").write_text(json.dumps({"a": "x" * (11 << 20)}), "utf-8")
    with pytest.raises(SejahteraError) as large:
        Dataset.open(folder)
    assert large.value.key == "dataset.bad_manifest"


def test_disk_full_while_writing_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    households, persons = _arrow_tables()
    written: list[Path] = []
    real = pq.write_table

    def full(table: pa.Table, where: Path, **options: object) -> None:
        written.append(Path(where))
        if len(written) == 2:  # the first file went in; the disk fills on the second
            raise OSError(errno.ENOSPC, "No space left on device")
        real(table, where, **options)

    monkeypatch.setattr(dataset_module.pq, "write_table", full)
    out = tmp_path / "keluar"
    with pytest.raises(SejahteraError) as refused:
        write_dataset(out, households, persons, _manifest())
    assert refused.value.key == "dataset.disk_full"
    assert len(written) == 2
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # the hidden temporary folder is gone too
    with speaking("en"):
        assert "the disk is full" in str(refused.value) and "keluar" in str(refused.value)


def test_disk_full_on_overwrite_keeps_the_old_dataset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    households, persons = _arrow_tables()
    out = tmp_path / "keluar"
    write_dataset(out, households, persons, _manifest())
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def full(*args: object, **options: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(dataset_module.pq, "write_table", full)
    with pytest.raises(SejahteraError):
        write_dataset(out, households, persons, _manifest(), overwrite=True)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["keluar"]


def test_unwritable_output_folder(tmp_path: Path) -> None:
    households, persons = _arrow_tables()
    blocker = tmp_path / "berkas"
    blocker.write_text("a file where a folder should be", "utf-8")
    with pytest.raises(SejahteraError) as refused:
        write_dataset(blocker / "keluar", households, persons, _manifest())
    assert refused.value.key == "dataset.unwritable"
    assert str(blocker / "keluar") in str(refused.value)
    assert [p.name for p in tmp_path.iterdir()] == ["berkas"]


# --- the formula language ---------------------------------------------------------------------


class _Names:
    def variable(self, name: str) -> tuple[str, str] | None:
        return ("household", "number") if name in ("x", "y") else None

    def parameter(self, path: tuple[str, ...]) -> None:
        return None

    def role(self, name: str) -> bool:
        return False


class _Env:
    def __init__(self, **values: np.ndarray) -> None:
        self.values, self.memo = values, {}

    def value(self, name: str) -> np.ndarray:
        return self.values[name]


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("(" * 41 + "1" + ")" * 41, 41),  # the 41st bracket
        ("-" * 41 + "1", 41),
        ("not " * 41 + "true", 161),
        ("2" + " ** 2" * 41, 1 + 5 * 40),  # the operand after the 40th "**"
    ],
)
def test_deep_nesting_refused_at_its_position(text: str, position: int) -> None:
    with pytest.raises(FormulaError) as refused:
        parse(text)
    assert refused.value.key == "rules.too_deep"
    assert refused.value.values["limit"] == MAX_NESTING
    assert refused.value.position == position
    assert text[position - 1] in "(-n2"


def test_nesting_up_to_the_limit_accepted() -> None:
    parse("(" * (MAX_NESTING - 1) + "1" + ")" * (MAX_NESTING - 1))
    parse("-" * (MAX_NESTING - 1) + "1")


def test_nesting_far_beyond_the_stack_refused() -> None:
    for text in ("(" * 100_000, "-" * 9_999 + "1", "f(" * 4_000):
        with pytest.raises(FormulaError):
            parse(text)


def test_long_chains_refused_by_tree_depth() -> None:
    parse("x" + " + x" * (MAX_DEPTH - 1))  # a tree of MAX_DEPTH levels
    with pytest.raises(FormulaError) as refused:
        parse("x" + " + x" * MAX_DEPTH)
    assert refused.value.key == "rules.too_deep"
    assert refused.value.values["limit"] == MAX_DEPTH
    with pytest.raises(FormulaError) as attributes:
        parse("a" + ".b" * 200)
    assert attributes.value.key == "rules.too_deep"
    with pytest.raises(FormulaError) as long:
        parse("x" + " + x" * 3_000)
    assert long.value.key == "rules.formula_too_long"


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("9" * 5_000, 1),  # Python itself refuses to convert over 4,300 digits
        ("x + 1e999", 5),
        ("x * 9007199254740993", 5),  # 2**53 + 1: float64 cannot hold it
        ("1" + "0" * 400 + ".5", 1),
    ],
)
def test_huge_literals_refused_at_their_position(text: str, position: int) -> None:
    with pytest.raises(FormulaError) as refused:
        parse(text)
    assert refused.value.key == "rules.number_too_large"
    assert refused.value.position == position
    with speaking("id"):
        assert str(refused.value).startswith(f"posisi {position}: angka ")


def test_largest_exact_literal_accepted() -> None:
    assert parse("9007199254740992").value == 2**53  # type: ignore[attr-defined]


def test_integer_arithmetic_does_not_wrap() -> None:
    """In int64, 2 ** 64 is 0 and 3037000500 * 3037000500 is negative: formulas compute in
    float64, so both are the true values to float64's precision."""
    names, env = _Names(), _Env(x=np.array([3037000500, 2]), y=np.array([3037000500, 64]))
    with np.errstate(over="ignore"):
        assert np.int64(3037000500) * np.int64(3037000500) < 0  # what int64 would have given
    product = compile_formula("x * y", names, "household").evaluate(env)
    assert product.tolist() == [float(3037000500) ** 2, 128.0]
    power = compile_formula("2 ** 64", names, "household").evaluate(env)
    assert float(power) == float(2**64)
    negated = compile_formula("-x", names, "household").evaluate(_Env(x=np.array([-(2**63)])))
    assert negated.tolist() == [float(2**63)]


def test_float_overflow_is_an_error_at_the_operator() -> None:
    names = _Names()
    formula = compile_formula("1 + x ** y", names, "household")
    fine = formula.evaluate(_Env(x=np.array([10.0, 2.0]), y=np.array([300.0, 3.0])))
    assert fine.tolist() == [1 + 10.0**300, 9.0]
    with pytest.raises(FormulaError) as refused:
        formula.evaluate(_Env(x=np.array([10.0, 2.0]), y=np.array([400.0, 3.0])))
    assert refused.value.key == "rules.overflow"
    assert refused.value.position == 7  # the "**"
    assert refused.value.values["operator"] == "**"
    # dividing by zero stays what it was: infinity, not an error
    ratio = compile_formula("x / y", names, "household").evaluate(
        _Env(x=np.array([1.0]), y=np.array([0.0]))
    )
    assert ratio.tolist() == [np.inf]


def test_docx_zip_bomb_refused_before_its_parts_are_read(tmp_path: Path) -> None:
    """A brief's provenance is read from a .docx a user brings back: the same check."""
    from sejahtera.report.documents import read_attachment

    path = tmp_path / "brief.docx"
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
        archive.open("customXml/item1.xml", "w", force_zip64=True) as part,
    ):
        for block in _rows(6_500_000, "x"):
            part.write(block)
    tracemalloc.start()
    with pytest.raises(SejahteraError) as refused:
        read_attachment(path, "provenance")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert refused.value.key == "read.zip_unpacked"
    assert peak < 5 << 20


def test_formula_on_several_lines_refused_at_line_and_column() -> None:
    text = "where(x > 1,\n      x * (2,\n      0)"
    with pytest.raises(FormulaError) as refused:
        parse(text)
    assert (refused.value.line, refused.value.column) == (2, 13)  # the "," after "(2"
    assert text.split("\n")[1][12] == ","
    with speaking("en"):
        assert str(refused.value).startswith("position 2:13: expected ')', found ','")


class _OneParameter:
    def get(self, path: tuple[str, ...]) -> object:
        from sejahtera.rules.parameters import Parameter

        return object.__new__(Parameter)  # any path names a parameter


@pytest.mark.parametrize(
    ("content", "key"),
    [
        ('region_code,start,value,reference\n34,2025-01-01,"' + "9" * 200_000 + "\n", "unreadable"),
        (
            "region_code,start,value,reference\n34.01,2025-01-01,10,Pergub\n".encode("utf-16"),
            "unreadable",
        ),
        ("region_code,start,value,reference\n34.01\n", "regional_row"),
    ],
)
def test_regional_csv_of_a_ruleset_refused_clearly(
    tmp_path: Path, content: str | bytes, key: str
) -> None:
    from sejahtera.rules.regional import read_regional

    (tmp_path / "regional").mkdir()
    path = tmp_path / "regional" / "bansos.dana_desa.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    with pytest.raises(SejahteraError) as refused:
        read_regional(tmp_path, _OneParameter())
    assert refused.value.key.endswith(key)
    assert "regional/bansos.dana_desa.csv" in str(refused.value)


def test_docx_with_json_nested_beyond_the_stack_is_damaged(tmp_path: Path) -> None:
    from sejahtera.report.documents import JSON_NAMESPACE, read_attachment

    path = tmp_path / "brief.docx"
    nested = "[" * 100_000 + "]" * 100_000
    part = f'<json xmlns="{JSON_NAMESPACE}" name="provenance">{nested}</json>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("customXml/item1.xml", part)
    with pytest.raises(SejahteraError) as refused:
        read_attachment(path, "provenance")
    assert refused.value.key == "document.damaged"
