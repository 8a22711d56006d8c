"""What the evaluation page shows and lets one download, from what the run kept: the report
(its body inside the page, the whole page as a file), the main figures, the robustness checks,
and every estimate as CSV or XLSX (``CheckedEvaluation.tidy()``: the columns of
``sejahtera.evaluate.robustness.CHECKED_COLUMNS``)."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from sejahtera.evaluate.robustness import CHECKED_COLUMNS
from sejahtera.i18n import Language, text
from sejahtera.report.cells import inert, inert_row
from sejahtera.workbench.evaluations.models import Evaluation

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
}
_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.DOTALL)
_HEADING = re.compile(r"<(/?)h([1-5])\b")
_FIGURE = re.compile(r"<figure>(.*?)</figure>", re.DOTALL)


def report_of(found: Evaluation, code: Language) -> str:
    """The report page in ``code`` (the other language's when that one is missing)."""
    return found.reports.get(code) or next(iter(found.reports.values()), "")


def report_body(found: Evaluation, code: Language) -> str:
    """The report's body to show inside the page, each heading one level down (the page has its
    own title). The report is rendered by the core's autoescaping templates
    (report/evaluation.py), whose only unescaped markup is the SVG it draws."""
    matched = _BODY.search(report_of(found, code))
    if matched is None:
        return ""
    return _HEADING.sub(lambda m: f"<{m.group(1)}h{int(m.group(2)) + 1}", matched.group(1))


def figures(found: Evaluation, code: Language) -> list[str]:
    """The report's pictures (parallel trends, the event study, overlap, the discontinuity):
    the inside of each of its ``<figure>`` elements, an SVG the core drew and escaped, with its
    caption."""
    return _FIGURE.findall(report_body(found, code))


def main_row(found: Evaluation) -> dict[str, Any] | None:
    """The main specification's main estimate (the first row of its tidy table)."""
    return next((row for row in found.estimates if row.get("check") == "main"), None)


def checks(found: Evaluation, code: Language) -> list[dict[str, Any]]:
    """The main estimate of the main specification and of each check, labelled in ``code``."""
    firsts: dict[str, dict[str, Any]] = {}
    for row in found.estimates:
        firsts.setdefault(row["check"], row)
    return [{"label": text(f"evaluate.check_{name}", code), **row} for name, row in firsts.items()]


def estimates_csv(found: Evaluation) -> bytes:
    """Every estimate, one row each, in the tidy table's columns (numbers as the program
    reads them: a point for decimals)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CHECKED_COLUMNS)
    for row in found.estimates:  # a term is a column's name from an uploaded table
        writer.writerow(
            inert_row(["" if row.get(c) is None else row.get(c) for c in CHECKED_COLUMNS])
        )
    return out.getvalue().encode("utf-8")


def estimates_xlsx(found: Evaluation) -> bytes:
    """The same table as a workbook: the estimates, then the variables the run used."""
    book = Workbook()
    sheet = book.active
    sheet.title = "estimates"
    sheet.append(list(CHECKED_COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in found.estimates:
        sheet.append(inert_row([row.get(c) for c in CHECKED_COLUMNS]))
    chosen = book.create_sheet("variables")
    chosen.append(["design", found.design])
    chosen.append(["data", inert(found.source)])  # an uploaded table's file name
    chosen.append(["data_checksum", found.data_checksum])
    for name, value in found.variables.items():
        chosen.append(inert_row([name, ", ".join(value) if isinstance(value, list) else value]))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
