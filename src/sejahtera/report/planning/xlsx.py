"""A planning document's tables as a workbook: one sheet per table, headers in the document's
language, every number stored as a number with a number format (a rate as a fraction shown as a
percentage, money in whole Rupiah), and last a sheet naming the sources (``Sumber`` / ``Source``):
the dataset and its checksum, the ruleset, the software version, the date, the legal basis.

The spreadsheet program shows the numbers in its reader's convention (``1.234,5`` in an
Indonesian Excel); the formats say only how many decimals and whether to group thousands.
Texts a user typed (a programme's name, a problem) are written so a spreadsheet never runs them
as a formula.
"""

from __future__ import annotations

import math
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from sejahtera.i18n import text
from sejahtera.report.cells import inert
from sejahtera.report.planning.document import Kind, PlanningDocument, Table, sheet_name

NUMBER_FORMATS: dict[Kind, str] = {
    "count": "#,##0",
    "rupiah": "#,##0",
    "rate": "0.0%",
    "decimal": "0.000",
    "year": "0",
    "rank": "0",
}


def cell_value(value: object, kind: Kind) -> object:
    """What goes into a cell: a number for a number column (``None`` when missing), the text
    otherwise, never something a spreadsheet would run as a formula."""
    if kind == "text":
        return inert("" if value is None else str(value))
    if value is None:
        return None
    number = float(value)
    if not math.isfinite(number):
        return None
    if kind in ("count", "year", "rank") and number == int(number):
        return int(number)
    return number


def write_xlsx(document: PlanningDocument, path: Path) -> None:
    book = Workbook()
    book.remove(book.active)
    taken: list[str] = []
    for table in document.tables():
        name = sheet_name(table.sheet, taken)
        taken.append(name)
        _sheet(book.create_sheet(name), table)
    _sources(
        book.create_sheet(sheet_name(text("planning.sheet_sources", document.language), taken)),
        document,
        taken,
    )
    book.properties.title = document.title
    book.properties.creator = "Sejahtera"
    book.save(path)


def _sheet(sheet: Worksheet, table: Table) -> None:
    bold = Font(bold=True)
    sheet.append(list(table.headers))
    for cell in sheet[1]:
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in table.rows:
        sheet.append([cell_value(v, k) for v, k in zip(row, table.kinds, strict=True)])
    for column, kind in enumerate(table.kinds, 1):
        letter = get_column_letter(column)
        width = 36 if kind == "text" else 16
        sheet.column_dimensions[letter].width = width
        if kind == "text":
            continue
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.number_format = NUMBER_FORMATS[kind]
    sheet.freeze_panes = "A2"


def _sources(sheet: Worksheet, document: PlanningDocument, sheets: list[str]) -> None:
    lang = document.language
    bold = Font(bold=True)
    rows: list[tuple[str, object]] = [(text("planning.src_document", lang), document.title)]
    rows += [(label, cell_value(value, "text")) for label, value in document.provenance]
    rows += [(text("planning.src_basis", lang), line) for line in document.basis]
    for name, table in zip(sheets, document.tables(), strict=True):
        about = f"{table.title}. {table.note}" if table.note else table.title
        rows.append((text("planning.src_sheet", lang, sheet=name), cell_value(about, "text")))
    for label, value in rows:
        sheet.append([label, value])
    for (cell,) in sheet.iter_rows(min_col=1, max_col=1):
        cell.font = bold
        cell.alignment = Alignment(vertical="top")
    for (cell,) in sheet.iter_rows(min_col=2, max_col=2):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].width = 30
    sheet.column_dimensions["B"].width = 100
