"""Exports of a beneficiary list: the rows its page shows for the same search and filters, in
the same order, always masked (an export never reveals), as XLSX or CSV.

The file is written by a background job (kind ``beneficiaries.export``): the demo's list of
about 40,000 households takes a few seconds in XLSX (``benchmarks/workbench_export.py``), too
long for a request. The job writes to a temporary name while it reports progress, then, in its
last step, gives the file its name and audits the export with its filter and row count; its
owner downloads it from the cycle page (:func:`download`, audited too).
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from sejahtera.workbench.core import audit
from sejahtera.workbench.core.jobs import JobError, Progress, keep_file, kind
from sejahtera.workbench.programmes.lists import ListFilter, Row, listed, rows
from sejahtera.workbench.programmes.models import Cycle

EXPORT = "beneficiaries.export"  # the kind of background job
FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
BLOCK = 5000  # rows between two progress reports


def folder() -> Path:
    """Where finished exports wait for their download: ``exports/`` in the data folder."""
    return Path(settings.DATA_FOLDER) / "exports"


def headers() -> list[str]:
    return [
        _("Household (masked)"),
        _("Kabupaten/kota"),
        _("Kecamatan"),
        _("Desa/kelurahan"),
        _("Desil"),
        _("Amount (Rp)"),
        _("Change"),
        _("Area code"),
    ]


def values(row: Row) -> list[object]:
    return [row.household, row.regency, row.district, row.village, row.desil,
            int(row.amount_rp), row.change, row.area_code]  # fmt: skip


def described(chosen: ListFilter) -> str:
    """The filter in words, for the file's notes ("all households" when none)."""
    given = chosen.to_dict()
    given.pop("sort", None)
    if not given:
        return _("all households of the list")
    return "; ".join(f"{name}: {value}" for name, value in given.items())


Report = Callable[[int], None]  # told the number of rows written so far


def _quiet(count: int) -> None:
    pass


def write_csv(path: Path, shown: Iterable[Row], report: Report = _quiet) -> int:
    """The rows as CSV (UTF-8 with a byte-order mark, so that spreadsheets read the names)."""
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(headers())
        for count, row in enumerate(shown, 1):
            out.writerow(values(row))
            report(count)
    return count


def write_xlsx(
    path: Path, shown: Iterable[Row], notes: list[tuple[str, str]], report: Report = _quiet
) -> int:
    """The rows on a sheet (amounts as numbers), and a second sheet of ``notes``."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Beneficiaries"))
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDEFGH", (22, 28, 24, 28, 7, 14, 20, 16), strict=True):
        sheet.column_dimensions[letter].width = width
    bold = Font(bold=True)
    sheet.append([_bold(sheet, title, bold) for title in headers()])
    count = 0
    for count, row in enumerate(shown, 1):
        amount = WriteOnlyCell(sheet, int(row.amount_rp))
        amount.number_format = "#,##0"
        cells = values(row)
        cells[5] = amount
        sheet.append(cells)
        report(count)
    about = book.create_sheet(_("About"))
    about.column_dimensions["A"].width, about.column_dimensions["B"].width = 28, 80
    for label, value in [*notes, (_("Rows"), str(count))]:
        about.append([_bold(about, label, bold), value])
    book.save(path)
    return count


def _bold(sheet: Any, value: str, font: Font) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value)
    cell.font = font
    return cell


@kind(EXPORT)
def export_job(progress: Progress, arguments: dict[str, Any]) -> dict[str, Any]:
    """Write the filtered, masked list of a cycle (``cycle``, ``filter``, ``format``) to a
    file, then name it and audit the export."""
    cycle = Cycle.objects.select_related("programme").get(pk=arguments["cycle"])
    chosen = ListFilter.from_dict(arguments["filter"])
    form = arguments["format"]
    if form not in FORMATS:
        raise JobError(_("Exports are written as XLSX or CSV."))
    progress.step(0.05, _("Choosing the rows"))
    chosen_rows = listed(cycle, chosen)
    total = max(chosen_rows.count(), 1)

    def report(count: int) -> None:
        if count % BLOCK == 0:
            progress.step(0.1 + 0.8 * count / total, _("Writing the rows"))

    shown = rows(chosen_rows.iterator(chunk_size=2000))

    def write(partial: Path) -> int:
        if form == "csv":
            return write_csv(partial, shown, report)
        return write_xlsx(partial, shown, _notes(cycle, chosen, progress), report)

    def audited(count: int) -> None:
        audit.record(
            None, "beneficiaries_exported", cycle, user=progress.owner, format=form,
            filter=chosen.to_dict(), rows=count, job=progress.job.pk,
        )  # fmt: skip

    name, count = keep_file(progress, folder(), form, write, audited)
    return {"cycle": cycle.pk, "rows": count, "format": form, "file": name}


def _notes(cycle: Cycle, chosen: ListFilter, progress: Progress) -> list[tuple[str, str]]:
    return [
        (_("Programme"), cycle.programme.name),
        (_("Cycle"), f"{cycle.name} ({cycle.period})"),
        (_("Status"), str(cycle.get_status_display())),
        (_("Dataset checksum"), cycle.dataset_checksum or "–"),
        (_("Filter"), described(chosen)),
        (_("Household identifiers"), _("masked: an export never shows them whole")),
        (_("Exported by"), progress.owner.get_username() if progress.owner else "–"),
        (_("Exported at"), timezone.localtime().strftime("%Y-%m-%d %H:%M")),
    ]


def file_name(cycle: Cycle, form: str) -> str:
    """The name a download is offered under: ``pangan-2025-tahap-1-20250120.xlsx``."""
    from django.utils.text import slugify

    day = datetime.date.today().strftime("%Y%m%d")
    return f"{cycle.programme.code}-{slugify(cycle.name) or cycle.pk}-{day}.{form}"
