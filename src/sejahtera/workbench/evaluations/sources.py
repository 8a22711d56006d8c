"""What an evaluation runs on, and the columns its form lists.

A *source* is one of two things, chosen in one list on the page:

- ``dataset:<id>``: a registered dataset version. ``sejahtera evaluate`` reads a dataset folder
  as its evaluation panel when it has one (``synth --panel``), its households otherwise (with
  what their members tell: size, children, the head's sex…); so do the page and the API, by
  handing the estimators the version's folder;
- ``table:<id>``: a table file uploaded on the page (CSV, Excel, Parquet, Stata, SPSS), kept
  as an :class:`~.models.EvaluationInput` and handed to the estimators as the file it is.

The columns are read from the file's head (a dataset's Parquet schema, a table's first rows),
never from the whole file, so the form opens at once; each is a number, a yes/no flag or text,
and each field lists the columns of the kinds it can take.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from sejahtera.data.dataset import Dataset as DataFolder
from sejahtera.data.frame import DERIVED
from sejahtera.data.readers import SUFFIXES, read_table
from sejahtera.evaluate.robustness import numbers_as_numbers
from sejahtera.workbench.datasets.models import DatasetVersion
from sejahtera.workbench.datasets.services import folder_of
from sejahtera.workbench.datasets.uploads import is_workbook
from sejahtera.workbench.evaluations.models import Evaluation, EvaluationInput

Kind = Literal["number", "flag", "text"]
PREVIEW_ROWS: Final = 1000  # the rows a table's column kinds are judged on
# What household_frame adds to a dataset's households (data/frame.py), by kind.
DERIVED_KINDS: Final[dict[str, Kind]] = {
    "size": "number",
    "children": "number",
    "elderly": "number",
    "has_disability": "flag",
    "female_head": "flag",
    "head_employed": "flag",
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind


@dataclass(frozen=True)
class Source:
    """A table to evaluate: its key in the form (``dataset:3``), its label, its columns."""

    key: str
    label: str
    columns: tuple[Column, ...]
    dataset: DatasetVersion | None = None
    table: EvaluationInput | None = None


def folder() -> Path:
    """Where uploaded tables are kept: ``evaluations/`` in the data folder."""
    return Path(settings.DATA_FOLDER) / "evaluations"


def path_of(source: Source | Evaluation) -> Path:
    """DATA as ``sejahtera evaluate`` takes it: the version's folder, or the table's file."""
    if source.dataset is not None:
        return folder_of(source.dataset)
    assert source.table is not None
    return folder() / source.table.stored


def choices() -> list[tuple[str, str]]:
    """Every source the form offers: the dataset versions, then the uploaded tables."""
    versions = DatasetVersion.objects.select_related("dataset").order_by("dataset__name", "-number")
    found = [(f"dataset:{v.pk}", str(v)) for v in versions]
    return found + [(f"table:{t.pk}", t.name) for t in EvaluationInput.objects.all()]


def source(key: str) -> Source | None:
    """The source ``key`` names (None for a key that names nothing)."""
    kind, _, number = key.partition(":")
    if not number.isdigit():
        return None
    if kind == "dataset":
        version = DatasetVersion.objects.select_related("dataset").filter(pk=number).first()
        if version is None:
            return None
        return Source(key, str(version), version_columns(version), dataset=version)
    if kind == "table":
        table = EvaluationInput.objects.filter(pk=number).first()
        if table is None:
            return None
        columns = tuple(Column(c["name"], c["kind"]) for c in table.columns)
        return Source(key, table.name, columns, table=table)
    return None


def version_columns(version: DatasetVersion) -> tuple[Column, ...]:
    """The columns ``sejahtera evaluate`` sees in a dataset version: its panel's, or its
    households' with what the members tell (from the Parquet schemas only)."""
    data = DataFolder.open(folder_of(version), verify=False)
    if "panel" in data.extras():
        return _schema_columns(data.extra_files("panel")[0])
    found = list(_schema_columns(data.part_files()[0][0]))
    known = {c.name for c in found}
    found += [Column(n, DERIVED_KINDS.get(n, "text")) for n in DERIVED if n not in known]
    return tuple(found)


def _schema_columns(path: Path) -> tuple[Column, ...]:
    schema = pq.read_schema(path)
    return tuple(Column(field.name, _arrow_kind(field.type)) for field in schema)


def _arrow_kind(kind: pa.DataType) -> Kind:
    if pa.types.is_boolean(kind):
        return "flag"
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return "number"
    return "text"


def table_columns(path: Path) -> tuple[Column, ...]:
    """A table file's columns, judged on its first rows as the estimators will read it (text
    that is all numbers, ``1.234,5`` included, is a number; 0/1 and true/false columns are
    flags). Raises the readers' SejahteraError for a file they cannot read."""
    preview = read_table(path, rows=PREVIEW_ROWS)
    frame = numbers_as_numbers(preview.frame, preview.decimal)
    found = []
    for name in frame.columns:
        values = frame[name]
        if values.dtype == bool or str(values.dtype) == "boolean":
            kind: Kind = "flag"
        elif values.dtype.kind in "iuf":
            kind = "flag" if set(values.dropna().unique()) <= {0, 1} else "number"
        else:
            kind = "text"
        found.append(Column(str(name), kind))
    return tuple(found)


def suffix_of(name: str) -> str | None:
    """The file's suffix if the readers know it (``.csv``, ``.xlsx``…), else None."""
    suffix = Path(name).suffix.lower()
    return suffix if suffix in SUFFIXES and SUFFIXES[suffix] != "r" else None


class TableRefused(Exception):
    """A file that reads but cannot be evaluated; its message (translated) says why."""


def keep(
    received: UploadedFile,
    owner: object,
    audited: Callable[[EvaluationInput], object] | None = None,
) -> EvaluationInput:
    """Store ``received`` under a new name, read its columns and record it; a file the readers
    cannot read raises their SejahteraError, one with a single column :class:`TableRefused`,
    and either leaves nothing behind. ``audited(table)`` writes the audit event in the same
    transaction: if it fails, nothing is kept either."""
    suffix = suffix_of(received.name or "")
    assert suffix is not None  # the form checked it
    stored = f"{secrets.token_hex(16)}{suffix}"
    target = folder() / stored
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    try:
        with target.open("xb") as handle:
            for chunk in received.chunks():
                digest.update(chunk)
                handle.write(chunk)
        if SUFFIXES[suffix] == "excel" and not is_workbook(target):
            raise TableRefused(
                _("“%(name)s” is not an Excel workbook the workbench reads: it is not one, or "
                  "it unpacks to far more than its size.") % {"name": received.name}
            )  # fmt: skip  # a zip bomb is refused before a reader unpacks it
        columns = table_columns(target)
        if len(columns) < 2:
            shown = {"name": received.name, "column": columns[0].name if columns else "–"}
            raise TableRefused(
                _("“%(name)s” has one column only (%(column)s): a table to evaluate needs at "
                  "least an outcome and a treatment. Are its columns separated by commas or "
                  "semicolons?") % shown
            )  # fmt: skip
        with transaction.atomic():
            table = EvaluationInput.objects.create(
                name=Path(received.name or stored).name[:200],
                stored=stored,
                size=target.stat().st_size,
                checksum=digest.hexdigest(),
                columns=[{"name": c.name, "kind": c.kind} for c in columns],
                uploaded_by=owner,
            )
            if audited is not None:
                audited(table)
            return table
    except BaseException:
        target.unlink(missing_ok=True)
        raise
