"""A planning document as plain data: sections of headings, paragraphs, tables and figures, in
one language, with its provenance. :meth:`PlanningDocument.write` lays it out, by the output's
suffix, as DOCX (every section, table and map, editable; :mod:`.blocks`), PDF (the same blocks
through Typst) or XLSX (one sheet per table, numbers typed, and a sheet naming the sources;
:mod:`.xlsx`).

Tables keep their numbers raw (rates as fractions, money in Rupiah): the XLSX writer stores
them as numbers with a number format, the DOCX writer shows them in the reader's convention
through :func:`sejahtera.i18n.format_number`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from sejahtera.errors import SejahteraError
from sejahtera.i18n import Language, text

Kind = Literal["text", "count", "rate", "decimal", "rupiah", "year", "rank"]
KINDS: tuple[Kind, ...] = ("text", "count", "rate", "decimal", "rupiah", "year", "rank")
SUFFIXES = (".docx", ".xlsx", ".pdf")


@dataclass(frozen=True)
class Table:
    """One table: its heading, short sheet name, column headers and the kind of each column."""

    key: str  # stable name of the table ("regency"), the same in every language
    title: str
    sheet: str
    headers: tuple[str, ...]
    kinds: tuple[Kind, ...]
    rows: list[tuple[object, ...]]
    note: str = ""

    def __post_init__(self) -> None:
        if len(self.headers) != len(self.kinds):
            raise ValueError(
                f"table {self.key}: {len(self.headers)} headers, {len(self.kinds)} kinds"
            )
        unknown = set(self.kinds) - set(KINDS)
        if unknown:
            raise ValueError(f"table {self.key}: unknown kinds {sorted(unknown)}")
        for row in self.rows:
            if len(row) != len(self.headers):
                raise ValueError(f"table {self.key}: a row of {len(row)} cells")


@dataclass(frozen=True)
class Figure:
    """An SVG drawn by :mod:`sejahtera.report.maps` or :mod:`~sejahtera.report.charts`."""

    svg: str
    caption: str


@dataclass
class Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    blocks: list[Table | Figure] = field(default_factory=list)
    level: int = 1


@dataclass
class PlanningDocument:
    """A document in ``language``: title, the legal basis as cited, sections, provenance."""

    kind: Literal["rpkd", "lp2kd"]
    language: Language
    title: str
    subtitle: str
    basis: list[str]
    sections: list[Section]
    provenance: list[tuple[str, str]]

    def tables(self) -> list[Table]:
        return [block for s in self.sections for block in s.blocks if isinstance(block, Table)]

    def figures(self) -> list[Figure]:
        return [block for s in self.sections for block in s.blocks if isinstance(block, Figure)]

    def write(self, out: Path) -> Path:
        """Write the document to ``out`` (``.docx`` or ``.xlsx``); the file appears whole or
        not at all, and an existing file is replaced only once the new one is complete."""
        writer = _writer(out)
        written_to(out, lambda path: writer(self, path))
        return out


def check_suffix(out: Path) -> str:
    """The output's suffix (``.docx`` or ``.xlsx``); any other is a :class:`SejahteraError`,
    said before anything is computed."""
    suffix = Path(out).suffix.lower()
    if suffix not in SUFFIXES:
        raise SejahteraError("planning.suffix", path=out, suffixes=", ".join(SUFFIXES))
    return suffix


def _writer(out: Path) -> Callable[[PlanningDocument, Path], None]:
    suffix = check_suffix(out)
    if suffix == ".xlsx":
        from sejahtera.report.planning.xlsx import write_xlsx

        return write_xlsx
    from sejahtera.report.planning.blocks import write_docx, write_pdf

    return write_docx if suffix == ".docx" else write_pdf


def written_to(out: Path, write: Callable[[Path], None]) -> None:
    """Call ``write`` on a temporary file beside ``out``, then move it to ``out``. A folder
    that cannot be written to is a :class:`SejahteraError` naming it."""
    folder = out.parent if str(out.parent) else Path(".")
    if out.is_dir():
        raise SejahteraError("planning.is_folder", path=out)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=folder)
        os.close(handle)
    except OSError as problem:
        raise SejahteraError(
            "planning.unwritable", path=out, detail=problem.strerror or problem
        ) from None
    partial = Path(name)
    try:
        write(partial)
        os.replace(partial, out)
    except OSError as problem:
        raise SejahteraError(
            "planning.unwritable", path=out, detail=problem.strerror or problem
        ) from None
    finally:
        partial.unlink(missing_ok=True)


def sheet_name(name: str, taken: Sequence[str] = ()) -> str:
    """A sheet name Excel accepts (31 characters, none of ``[]:*?/\\``), unique among ``taken``."""
    cleaned = "".join(" " if c in "[]:*?/\\" else c for c in name).strip() or "Sheet"
    shown = cleaned[:31]
    number = 2
    while shown.lower() in {t.lower() for t in taken}:
        tail = f" ({number})"
        shown = cleaned[: 31 - len(tail)] + tail
        number += 1
    return shown


def structure_note(language: Language) -> str:
    """What is and is not verified about the structure, said in the document itself."""
    return text("planning.structure_note", language)
