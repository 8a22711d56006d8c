"""Documents an office files: DOCX (python-docx, stays editable) and PDF (Typst), from one list
of blocks, with a JSON document carried inside (provenance).

A document is a list of blocks and its :class:`Meta`::

    blocks = [Heading("Ringkasan"), Paragraph("…"), Bullets(["…", "…"]),
              Table(["Kabupaten", "P0"], [["Sleman", Number(0.081, 1, percent=True)]]),
              Figure(svg, "Peta kemiskinan")]
    write_document(blocks, Meta("Judul", language="id"), Path("out.docx"),
                   attachments={"provenance": {...}})
    read_attachment(Path("out.docx"), "provenance")   # the same dict back

* Numbers in tables are :class:`Number` (or plain ``int``/``float``): written by
  :func:`sejahtera.i18n.format_number` in the document's language and right-aligned.
* Figures are the SVGs the pages draw (``report.charts``, ``report.maps``). In DOCX each is a
  PNG (:func:`svg_to_png`) with the SVG itself attached beside it, as Word 2016 and later keep
  both (``asvg:svgBlip``; older readers show the PNG). In PDF the SVG is drawn as vectors.
* DOCX attachments are Custom XML parts (``customXml/itemN.xml`` with its ``itemPropsN.xml``),
  which Word keeps when the document is edited and saved (:func:`write_json_part`,
  :func:`read_json_part`). PDF attachments are embedded files (Typst's ``pdf.attach``).
* Text from users (a rationale, a stakeholder's words) is never read as markup: in Typst every
  text is a string literal (:func:`typst_text`), in DOCX python-docx escapes XML.
* Files are written to a temporary file beside ``out`` and renamed, so a failure leaves
  nothing half-written.

Lower-level DOCX helpers (:func:`new_docx`, :func:`add_table`, :func:`add_figure`, …) are public
for documents that need more than the blocks give.
"""

from __future__ import annotations

import io
import json
import os
import re
import struct
import tempfile
import uuid
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sejahtera.data.limits import check_zip
from sejahtera.errors import SejahteraError
from sejahtera.i18n import Language, format_number

LOCALES: dict[str, str] = {"id": "id-ID", "en": "en-US"}
TEXT_WIDTH_CM = 16.0  # A4 with 2.5 cm margins
FIGURE_PX = 1600  # PNG width of a figure in DOCX (sharp when printed 16 cm wide)
JSON_NAMESPACE = "urn:sejahtera:json:v1"
SUFFIXES = (".docx", ".pdf")


@dataclass(frozen=True)
class Number:
    """A number in a table: ``decimals`` places, a fraction shown as a percentage with
    ``percent``; ``None`` shows as ``–``."""

    value: float | int | None
    decimals: int = 0
    percent: bool = False

    def shown(self, language_code: Language) -> str:
        return format_number(self.value, language_code, self.decimals, percent=self.percent)


Cell = str | Number | int | float | None


@dataclass(frozen=True)
class Heading:
    """A heading; level 0 is the document's title."""

    text: str
    level: int = 1


@dataclass(frozen=True)
class Paragraph:
    text: str
    note: bool = False  # smaller and grey: an assumption, a source


@dataclass(frozen=True)
class Bullets:
    items: Sequence[str]


@dataclass(frozen=True)
class Table:
    header: Sequence[str]
    rows: Sequence[Sequence[Cell]]
    caption: str = ""


@dataclass(frozen=True)
class Figure:
    """An SVG drawn ``width`` of the text's width (a tall map looks better narrower)."""

    svg: str
    caption: str = ""
    width: float = 1.0


Block = Heading | Paragraph | Bullets | Table | Figure


@dataclass(frozen=True)
class Meta:
    title: str
    language: Language = "id"
    author: str = "Sejahtera"
    subject: str = ""
    keywords: Sequence[str] = field(default_factory=tuple)


def cell_text(cell: Cell, language_code: Language) -> tuple[str, bool]:
    """A cell as written and whether it is a number (right-aligned)."""
    if isinstance(cell, Number):
        return cell.shown(language_code), True
    if isinstance(cell, bool) or cell is None:
        return ("–" if cell is None else str(cell)), False
    if isinstance(cell, int):
        return format_number(cell, language_code, 0), True
    if isinstance(cell, float):
        return format_number(cell, language_code, 2), True
    return str(cell), False


# --- writing safely ---------------------------------------------------------------------------


def check_out(out: Path) -> str:
    """The format ``out`` asks for (``docx`` or ``pdf``), or a clear refusal."""
    suffix = out.suffix.lower()
    if suffix not in SUFFIXES:
        raise SejahteraError("document.suffix", path=out, suffixes=", ".join(SUFFIXES))
    if not out.parent.is_dir():
        raise SejahteraError("document.no_folder", path=out, folder=out.parent)
    return suffix[1:]


def atomic_write(out: Path, write: Callable[[Path], None]) -> None:
    """``write(temporary)`` beside ``out``, then rename: ``out`` is whole or untouched."""
    try:
        handle, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    except OSError as exc:
        raise SejahteraError("document.unwritable", path=out, detail=exc.strerror) from None
    os.close(handle)
    temporary = Path(name)
    try:
        write(temporary)
        os.replace(temporary, out)
    except OSError as exc:
        raise SejahteraError("document.unwritable", path=out, detail=exc.strerror) from None
    finally:
        temporary.unlink(missing_ok=True)


def write_document(
    blocks: Sequence[Block],
    meta: Meta,
    out: Path,
    attachments: Mapping[str, Any] | None = None,
) -> None:
    """``blocks`` as ``out`` (DOCX or PDF by its suffix), carrying each attachment as JSON."""
    kind = check_out(out)
    writer = write_docx if kind == "docx" else write_pdf
    atomic_write(out, lambda path: writer(blocks, meta, path, attachments or {}))


def read_attachment(path: Path, name: str) -> Any:
    """The JSON document ``name`` carried by a DOCX or PDF written here."""
    if not path.is_file():
        raise SejahteraError("document.missing", path=path)
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return read_json_part(path, name)
    if suffix == ".pdf":
        return read_pdf_attachment(path, name)
    raise SejahteraError("document.suffix", path=path, suffixes=", ".join(SUFFIXES))


# --- SVG to PNG -------------------------------------------------------------------------------


def svg_to_png(svg: str, width_px: int) -> bytes:
    """The SVG drawn as a PNG ``width_px`` pixels wide (height in proportion), by Typst."""
    import typst

    with tempfile.TemporaryDirectory(prefix="sejahtera-png-") as folder:
        Path(folder, "figure.svg").write_text(xml_text(svg), "utf-8")
        source = (
            f"#set page(width: {width_px}pt, height: auto, margin: 0pt, fill: white)\n"
            '#image("figure.svg", width: 100%)\n'
        )
        Path(folder, "main.typ").write_text(source, "utf-8")
        try:
            png = typst.compile(str(Path(folder, "main.typ")), root=folder, format="png", ppi=72)
        except typst.TypstError as exc:
            raise SejahteraError("document.figure_failed", detail=str(exc)) from None
    if isinstance(png, list):  # several pages: the figure is one
        png = png[0]
    width, _ = png_size(png)
    if width != width_px:
        raise SejahteraError("document.figure_failed", detail=f"{width} px, not {width_px} px")
    return png


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height of a PNG from its header (refusing what is not a PNG)."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise SejahteraError("document.figure_failed", detail="not a PNG")
    return struct.unpack(">II", png[16:24])


# --- DOCX -------------------------------------------------------------------------------------


def new_docx(meta: Meta) -> Any:
    """A blank document whose text is in ``meta.language`` (``w:lang``) with its properties."""
    import docx
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = docx.Document()
    locale = LOCALES[meta.language]
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    run_defaults = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang = run_defaults.find(qn("w:lang"))
    if lang is None:
        lang = run_defaults.makeelement(qn("w:lang"), {})
        run_defaults.append(lang)
    for attribute in ("w:val", "w:eastAsia", "w:bidi"):
        lang.set(qn(attribute), locale)
    document.styles["Normal"].font.name = "Calibri"
    document.styles["Normal"].font.size = Pt(10.5)
    properties = document.core_properties
    properties.title = xml_text(meta.title)
    properties.author = xml_text(meta.author)
    properties.subject = xml_text(meta.subject)
    properties.keywords = xml_text(", ".join(meta.keywords))
    properties.language = locale
    properties.comments = ""
    return document


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: object) -> str:
    """``value`` as text XML can hold: control characters (which python-docx refuses) become
    spaces."""
    return _NOT_XML.sub(" ", str(value))


def add_heading(document: Any, text: str, level: int = 1) -> None:
    document.add_heading(xml_text(text), level=level)


def add_paragraph(document: Any, text: str, note: bool = False) -> None:
    from docx.shared import Pt, RGBColor

    paragraph = document.add_paragraph()
    run = paragraph.add_run(xml_text(text))
    if note:
        run.font.size = Pt(9)
        run.font.color.rgb = RGBColor(0x55, 0x55, 0x55)


def add_bullets(document: Any, items: Sequence[str]) -> None:
    for item in items:
        document.add_paragraph(xml_text(item), style="List Bullet")


def add_table(
    document: Any,
    header: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    language_code: Language,
    caption: str = "",
) -> Any:
    """A table with a bold header row; numbers in ``language_code``'s format, right-aligned."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    if caption:
        document.add_paragraph(xml_text(caption), style="Caption")
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, label in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(xml_text(label)).bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            shown, numeric = cell_text(value, language_code)
            cell.text = xml_text(shown)
            if numeric:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return table


def add_figure(
    document: Any, svg: str, caption: str = "", keep_svg: bool = True, width: float = 1.0
) -> None:
    """The SVG as a picture ``width`` of the text's width (a PNG; with ``keep_svg`` the SVG
    beside it)."""
    from docx.shared import Cm

    png = svg_to_png(svg, FIGURE_PX)
    shape = document.add_picture(io.BytesIO(png), width=Cm(TEXT_WIDTH_CM * width))
    if keep_svg:
        _attach_svg(document, shape, svg)
    if caption:
        document.add_paragraph(xml_text(caption), style="Caption")


SVG_BLIP_URI = "{96DAC541-7B7A-43D3-8B79-37D633B846F1}"
SVG_NAMESPACE = "http://schemas.microsoft.com/office/drawing/2016/SVG/main"


def _attach_svg(document: Any, shape: Any, svg: str) -> None:
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from docx.oxml.ns import qn
    from lxml import etree

    part = document.part
    partname = part.package.next_partname("/word/media/sejahtera%d.svg")
    svg_part = Part(PackURI(partname), "image/svg+xml", xml_text(svg).encode("utf-8"), part.package)
    relation = part.relate_to(svg_part, RT.IMAGE)
    blip = shape._inline.xpath(".//a:blip")[0]
    extensions = etree.SubElement(blip, qn("a:extLst"))
    extension = etree.SubElement(extensions, qn("a:ext"), {"uri": SVG_BLIP_URI})
    svg_blip = etree.SubElement(
        extension, f"{{{SVG_NAMESPACE}}}svgBlip", nsmap={"asvg": SVG_NAMESPACE}
    )
    svg_blip.set(qn("r:embed"), relation)


def write_json_part(document: Any, name: str, data: Any) -> None:
    """``data`` as JSON in a Custom XML part (``customXml/itemN.xml`` and its properties) of
    ``document``: Word keeps such parts when it saves the document."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from lxml import etree

    package = document.part.package
    item_name = package.next_partname("/customXml/item%d.xml")
    number = re.search(r"(\d+)\.xml$", str(item_name)).group(1)  # type: ignore[union-attr]
    root = etree.Element(f"{{{JSON_NAMESPACE}}}json", nsmap={"sj": JSON_NAMESPACE})
    root.set("name", name)
    root.text = json.dumps(data, sort_keys=True)
    item = Part(PackURI(item_name), "application/xml", _xml(root), package)
    store = "http://schemas.openxmlformats.org/officeDocument/2006/customXml"
    properties = etree.Element(f"{{{store}}}datastoreItem", nsmap={"ds": store})
    properties.set(f"{{{store}}}itemID", "{" + str(uuid.uuid4()).upper() + "}")
    references = etree.SubElement(properties, f"{{{store}}}schemaRefs")
    etree.SubElement(references, f"{{{store}}}schemaRef").set(f"{{{store}}}uri", JSON_NAMESPACE)
    item_properties = Part(
        PackURI(f"/customXml/itemProps{number}.xml"),
        "application/vnd.openxmlformats-officedocument.customXmlProperties+xml",
        _xml(properties),
        package,
    )
    item.relate_to(item_properties, RT.CUSTOM_XML_PROPS)
    document.part.relate_to(item, RT.CUSTOM_XML)


def _xml(element: Any) -> bytes:
    from lxml import etree

    return etree.tostring(element, xml_declaration=True, encoding="UTF-8", standalone=True)


def read_json_part(path: Path, name: str) -> Any:
    """The JSON document ``name`` of a DOCX (:func:`write_json_part`), read without trusting
    the file: a damaged archive, a missing part or bad JSON is a clear refusal."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        with zipfile.ZipFile(path) as archive:
            check_zip(path)  # a zip bomb refused from its declared sizes, before a part is read
            items = [n for n in archive.namelist() if re.fullmatch(r"customXml/item\d+\.xml", n)]
            for item in items:
                root = etree.fromstring(archive.read(item), parser)
                if root.tag == f"{{{JSON_NAMESPACE}}}json" and root.get("name") == name:
                    return json.loads(root.text or "")
    except (
        zipfile.BadZipFile,
        etree.XMLSyntaxError,
        json.JSONDecodeError,
        OSError,
        KeyError,
        RecursionError,  # JSON nested beyond Python's stack
    ):
        raise SejahteraError("document.damaged", path=path) from None
    raise SejahteraError("document.no_attachment", path=path, name=name)


def write_docx(
    blocks: Sequence[Block], meta: Meta, out: Path, attachments: Mapping[str, Any]
) -> None:
    document = new_docx(meta)
    for block in blocks:
        if isinstance(block, Heading):
            add_heading(document, block.text, block.level)
        elif isinstance(block, Paragraph):
            add_paragraph(document, block.text, block.note)
        elif isinstance(block, Bullets):
            add_bullets(document, block.items)
        elif isinstance(block, Table):
            add_table(document, block.header, block.rows, meta.language, block.caption)
        else:
            add_figure(document, block.svg, block.caption, width=block.width)
    for name, data in attachments.items():
        write_json_part(document, name, data)
    document.save(str(out))


# --- PDF --------------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


def typst_string(value: str) -> str:
    """``value`` as a Typst string literal: only ``\\`` and ``"`` need escaping inside one."""
    cleaned = _CONTROL.sub(" ", value)
    escaped = cleaned.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def typst_text(value: str) -> str:
    """``value`` as literal text in Typst markup: a string expression closed by ``;``, so no
    ``#``, ``*``, ``_``, ``$``, ``<``, ``@`` or bracket in it means anything."""
    return f"#{typst_string(value)};"


def _safe_name(name: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", name):
        raise ValueError(f"attachment name {name!r}: letters, digits, _ and - only")
    return name


def typst_source(
    blocks: Sequence[Block], meta: Meta, folder: Path, attachments: Mapping[str, Any]
) -> str:
    """The Typst source of the document; figures and attachments written into ``folder``."""
    lines = [
        "#set document(title: {}, author: {}, keywords: ({}))".format(
            typst_string(meta.title),
            typst_string(meta.author),
            "".join(f"{typst_string(k)}, " for k in meta.keywords),
        ),
        '#set page(paper: "a4", margin: 2.5cm, numbering: "1")',
        f'#set text(lang: "{meta.language}", size: 10.5pt, hyphenate: false)',
        "#set par(justify: false)",
        "#set table(stroke: 0.5pt + luma(160), inset: 5pt)",
        "#show table.cell.where(y: 0): strong",
        "#show table: set text(size: 9pt)",
        "#show figure.where(kind: table): set figure.caption(position: top)",
        "#show figure: set block(breakable: true)",
        # Captions read as written, as in the DOCX (a planning document's carry their number).
        "#set figure(numbering: none)",
        "",
    ]
    for number, block in enumerate(blocks):
        lines.append(_typst_block(block, number, meta.language, folder))
    for name, data in attachments.items():
        file = f"{_safe_name(name)}.json"
        Path(folder, file).write_text(json.dumps(data, sort_keys=True), "ascii")
        lines.append(
            f'#pdf.attach("{file}", mime-type: "application/json", '
            f"description: {typst_string(name)})"
        )
    return "\n".join(lines) + "\n"


def _typst_block(block: Block, number: int, language_code: Language, folder: Path) -> str:
    if isinstance(block, Heading) and block.level == 0:
        return f'#text(size: 18pt, weight: "bold")[{typst_text(block.text)}]\n'
    if isinstance(block, Heading):
        return f"#heading(level: {block.level})[{typst_text(block.text)}]\n"
    if isinstance(block, Paragraph):
        body = typst_text(block.text)
        if block.note:
            return f"#text(size: 9pt, fill: luma(85))[{body}]\n"
        return f"{body}\n"
    if isinstance(block, Bullets):
        return "#list(" + "".join(f"[{typst_text(item)}], " for item in block.items) + ")\n"
    if isinstance(block, Table):
        return _typst_table(block, language_code)
    file = f"figure{number}.svg"
    Path(folder, file).write_text(xml_text(block.svg), "utf-8")
    caption = f", caption: [{typst_text(block.caption)}]" if block.caption else ""
    return f'#figure(image("{file}", width: {block.width * 100:g}%){caption})\n'


_LONG_WORD = re.compile(r"\S{17,}")


def _breakable(shown: str) -> str:
    """Long words without spaces (ids, paths) may break after ``.``, ``_``, ``:`` and ``/`` in
    a narrow column (a zero-width space, drawn as nothing)."""
    return _LONG_WORD.sub(lambda m: re.sub(r"(?<=[._:/])(?=\S)", "\u200b", m.group()), shown)


def _typst_table(block: Table, language_code: Language) -> str:
    cells = [f"[{typst_text(str(label))}]" for label in block.header]
    parts = [f"table.header({', '.join(cells)})"]
    for row in block.rows:
        for value in row:
            shown, numeric = cell_text(value, language_code)
            align = "right" if numeric else "left"
            shown = shown if numeric else _breakable(shown)
            parts.append(f"table.cell(align: {align})[{typst_text(shown)}]")
    columns = len(block.header)
    table = f"table(columns: {columns}, " + ", ".join(parts) + ")"
    caption = f", caption: [{typst_text(block.caption)}]" if block.caption else ""
    return f"#figure(kind: table, {table}{caption})\n"


def write_pdf(
    blocks: Sequence[Block], meta: Meta, out: Path, attachments: Mapping[str, Any]
) -> None:
    import typst

    with tempfile.TemporaryDirectory(prefix="sejahtera-pdf-") as folder:
        source = typst_source(blocks, meta, Path(folder), attachments)
        Path(folder, "main.typ").write_text(source, "utf-8")
        try:
            pdf = typst.compile(str(Path(folder, "main.typ")), root=folder, format="pdf")
        except typst.TypstError as exc:
            raise SejahteraError("document.pdf_failed", detail=str(exc)) from None
    out.write_bytes(pdf)


def read_pdf_attachment(path: Path, name: str) -> Any:
    """The JSON document ``name`` embedded in a PDF (:func:`write_pdf`)."""
    import pypdf
    from pypdf.errors import PyPdfError

    try:
        reader = pypdf.PdfReader(str(path))
        found = reader.attachments.get(f"{_safe_name(name)}.json")
        if found:
            return json.loads(found[0])
    except (PyPdfError, json.JSONDecodeError, UnicodeDecodeError, OSError, ValueError):
        raise SejahteraError("document.damaged", path=path) from None
    except RecursionError:  # JSON (or a PDF's objects) nested beyond Python's stack
        raise SejahteraError("document.damaged", path=path) from None
    raise SejahteraError("document.no_attachment", path=path, name=name)


def docx_text(path: Path) -> list[str]:
    """Every paragraph's and table cell's text of a DOCX, in order (for checks and tests)."""
    import docx

    document = docx.Document(str(path))
    texts = [p.text for p in document.paragraphs]
    for table in document.tables:
        texts += [cell.text for row in table.rows for cell in row.cells]
    return texts
