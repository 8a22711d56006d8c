"""Validation reports as the pages show them: stored as JSON (file, row, column, value, rule,
detail of each problem kept, and the count per rule), read back in the reader's language.

The file of each problem is shown as its sender named it; a value in a personal column is
masked, as in the core's report for NIK.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass
from typing import Any

from sejahtera.data.labels import column_label
from sejahtera.errors import Problem, ProblemReport
from sejahtera.i18n import text
from sejahtera.report.cells import inert_row
from sejahtera.workbench.core import crypto
from sejahtera.workbench.datasets.uploads import PERSONAL_SCHEMA

MASK = "••••"  # a personal value, unless revealed
HEADER = ("file", "row", "column", "value", "rule", "message")
Sources = dict[str, dict[str, str]]  # stored file → schema column → the file's column


def report_json(report: ProblemReport) -> dict[str, Any]:
    """What is stored: every kept problem without its message (that is translated when read),
    a value in a personal column (a NIK with a format error) encrypted (core/crypto.py)."""
    problems = [asdict(p) for p in report.problems]
    for problem in problems:
        if problem["column"] in PERSONAL_SCHEMA and problem["value"]:
            problem["value"] = crypto.encrypt(str(problem["value"]))
    return {
        "total": report.total,
        "counts": dict(sorted(report.counts.items())),
        "problems": problems,
    }


def personal(found: list[Row]) -> list[Row]:
    """The problems whose value is personal (masked unless revealed)."""
    return [row for row in found if row.column in PERSONAL_SCHEMA and row.value]


@dataclass(frozen=True)
class Row:
    file: str
    row: int | None
    column: str  # the schema's column
    value: str
    rule: str
    message: str
    source: str = ""  # the column as the file calls it (through the mapping), when known
    label: str = ""  # the schema column's name for a reader


def sources_of(files: dict[str, dict[str, Any]], mapping: dict[str, Any] | None) -> Sources:
    """Stored file → schema column → the file's column, from an upload's files (table → its
    file) and the mapping tried; one file serving both tables takes both tables' columns."""
    found: Sources = {}
    persons = files.get("persons", files.get("households"))
    for table, item in (("households", files.get("households")), ("persons", persons)):
        section = (mapping or {}).get(table) or {}
        if item is None or not isinstance(section, dict):
            continue
        columns = section.get("columns") or {}
        found.setdefault(item["stored"], {}).update({str(t): str(s) for s, t in columns.items()})
    return found


@dataclass(frozen=True)
class Count:
    rule: str
    message: str
    count: int


def rows(
    stored: dict[str, Any] | None,
    names: dict[str, str] | None = None,
    sources: Sources | None = None,
    *,
    revealed: bool = False,
) -> list[Row]:
    """The kept problems, in the current language, each file as ``names`` calls it and each
    column as the file does (``sources``, from :func:`sources_of`); a personal value masked
    unless ``revealed``."""
    names, sources = names or {}, sources or {}
    found = []
    for entry in (stored or {}).get("problems", []):
        problem = Problem(
            str(entry.get("file", "")),
            entry.get("row"),
            str(entry.get("column", "")),
            str(entry.get("value", "")),
            str(entry.get("rule", "")),
            str(entry.get("detail", "")),
        )
        value = problem.value
        if problem.column in PERSONAL_SCHEMA and value:
            value = crypto.plain(value) if revealed else MASK
        found.append(
            Row(
                names.get(problem.file, problem.file),
                problem.row,
                problem.column,
                value,
                problem.rule,
                problem.message,
                sources.get(problem.file, {}).get(problem.column, ""),
                column_label(problem.column) if problem.column else "",
            )
        )
    return found


def counts(stored: dict[str, Any] | None) -> list[Count]:
    """How many problems each rule found (all of them, not only those kept)."""
    return [
        Count(rule, text(f"rule.{rule}"), count)
        for rule, count in sorted((stored or {}).get("counts", {}).items())
    ]


def total(stored: dict[str, Any] | None) -> int:
    return int((stored or {}).get("total", 0))


def as_csv(
    stored: dict[str, Any] | None,
    names: dict[str, str] | None = None,
    sources: Sources | None = None,
) -> str:
    """The report as CSV: the columns of ``sejahtera data validate --report``, then the
    column as the file calls it."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow((*HEADER, "source_column"))
    for row in rows(stored, names, sources):
        cells = [row.file, "" if row.row is None else row.row, row.column, row.value]
        writer.writerow(inert_row([*cells, row.rule, row.message, row.source]))
    return out.getvalue()
