"""A table of a page as an XLSX workbook: the table as the page shows it (``tables.py`` reads it
and types its cells), then a second sheet saying which page, which table, who exported it and
when. :func:`export` answers ``?xlsx=<n>`` for ``middleware.TableExports``."""

from __future__ import annotations

import datetime
import io
import re

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from sejahtera.i18n import format_number
from sejahtera.report.cells import FORMULA_STARTS
from sejahtera.workbench.core import audit, tables
from sejahtera.workbench.core.pages import refused
from sejahtera.workbench.core.tables import Export, Table, Typed, read_page, typed

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOLD = Font(bold=True)
SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
WIDEST = 60  # characters: a wider column is wrapped


def asked_table(value: str) -> int | None:
    """The table ``?xlsx=`` names: a whole number from 1, else None."""
    value = value.strip()
    return int(value) if value.isdigit() and 0 < int(value) <= 10_000 else None


def bad_number(request: HttpRequest, value: str, back: str) -> HttpResponse:
    message = _("“%(value)s” is not a table of this page: xlsx= takes the table's number, 1 for "
                "the first.") % {"value": value[:40]}  # fmt: skip
    return refused(request, message, back, status=400, title=_("Download XLSX"))


def export(request: HttpRequest, response: HttpResponse, asked: Export, back: str) -> HttpResponse:
    """The workbook of table ``asked.number`` of the page ``response`` holds, audited; 404 when
    the page has no such table. A page that did not render (a redirect to sign in, a refusal,
    a form's errors) is answered as it is."""
    if response.status_code != 200:
        return response
    if response.streaming or not response.get("Content-Type", "").startswith("text/html"):
        # A file (a CSV, a needs profile's page), not a page of the workbench. Its open file is
        # closed here; response.close() would also end the request (its database connection).
        stream = getattr(response, "file_to_stream", None)
        if stream is not None:
            stream.close()
        return _no_table(request, asked.number, 0, back)
    charset = response.charset or "utf-8"
    page = read_page(response.content.decode(charset, errors="replace"))
    if asked.number > len(page.tables):
        return _no_table(request, asked.number, len(page.tables), back)
    table = page.tables[asked.number - 1]
    language = "en" if (translation.get_language() or "id").startswith("en") else "id"
    content, rows = workbook(request, table, page.title, back, language, asked.cut)
    audit.record(
        request,
        "table_exported",
        page=back,
        table=table.number,
        title=table.title or page.title,
        rows=rows,
        cut=bool(asked.cut and rows >= asked.cut[0]),
    )
    answer = HttpResponse(content, content_type=XLSX)
    name = slugify(table.title or page.title)[:60] or "tabel"
    answer["Content-Disposition"] = f'attachment; filename="sejahtera-{name}-{table.number}.xlsx"'
    answer["Cache-Control"] = "no-store, private"
    return answer


def _no_table(request: HttpRequest, number: int, count: int, back: str) -> HttpResponse:
    message = _("Tables to export on this page: %(count)s. There is no table %(number)s.") % {
        "number": number,
        "count": count,
    }
    return refused(request, message, back, status=404, title=_("Download XLSX"))


def workbook(
    request: HttpRequest,
    table: Table,
    page_title: str,
    address: str,
    language: str,
    cut: tuple[int, int] | None,
) -> tuple[bytes, int]:
    """The workbook's bytes and how many body rows it holds."""
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title(table.title or page_title or _("Table %(n)s") % {"n": table.number})
    rows = _write_table(sheet, table, language)
    cut_here = cut if cut and rows >= cut[0] else None
    if cut_here:
        note = sheet.cell(sheet.max_row + 2, 1, cut_note(cut_here, language))
        note.font = Font(italic=True)
    about_name = _("About")
    about = book.create_sheet(about_name if about_name != sheet.title else f"{about_name} (2)")
    user = getattr(request, "user", None)
    facts = [
        (_("Page"), page_title),
        (_("Page address"), address),
        (_("Table"), f"{table.number} · {table.title or page_title}"),
        (_("Rows"), rows),
        (_("Exported by"), user.get_username() if user and user.is_authenticated else "–"),
        (_("Exported at"), timezone.localtime().replace(tzinfo=None, microsecond=0)),
        (_("Note"), _("The table as the page shows it: personal data stays masked as it was.")),
    ]
    if cut_here:
        facts.append((_("Rows left out"), cut_note(cut_here, language)))
    for label, value in facts:
        about.append([label, value])
        about.cell(about.max_row, 1).font = BOLD
        if isinstance(value, str):
            _as_text(about.cell(about.max_row, 2))
        elif isinstance(value, datetime.datetime):
            about.cell(about.max_row, 2).number_format = "yyyy-mm-dd hh:mm:ss"
    about.column_dimensions["A"].width = 16
    about.column_dimensions["B"].width = 80
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), rows


def cut_note(cut: tuple[int, int], language: str) -> str:
    shown, total = (format_number(n, language) for n in cut)
    return _(
        "Only the first %(shown)s of %(total)s rows are exported: one export holds at most "
        "%(cap)s rows. Narrow the list with its filters to export the rest."
    ) % {"shown": shown, "total": total, "cap": format_number(tables.EXPORT_ROWS, language)}


def sheet_title(title: str) -> str:
    """A sheet's name: no character a spreadsheet refuses, at most 31 characters."""
    cleaned = " ".join(SHEET_NAME.sub(" ", title).split()).strip("'")
    return (cleaned[:30] + "…" if len(cleaned) > 31 else cleaned) or "Tabel"


def _write_table(sheet: Worksheet, table: Table, language: str) -> int:
    """Writes the rows, merging spanned cells as the page does; returns the body rows."""
    heads = table.head_rows
    taken: set[tuple[int, int]] = set()
    widths: dict[int, int] = {}
    for r, row in enumerate(table.rows, start=1):
        column = 1
        for cell in row.cells:
            while (r, column) in taken:
                column += 1
            head = r <= heads
            value = Typed(cell.text or None) if head else typed(cell, language)
            target = sheet.cell(r, column, value.value)
            if isinstance(value.value, str):
                _as_text(target)
            if value.number_format != "General":
                target.number_format = value.number_format
            if head or cell.header or row.total:
                target.font = BOLD
            down = min(cell.rowspan, len(table.rows) - r + 1)
            for dr in range(down):
                for dc in range(cell.colspan):
                    taken.add((r + dr, column + dc))
            if down > 1 or cell.colspan > 1:
                sheet.merge_cells(
                    start_row=r, start_column=column, end_row=r + down - 1,
                    end_column=column + cell.colspan - 1,
                )  # fmt: skip
            if cell.colspan == 1:
                widths[column] = max(widths.get(column, 6), min(len(cell.text) + 2, WIDEST))
            column += cell.colspan
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = width
        if width >= WIDEST:
            for (cell,) in sheet.iter_rows(min_col=column, max_col=column):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    if heads:
        sheet.freeze_panes = sheet.cell(heads + 1, 1)
    return len(table.rows) - heads


def _as_text(cell: object) -> None:
    """A text stays text: never a formula, even when it starts with = (a name someone typed)."""
    cell.data_type = "s"  # type: ignore[attr-defined]
    if str(cell.value).startswith(FORMULA_STARTS):  # type: ignore[attr-defined]
        cell.quotePrefix = True  # type: ignore[attr-defined]
