"""The explorer's tables as CSV and XLSX files: the ranked table (the rows the API gives, with
their names, flags and group in words) and the published series with their sources.

Both formats hold the same header and the same values; numbers stay numbers (rates as
fractions, as in the API: a spreadsheet shows them as it is told).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

import pandas as pd
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from sejahtera.report.cells import inert_row
from sejahtera.workbench.needs.figures import Query
from sejahtera.workbench.needs.labels import flag_label, group_label, label, level_label, value_of
from sejahtera.workbench.needs.trends import role_label

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "svg": "image/svg+xml",
}


def figures_table(query: Query, rows: Sequence[dict[str, Any]]) -> tuple[list[str], list[list]]:
    """Header and rows of the ranked table, highest estimate first."""
    groups = [column for column, _value in query.filters]
    header = [
        _("Rank"),
        _("Area code"),
        level_label(query.level),
        *(group_label(column) for column in groups),
        _("Indicator"),
        _("Estimate"),
        _("Standard error"),
        _("95% interval, low"),
        _("95% interval, high"),
        _("Households (n)"),
        _("Population"),
        _("Reliability"),
    ]
    body = []
    for rank, row in enumerate(ranked(rows), 1):
        body.append(
            [
                rank,
                row[query.level],
                row["name"],
                *(value_of(column, row[column]) for column in groups),
                label(str(row["indicator"])),
                row["estimate"],
                row["se"],
                row["ci_low"],
                row["ci_high"],
                row["n"],
                row["population"],
                flag_label(str(row["reliability"])) or _("reliable"),
            ]
        )
    return header, body


def ranked(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Highest estimate first; areas without an estimate last; ties by code."""
    return sorted(
        rows,
        key=lambda r: (r["estimate"] is None, -(r["estimate"] or 0.0), str(r.get("name", ""))),
    )


def series_table(table: pd.DataFrame) -> tuple[list[str], list[list]]:
    """Header and rows of the published series, each value with its source."""
    header = [
        _("Comparison"),
        _("Area code"),
        _("Area"),
        _("Indicator"),
        _("Period"),
        _("Value"),
        _("Basis"),
        _("Source"),
        _("Address"),
    ]
    basis = {"published": _("as published"), "derived": _("derived from published figures")}
    body = [
        [
            role_label(row.role),
            row.area_code,
            row.area_name,
            row.indicator.upper() if row.indicator != "gini" else label("gini"),
            row.period,
            row.value,
            basis.get(row.basis, row.basis),
            row.source,
            row.url,
        ]
        for row in table.itertuples()
    ]
    return header, body


def as_csv(header: list[str], body: list[list]) -> bytes:
    """UTF-8 with a byte-order mark, so that spreadsheets read the names."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([inert_row(["" if cell is None else cell for cell in row]) for row in body])
    return out.getvalue().encode("utf-8-sig")


def as_xlsx(
    header: list[str], body: list[list], sheet_name: str, notes: list[tuple[str, str]]
) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_name[:31]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for row in body:  # area names and group values come from the uploaded data
        sheet.append(inert_row(row))
    about = book.create_sheet(_("About"))
    for name, value in notes:
        about.append(inert_row([name, value]))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
