"""Grievances and SP4N-LAPOR! (lapor.go.id): the category mapping both ways, the import of a
LAPOR! export file, and the export of grievances in LAPOR! categories with their IDs.

**The mapping** is data: ``resources/lapor/categories.csv`` (its README says how sure each name
is: none is verified). :func:`to_lapor` gives a workbench category's LAPOR! category, and
:func:`from_lapor` a LAPOR! category's workbench category; a LAPOR! category the file does not
name is filed as *other*, never refused.

**The import** reads a CSV or XLSX file whose first row names the columns (:data:`COLUMNS`:
Indonesian names as LAPOR! exports show them, or English ones; case and spaces do not matter,
other columns are ignored). It is all or nothing: every row is checked first and any problem
refuses the whole file, each problem naming the row (as the spreadsheet numbers it, the header
being row 1), the column and what is wrong. **A LAPOR! ID the workbench already holds is
refused** (so is one given twice in the file): importing never changes a stored grievance;
export from LAPOR! only the reports not yet imported, or take those rows out. The complainant's
name, NIK, phone and address, when the file has them, are stored like the intake's and masked
on every page; problems never quote them.

**The export** writes the grievances a user sees with their LAPOR! ID (blank for those that
came through another channel), the LAPOR! category of their workbench category, the date, the
area, whether they are confidential, and the workbench's tracking code and status, in the same
column names the import reads. It never writes personal data.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Final

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from sejahtera.report.cells import inert_row
from sejahtera.workbench.core import audit
from sejahtera.workbench.datasets.uploads import is_workbook
from sejahtera.workbench.grievances.models import (
    SENSITIVE_BY_DEFAULT,
    Category,
    Channel,
    Grievance,
    GrievanceEvent,
    Status,
    validate_nik,
    validate_phone,
)
from sejahtera.workbench.regions.models import Region

MAX_BYTES: Final = 10 * 1024 * 1024
MAX_ROWS: Final = 10_000
SHOWN_PROBLEMS: Final = 50  # the rest are counted
TRACKING_ID: Final = re.compile(r"#?(\d{4,12})")


# The mapping ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mapping:
    to_lapor: dict[str, str]  # workbench category → the LAPOR! category it is exported under
    from_lapor: dict[str, str]  # a LAPOR! category, folded → workbench category


def _fold(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip().casefold()


@cache
def mapping() -> Mapping:
    """The shipped mapping, checked: every workbench category exported under one name."""
    path = resources.files("sejahtera").joinpath("resources/lapor/categories.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    to_lapor: dict[str, str] = {}
    from_lapor: dict[str, str] = {}
    for row in rows:
        category = Category(row["workbench_category"])  # an unknown one fails loudly
        from_lapor[_fold(row["lapor_category"])] = category.value
        if row["export"] == "yes":
            if category.value in to_lapor:
                raise ValueError(f"categories.csv: {category.value} is exported twice")
            to_lapor[category.value] = row["lapor_category"]
    missing = set(Category.values) - set(to_lapor)
    if missing:
        raise ValueError(f"categories.csv: no LAPOR! category to export {sorted(missing)}")
    return Mapping(to_lapor, from_lapor)


def to_lapor(category: str) -> str:
    """The LAPOR! category a grievance of ``category`` is exported under."""
    return mapping().to_lapor[Category(category).value]


def from_lapor(lapor_category: str) -> tuple[str, bool]:
    """The workbench category of a LAPOR! category, and whether the mapping knows it (when it
    does not: *other*)."""
    found = mapping().from_lapor.get(_fold(lapor_category))
    return (found, True) if found else (Category.OTHER.value, False)


def tracking_id(typed: object) -> str | None:
    """A LAPOR! tracking ID as stored (digits, without ``#``), or None when it is not one."""
    text = re.sub(r"\s", "", str(typed if typed is not None else ""))
    if text.endswith(".0") and text[:-2].isdigit():  # a number cell read as a float
        text = text[:-2]
    matched = TRACKING_ID.fullmatch(text)
    return matched.group(1) if matched else None


# The columns --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    names: tuple[str, ...]  # the first is the one the export writes
    required: bool = False
    personal: bool = False


COLUMNS: Final = (
    Column("id", ("ID Tracking", "Tracking ID", "No Tracking", "Nomor Tracking"), required=True),
    Column("date", ("Tanggal Laporan", "Tanggal", "Date", "Report date"), required=True),
    Column("category", ("Kategori", "Category"), required=True),
    Column("text", ("Isi Laporan", "Laporan", "Isi", "Report", "Description"), required=True),
    Column("title", ("Judul", "Judul Laporan", "Title")),
    Column("region", ("Kode Wilayah", "Kode Lokasi", "Region code", "Area code")),
    Column("confidential", ("Rahasia", "Confidential")),
    Column("name", ("Nama Pelapor", "Nama", "Name"), personal=True),
    Column("nik", ("NIK",), personal=True),
    Column("phone", ("No HP", "Nomor HP", "Telepon", "Phone"), personal=True),
    Column("address", ("Alamat", "Address"), personal=True),
)
EXPORT_EXTRA: Final = ("Kode Pelacakan Sejahtera", "Status Sejahtera", "Kategori Sejahtera")
YES: Final = frozenset({"ya", "yes", "y", "1", "true", "rahasia"})
NO: Final = frozenset({"", "tidak", "no", "n", "0", "false"})


def _header_key(name: object) -> str:
    return re.sub(r"[\s._\-]+", " ", str(name or "")).strip().casefold()


# Reading a file --------------------------------------------------------------------------------


class LaporFileError(Exception):
    """A file that cannot be read at all; the message says why, for the user."""


def read_table(content: bytes, name: str) -> list[list[object]]:
    """The rows of an uploaded CSV or XLSX file (the header first), as the file holds them."""
    if len(content) > MAX_BYTES:
        raise LaporFileError(_("The file is larger than 10 MB: export fewer reports at a time."))
    if content[:2] == b"PK":
        return _read_workbook(content, name)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [list(row) for row in csv.reader(io.StringIO(text), dialect)]


def _read_workbook(content: bytes, name: str) -> list[list[object]]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload.xlsx"
        path.write_bytes(content)
        if not is_workbook(path):
            raise LaporFileError(
                _("“%(name)s” is not an Excel workbook the workbench reads: it is not one, or "
                  "it unpacks to far more than its size.") % {"name": name}
            )  # fmt: skip
        book = load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            rows = []
            for row in sheet.iter_rows(values_only=True):
                rows.append(list(row))
                if len(rows) > MAX_ROWS + 1:
                    break
            return rows
        finally:
            book.close()


# Checking the rows -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    row: int  # as the spreadsheet numbers it: the header is row 1
    column: str  # as the file names it
    message: str


@dataclass
class Incoming:
    """A checked row: the grievance to create."""

    lapor_id: str
    lapor_category: str
    category: str
    received_at: datetime
    description: str
    region: Region | None
    sensitive: bool
    personal: dict[str, str]


@dataclass
class Checked:
    incoming: list[Incoming] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    unknown_categories: Counter[str] = field(default_factory=Counter)

    def add(self, row: int, column: str, message: str) -> None:
        self.problem_count += 1
        if len(self.problems) < SHOWN_PROBLEMS:
            self.problems.append(Problem(row, column, message))

    @property
    def more(self) -> int:
        return self.problem_count - len(self.problems)


def check(table: list[list[object]]) -> Checked:
    """Every row of ``table`` (the header first) checked; a row becomes an :class:`Incoming`
    only when the whole table is free of problems."""
    result = Checked()
    if not table or not any(str(c or "").strip() for c in table[0]):
        result.add(1, "–", _("The file is empty: its first row must name the columns."))
        return result
    header = [str(c or "").strip() for c in table[0]]
    where: dict[str, int] = {}
    for column in COLUMNS:
        wanted = {_header_key(n) for n in column.names}
        found = [i for i, name in enumerate(header) if _header_key(name) in wanted]
        if found:
            where[column.key] = found[0]
        elif column.required:
            result.add(1, column.names[0], _("No column is named %(names)s.") % {
                "names": " / ".join(f"“{n}”" for n in column.names)})  # fmt: skip
    body = table[1:]
    if len(body) > MAX_ROWS:
        result.add(MAX_ROWS + 2, "–", _("The file has more than 10,000 reports: split it."))
    if result.problem_count:
        return result
    names = {column.key: header[where[column.key]] for column in COLUMNS if column.key in where}
    regions = {r.code: r for r in Region.objects.filter(level__in=("district", "village"))}
    known = dict(Grievance.objects.exclude(lapor_id="").values_list("lapor_id", "code"))
    seen: dict[str, int] = {}
    for number, cells in enumerate(body, start=2):
        if not any(str(c if c is not None else "").strip() for c in cells):
            continue  # an empty line
        values = {key: cells[i] if i < len(cells) else None for key, i in where.items()}
        incoming = _row(number, values, names, regions, known, seen, result)
        if incoming is not None:
            result.incoming.append(incoming)
    if result.problem_count:
        result.incoming = []
    elif not result.incoming:
        result.add(2, "–", _("The file has no reports under its header."))
    return result


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _row(
    number: int,
    values: dict[str, object],
    names: dict[str, str],
    regions: dict[str, Region],
    known: dict[str, str],
    seen: dict[str, int],
    result: Checked,
) -> Incoming | None:
    before = result.problem_count
    lapor_id = tracking_id(values["id"])
    if lapor_id is None:
        result.add(number, names["id"], _("“%(value)s” is not a LAPOR! tracking ID (4 to 12 "
                   "digits, like #1916449).") % {"value": _text(values["id"])[:40]})  # fmt: skip
    elif lapor_id in known:
        result.add(number, names["id"], _("LAPOR! report #%(id)s is already in the workbench "
                   "(grievance %(code)s): take the row out, importing never changes a stored "
                   "grievance.") % {"id": lapor_id, "code": known[lapor_id]})  # fmt: skip
    elif lapor_id in seen:
        result.add(number, names["id"], _("LAPOR! report #%(id)s is also on row %(row)s.")
                   % {"id": lapor_id, "row": seen[lapor_id]})  # fmt: skip
    else:
        seen[lapor_id] = number
    received = _date(values["date"])
    if received is None:
        result.add(number, names["date"], _("“%(value)s” is not a date (2025-03-14 or "
                   "14/03/2025).") % {"value": _text(values["date"])[:40]})  # fmt: skip
    elif received > timezone.localdate():
        result.add(number, names["date"], _("%(date)s is in the future.") % {"date": received})
    lapor_category = _text(values["category"])
    if not lapor_category:
        result.add(number, names["category"], _("The category is empty."))
    text = _text(values["text"])
    title = _text(values.get("title"))
    description = f"{title}\n\n{text}" if title and text else text
    if len(text) < 10:
        result.add(number, names["text"], _("The report says too little (under 10 characters)."))
    region = None
    code = _text(values.get("region"))
    if code:
        region = regions.get(code)
        if region is None:
            result.add(number, names["region"], _("“%(code)s” is not a kecamatan or desa code "
                       "the workbench knows.") % {"code": code[:20]})  # fmt: skip
    confidential = _text(values.get("confidential")).casefold()
    if confidential not in YES | NO:
        result.add(number, names["confidential"], _("Write Ya or Tidak."))
    personal = _personal(number, values, names, result)
    if result.problem_count > before:
        return None
    category, listed = from_lapor(lapor_category)
    if not listed:
        result.unknown_categories[lapor_category] += 1
    return Incoming(
        lapor_id=str(lapor_id),
        lapor_category=lapor_category[:120],
        category=category,
        received_at=timezone.make_aware(datetime.combine(received, time(12))),  # type: ignore[arg-type]
        description=description,
        region=region,
        sensitive=confidential in YES or category in SENSITIVE_BY_DEFAULT,
        personal=personal,
    )


def _personal(
    number: int, values: dict[str, object], names: dict[str, str], result: Checked
) -> dict[str, str]:
    """The complainant's data, checked like the intake's; a problem names the column only,
    never the value (it is personal)."""
    personal = {key: _text(values.get(key)) for key in ("name", "nik", "phone", "address")}
    personal["nik"] = re.sub(r"[\s.\-]", "", personal["nik"])
    personal["phone"] = re.sub(r"[\s\-]", "", personal["phone"])
    for key, validate in (("nik", validate_nik), ("phone", validate_phone)):
        if personal[key]:
            try:
                validate(personal[key])
            except ValidationError as error:
                result.add(number, names[key], " ".join(error.messages))
    personal["name"], personal["address"] = personal["name"][:200], personal["address"][:2000]
    return personal


def _date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    for shape in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M"):
        try:
            return datetime.strptime(text, shape).date()
        except ValueError:
            continue
    return None


# Storing them ---------------------------------------------------------------------------------


def store(request: HttpRequest, checked: Checked, file_name: str) -> list[Grievance]:
    """Create the grievances of a problem-free :class:`Checked`, in one transaction, each with
    its first event and audit entry, then one audit entry for the import."""
    assert not checked.problem_count, "a file with problems is never stored"
    made = []
    user = request.user if request.user.is_authenticated else None
    with transaction.atomic():
        audit.hold_chain()  # before the first LAPOR! ID: see hold_chain
        for row in checked.incoming:
            grievance = Grievance(
                channel=Channel.LAPOR,
                category=row.category,
                region=row.region,
                description=row.description,
                sensitive=row.sensitive,
                lapor_id=row.lapor_id,
                lapor_category=row.lapor_category,
                received_at=row.received_at,
                entered_by=user,
                **row.personal,
            )
            grievance.save()
            GrievanceEvent.objects.create(
                grievance=grievance, at=grievance.received_at, status=Status.RECEIVED, by=user
            )
            audit.record(
                request, "grievance_created", grievance, code=grievance.code,
                channel=grievance.channel, category=grievance.category,
                sensitive=grievance.sensitive, lapor_id=grievance.lapor_id,
            )  # fmt: skip
            made.append(grievance)
        audit.record(
            request, "lapor_imported", None, file=file_name[:200], rows=len(made),
            lapor_ids=[g.lapor_id for g in made],
            unknown_categories=dict(checked.unknown_categories),
        )  # fmt: skip
    return made


# The export --------------------------------------------------------------------------------------


def export_headers() -> list[str]:
    return [column.names[0] for column in COLUMNS if not column.personal and column.key != "title"]


def export_values(grievance: Grievance) -> list[object]:
    """One grievance in the import's columns (no personal data), then the workbench's own."""
    return [
        f"#{grievance.lapor_id}" if grievance.lapor_id else "",
        grievance.received_on().isoformat(),
        grievance.lapor_category or to_lapor(grievance.category),
        grievance.description,
        grievance.region_id or "",
        "Ya" if grievance.sensitive else "Tidak",
        grievance.tracking_code,
        str(grievance.get_status_display()),
        str(grievance.get_category_display()),
    ]


def write_csv(grievances: Iterable[Grievance]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*export_headers(), *EXPORT_EXTRA])
    for grievance in grievances:
        writer.writerow(inert_row(export_values(grievance)))
    return out.getvalue().encode("utf-8-sig")


def write_xlsx(grievances: Iterable[Grievance]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "LAPOR"
    sheet.append([*export_headers(), *EXPORT_EXTRA])
    for grievance in grievances:
        sheet.append(inert_row(export_values(grievance)))
    for letter, width in zip("ABCDEFGHI", (14, 14, 28, 60, 16, 10, 16, 16, 24), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "B2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
