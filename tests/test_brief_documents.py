"""The documents the brief and the planning documents are written with (report.documents): a
PNG of the asked width from an SVG, numbers in the document's language, a JSON document carried
inside both formats and read back exactly, text that XML or Typst would read as markup or refuse
written as it is, and a failed write that leaves nothing behind."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import docx
import pypdf
import pytest

from sejahtera.errors import SejahteraError
from sejahtera.report import documents as d
from sejahtera.report.charts import bar_chart

ODD = {"teks": 'a\x00b \ud800 ]]> </sj:json> "q" \\ #set é 1.234,5', "n": [1.5, None, 10**20]}


def test_svg_becomes_a_png_of_the_width_asked_for() -> None:
    svg = bar_chart(["Sleman", "Bantul"], [0.08, 0.12], title="P0", language_code="id")
    for width in (320, 1600):
        png = d.svg_to_png(svg, width)
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        found, height = struct.unpack(">II", png[16:24])  # the IHDR chunk, read here by hand
        assert found == width
        assert height == pytest.approx(width * 218 / 1600, abs=2)  # the chart's aspect


def test_numbers_in_the_documents_language_right_aligned(tmp_path: Path) -> None:
    rows = [["a", d.Number(1234567.891, 1)], ["b", d.Number(0.125, 1, percent=True)]]
    blocks = [d.Table(["Nama", "Nilai"], rows)]
    for language, expected in (("id", ["1.234.567,9", "12,5%"]), ("en", ["1,234,567.9", "12.5%"])):
        out = tmp_path / f"{language}.docx"
        d.write_document(blocks, d.Meta("T", language), out)
        table = docx.Document(str(out)).tables[0]
        assert [row.cells[1].text for row in table.rows[1:]] == expected
        assert all(row.cells[1].paragraphs[0].alignment == 2 for row in table.rows[1:])  # RIGHT


def test_json_carried_inside_reads_back_exactly(tmp_path: Path) -> None:
    blocks = [d.Heading('Judul \x01 "#x"', 0), d.Paragraph(ODD["teks"]), d.Bullets([ODD["teks"]])]
    for suffix in ("docx", "pdf"):
        out = tmp_path / f"b.{suffix}"
        d.write_document(blocks, d.Meta(ODD["teks"], "id"), out, {"provenance": ODD})
        assert d.read_attachment(out, "provenance") == ODD
        with pytest.raises(SejahteraError, match="tidak memuat data 'lain'"):
            d.read_attachment(out, "lain")
    with zipfile.ZipFile(tmp_path / "b.docx") as archive:
        items = [n for n in archive.namelist() if n.startswith("customXml/itemProps")]
    assert items  # Word keeps a Custom XML part that has its properties
    texts = d.docx_text(tmp_path / "b.docx")
    assert 'a b   ]]> </sj:json> "q" \\ #set é 1.234,5' in texts  # controls as spaces
    content = "".join(page.extract_text() for page in pypdf.PdfReader(tmp_path / "b.pdf").pages)
    assert ']]> </sj:json> "q" \\ #set é 1.234,5' in content


def test_a_failed_write_leaves_nothing(tmp_path: Path) -> None:
    broken = d.Figure("<svg this is not an svg")
    for suffix in ("docx", "pdf"):
        with pytest.raises(SejahteraError):
            d.write_document([d.Paragraph("x"), broken], d.Meta("T"), tmp_path / f"b.{suffix}")
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "old.pdf").write_bytes(b"kept")
    with pytest.raises(SejahteraError):
        d.write_document([broken], d.Meta("T"), tmp_path / "old.pdf")
    assert (tmp_path / "old.pdf").read_bytes() == b"kept"
