"""A planning document as the blocks of :mod:`sejahtera.report.documents`, written as an
editable DOCX (or a PDF): the title, the legal basis as cited with what could not be verified,
each section's headings, paragraphs, tables (numbers in the reader's convention) and maps, then
an appendix naming the sources. The provenance also travels inside the file as JSON
(``read_attachment(path, "provenance")``)."""

from __future__ import annotations

import math
from pathlib import Path

from sejahtera.i18n import text
from sejahtera.report import documents
from sejahtera.report.planning.document import Kind, PlanningDocument, Table

PROVENANCE = "provenance"


def cell(value: object, kind: Kind) -> documents.Cell:
    """A table cell as the document shows it: a rate as a percentage with one decimal, counts
    and Rupiah whole and grouped, a year as written (never grouped)."""
    if kind == "text":
        return "" if value is None else str(value)
    missing = value is None or not math.isfinite(float(value))  # type: ignore[arg-type]
    if kind == "year":
        return "–" if missing else str(int(float(value)))  # type: ignore[arg-type]
    number = None if missing else float(value)  # type: ignore[arg-type]
    if kind == "rate":
        return documents.Number(number, 1, percent=True)
    if kind == "decimal":
        return documents.Number(number, 3)
    return documents.Number(number, 0)


def table_block(table: Table) -> documents.Table:
    rows = [[cell(v, k) for v, k in zip(row, table.kinds, strict=True)] for row in table.rows]
    return documents.Table(list(table.headers), rows, caption=table.title)


def blocks(document: PlanningDocument) -> list[documents.Block]:
    lang = document.language
    out: list[documents.Block] = [
        documents.Heading(document.title, 1),
        documents.Paragraph(document.subtitle),
        *(documents.Paragraph(line, note=True) for line in document.basis),
        documents.Paragraph(text("planning.contents_note", lang), note=True),
    ]
    for section in document.sections:
        out.append(documents.Heading(section.heading, section.level + 1))
        out += [documents.Paragraph(p) for p in section.paragraphs]
        for block in section.blocks:
            if isinstance(block, Table):
                out.append(table_block(block))
                if block.note:
                    out.append(documents.Paragraph(block.note, note=True))
            else:
                out.append(documents.Figure(block.svg, block.caption))
    out.append(documents.Heading(text("planning.appendix", lang), 2))
    rows = [[label, value] for label, value in document.provenance]
    rows += [[text("planning.src_basis", lang), line] for line in document.basis]
    out.append(documents.Table([text("planning.src_document", lang), document.title], rows))
    return out


def attachment(document: PlanningDocument) -> dict[str, object]:
    """The provenance as JSON: what the document is, its sources, and every table's figures."""
    return {
        "kind": document.kind,
        "language": document.language,
        "title": document.title,
        "provenance": [list(pair) for pair in document.provenance],
        "tables": {
            t.key: {"headers": list(t.headers), "kinds": list(t.kinds), "rows": _plain(t)}
            for t in document.tables()
        },
    }


def _plain(table: Table) -> list[list[object]]:
    def one(value: object) -> object:
        if isinstance(value, float | int) and not isinstance(value, bool):
            return float(value) if math.isfinite(float(value)) else None
        return None if value is None else str(value)

    return [[one(v) for v in row] for row in table.rows]


def meta(document: PlanningDocument) -> documents.Meta:
    return documents.Meta(
        document.title,
        language=document.language,
        subject=document.subtitle,
        keywords=("Sejahtera", document.kind.upper()),
    )


def write_docx(document: PlanningDocument, path: Path) -> None:
    documents.write_docx(blocks(document), meta(document), path, {PROVENANCE: attachment(document)})


def write_pdf(document: PlanningDocument, path: Path) -> None:
    documents.write_pdf(blocks(document), meta(document), path, {PROVENANCE: attachment(document)})
