"""Files received for a new dataset version: checked, stored and previewed, never trusted.

- Each file is stored under a name the workbench chooses (``households.csv``), in a folder of
  its own under ``uploads/``; the sender's file name is kept only as text to show.
- Its type is read from its first bytes, not from its name: Parquet, Excel (xlsx), Stata, SPSS,
  or text (CSV). Anything else is refused.
- ``settings.UPLOAD_MAX_BYTES`` bounds each file; a larger one is refused while it arrives.
- A file the readers cannot read is refused at once, with the reader's message naming the file
  as the sender called it (and the line, for a CSV).

The rows a page shows come from :func:`preview`, with personal columns masked (:func:`masked`)
and the values of the columns chosen for a schema column named in the page's language (a
flag as Ya/Tidak, a code by its name: ``cement`` as Semen/bata merah).
"""

from __future__ import annotations

import re
import shutil
import unicodedata
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath
from typing import Any

import pandas as pd
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from sejahtera.data.labels import cell_label
from sejahtera.data.mapping import value_key
from sejahtera.data.readers import read_table
from sejahtera.data.schema import COLUMNS, TABLES, Column, Table
from sejahtera.data.schema import column as schema_column
from sejahtera.errors import SejahteraError
from sejahtera.workbench.core.privacy import initials, mask_nik
from sejahtera.workbench.datasets import services
from sejahtera.workbench.datasets.models import Dataset, Upload

SUFFIX = {"csv": ".csv", "excel": ".xlsx", "stata": ".dta", "spss": ".sav", "parquet": ".parquet"}
PREVIEW_ROWS = 5
_HEAD = 1 << 16  # the bytes read to tell a file's type


class UploadRefused(Exception):
    """A file that cannot be taken; the message (translated) says which and why."""


@dataclass(frozen=True)
class Received:
    """One table's file as stored."""

    stored: str  # the workbench's name for it, inside the upload's folder
    original: str  # the sender's name for it, for showing only
    format: str  # a key of SUFFIX
    size: int

    def as_json(self) -> dict[str, Any]:
        return {
            "stored": self.stored,
            "original": self.original,
            "format": self.format,
            "size": self.size,
        }


def shown_name(name: str) -> str:
    """The sender's file name as text to show: no folders, no control characters, short."""
    base = PureWindowsPath(str(name)).name  # drops "C:\\…\\" and "../…/" alike
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip()
    return base[:120] or "?"


def detect(head: bytes) -> str | None:
    """The format of a file from its first bytes (None: none the workbench reads)."""
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"<stata_dta>"):
        return "stata"
    if len(head) >= 4 and 104 <= head[0] <= 115 and head[1] in (1, 2) and head[2] == 1:
        return "stata"  # formats 104–115: version, byte order, file type 1
    if head.startswith((b"$FL2", b"$FL3")):
        return "spss"
    if head.startswith(b"PK\x03\x04"):
        return "excel"  # a zip: whether it is a workbook is checked on the whole file
    if b"\x00" in head:
        return None
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the sample
            try:
                head.decode("cp1252")
            except UnicodeDecodeError:
                return None
    return "csv"


EXPANSION = 100  # a workbook unpacking to more than this many times its size is refused …
EXPANSION_FLOOR = 100 * 1024 * 1024  # … once it unpacks to more than this (100 MB)


def is_workbook(path: Path) -> bool:
    """Whether the zip at ``path`` is an Excel workbook that unpacks to a sane size (a zip
    bomb's parts declare their size, and the reader never reads past it)."""
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(entry.file_size for entry in archive.infolist())
            sane = unpacked <= max(EXPANSION * path.stat().st_size, EXPANSION_FLOOR)
            return sane and "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def receive(file: UploadedFile, table: Table, folder: Path) -> Received:
    """Store ``file`` as ``table``'s file in ``folder``, or refuse it (:class:`UploadRefused`)."""
    original = shown_name(file.name or "")
    limit = settings.UPLOAD_MAX_BYTES
    if file.size is not None and file.size > limit:
        raise UploadRefused(_too_large(original))
    partial = folder / f"{table}.part"
    size, head = 0, b""
    with partial.open("wb") as out:
        for chunk in file.chunks():
            size += len(chunk)
            if size > limit:
                raise UploadRefused(_too_large(original))
            if len(head) < _HEAD:
                head += chunk[: _HEAD - len(head)]
            out.write(chunk)
    if size == 0:
        raise UploadRefused(_("%(file)s is empty.") % {"file": original})
    kind = detect(head)
    if kind == "excel" and not is_workbook(partial):
        kind = None
    if kind is None:
        raise UploadRefused(
            _(
                "%(file)s is not a file the workbench reads: send CSV, Excel (.xlsx), Stata "
                "(.dta), SPSS (.sav) or Parquet. Its type is read from its content, not its name."
            )
            % {"file": original}
        )
    stored = f"{table}{SUFFIX[kind]}"
    partial.rename(folder / stored)
    return Received(stored, original, kind, size)


def _too_large(original: str) -> str:
    return _("%(file)s is larger than %(limit)s MB, the largest file this workbench takes.") % {
        "file": original,
        "limit": settings.UPLOAD_MAX_BYTES // (1024 * 1024),
    }


def store(
    files: dict[Table, UploadedFile],
    *,
    owner: Any,
    dataset: Dataset | None,
    dataset_name: str,
    reference_date: Any = None,
    audited: Callable[[Upload], object] | None = None,
) -> Upload:
    """Keep the files of one upload (households, and persons when given) and the row that
    describes them. Each file is read far enough to show its columns; a file that cannot be
    read is refused. All or nothing: a refused upload leaves no folder and no row, and neither
    does one whose audit event (``audited(upload)``, in the same transaction) fails."""
    folder = services.area(services.UPLOADS) / uuid.uuid4().hex
    folder.mkdir()
    try:
        received = {table: receive(file, table, folder) for table, file in files.items()}
        for item in received.values():
            columns_of(folder / item.stored, item.original)
        with transaction.atomic():
            made = Upload.objects.create(
                owner=owner,
                dataset=dataset,
                dataset_name=(dataset.name if dataset else dataset_name)[:200],
                reference_date=reference_date,
                folder=f"{services.UPLOADS}/{folder.name}",
                files={table: item.as_json() for table, item in received.items()},
            )
            if audited is not None:
                audited(made)
            return made
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def discard(upload: Upload) -> None:
    """Remove an upload's files (once imported)."""
    shutil.rmtree(services.inside(upload.folder), ignore_errors=True)


@dataclass(frozen=True)
class Header:
    """A table's column header: ``shown`` to the reader (a schema column's label, or the file's
    own name for a column mapped to none), ``name`` the column as the file or the schema names it,
    kept for analysts as the header's tooltip."""

    shown: str
    name: str

    @classmethod
    def of(cls, name: str, schema: Column | None) -> Header:
        return cls(schema.label() if schema is not None else name, name)


@dataclass(frozen=True)
class Preview:
    table: str
    original: str
    format: str
    columns: list[str]
    headers: list[Header]
    rows: list[list[str]]  # as text, personal columns masked unless revealed
    masked: list[str]  # the columns masked


def read_head(path: Path, original: str, rows: int = PREVIEW_ROWS) -> Any:
    """The first ``rows`` rows of a stored file; an unreadable file raises
    :class:`UploadRefused` with the reader's message, naming the file as its sender did."""
    try:
        return read_table(path, rows=rows).frame
    except SejahteraError as exc:
        raise UploadRefused(str(exc).replace(str(path), original)) from None


def columns_of(path: Path, original: str) -> list[str]:
    return [str(c) for c in read_head(path, original).columns]


def files_of(upload: Upload) -> dict[str, dict[str, Any]]:
    """Each table's stored file, households first; a single file serves both tables."""
    return {t: upload.files[t] for t in TABLES if t in upload.files}


def preview(
    upload: Upload,
    mapping: dict[str, Any] | None,
    revealed: bool = False,
    chosen: dict[str, dict[str, str]] | None = None,
) -> list[Preview]:
    """The first rows of each file of ``upload``, the personal columns (by name, by the
    schema column they are mapped to, or by NIK-like values) masked unless ``revealed``; the
    columns ``chosen`` for a schema column (table → schema column → source column, as the
    mapping form fills it in) shown as that column's values, recoded by ``mapping``'s values."""
    folder = services.inside(upload.folder)
    files = files_of(upload)
    shown = []
    for table, stored in files.items():
        frame = read_head(folder / stored["stored"], stored["original"])
        columns = [str(c) for c in frame.columns]
        personal = personal_columns(frame, mapping)
        tables = TABLES if len(files) == 1 else (table,)  # one file may serve both tables
        schema = _schema_of(columns, tables, chosen or {}, mapping or {})
        rows = [
            [
                _cell(value, column in personal and not revealed, column, *schema.get(column, ()))
                for column, value in zip(columns, record, strict=True)
            ]
            for record in frame.itertuples(index=False, name=None)
        ]
        headers = [Header.of(c, schema[c][0] if c in schema else None) for c in columns]
        shown.append(
            Preview(
                table,
                stored["original"],
                stored["format"],
                columns,
                headers,
                rows,
                sorted(personal),
            )
        )
    return shown


PERSONAL_WORDS = {"nik", "nama", "name", "alamat", "address", "telp", "telepon", "phone", "hp"}
PERSONAL_WORDS |= {"email", "kk", "nokk", "no_kk", "jalan", "rt", "rw"}
PERSONAL_SCHEMA = {c.name for table in TABLES for c in COLUMNS[table] if c.personal}
_NIK = re.compile(r"\d{16}")


def personal_columns(frame: Any, mapping: dict[str, Any] | None) -> set[str]:
    """The source columns that may hold personal data: named like it (nama, NIK, alamat…),
    mapped to a personal schema column, or holding 16-digit numbers."""
    found = set()
    mapped_personal = {
        source
        for section in (mapping or {}).values()
        if isinstance(section, dict)
        for source, target in (section.get("columns") or {}).items()
        if target in PERSONAL_SCHEMA
    }
    for column in frame.columns:
        words = set(re.split(r"[^a-z0-9]+", str(column).lower())) | {str(column).lower()}
        values = frame[column].dropna().astype(str)
        nik_like = len(values) > 0 and values.str.fullmatch(_NIK).any()
        if words & PERSONAL_WORDS or str(column) in mapped_personal or nik_like:
            found.add(str(column))
    return found


def _schema_of(
    columns: list[str],
    tables: tuple[str, ...],
    chosen: dict[str, dict[str, str]],
    mapping: dict[str, Any],
) -> dict[str, tuple[Column, dict[str, Any]]]:
    """source column → (the schema column chosen for it, the mapping's recoding of its values)."""
    found: dict[str, tuple[Column, dict[str, Any]]] = {}
    for table in tables:
        recodes = (mapping.get(table) or {}).get("values") or {}
        for target, source in (chosen.get(table) or {}).items():
            spec = schema_column(table, target)  # type: ignore[arg-type]
            if spec is not None and source in columns and source not in found:
                recode = recodes.get(target) if isinstance(recodes, dict) else None
                recode = recode if isinstance(recode, dict) else None
                found[source] = (spec, {value_key(k): v for k, v in (recode or {}).items()})
    return found


def _cell(
    value: Any,
    hide: bool,
    column: str,
    schema: Column | None = None,
    recode: dict[str, Any] | None = None,
) -> str:
    missing = value is None or (pd.api.types.is_scalar(value) and pd.isna(value))
    if hide and not missing:
        return mask(str(value), column)
    if recode and not missing:
        value = recode.get(value_key(value), value)
    return cell_label(schema, value)


def mask(text: str, column: str) -> str:
    """A personal value as pages show it: a NIK-like number's last four digits, a name's
    initials, anything else hidden."""
    if text.isdigit():
        return mask_nik(text)
    if "nam" in column.lower():
        return initials(text)
    return "••••"
