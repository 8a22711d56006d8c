"""Regional values of a parameter: one figure per kabupaten (or desa) where the national one would
be wrong for it, such as each kabupaten's Dana Desa per desa or a quota per kabupaten.

A ruleset may hold ``regional/<parameter path>.csv``::

    region_code,start,value,reference,reference_en
    34.01,2025-01-01,1119540230,"PMK 108/2024: Rp97,40 miliar (dibulatkan)","… billion (rounded)"

``reference`` is in Indonesian; the optional ``reference_en`` column gives it in English. Without
it (or left blank on a row) the one reference serves both languages, as a bare citation does. The
reference is read as every text of a ruleset is (:func:`~sejahtera.rules.parameters.bilingual`).

An area takes the value of its own code, else of the nearest enclosing region listed (a desa
takes its kecamatan's, then its kabupaten's, then its province's), else the parameter's own
value. The value in force on a day is the latest row whose ``start`` is on or before it. A reform
that changes the parameter sets it for every region: its regional rows no longer apply.
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sejahtera.rules.parameters import Parameter, RulesFileError, Text, bilingual

if TYPE_CHECKING:
    from sejahtera.rules.ruleset import Ruleset

FOLDER = "regional"
MAX_BYTES = 10_000_000  # one regional file: a row per desa of a province is far less
COLUMNS = ("region_code", "start", "value", "reference")
ENGLISH = "reference_en"  # optional, after the others: the reference in English


@dataclass(frozen=True)
class RegionalValue:
    region: str
    start: datetime.date
    value: float
    reference: Text  # in Indonesian and English
    file: str
    line: int


def read_regional(folder: Path, parameters: object) -> dict[str, tuple[RegionalValue, ...]]:
    """Every ``regional/*.csv`` of a ruleset, checked: the parameter exists and each row has a
    region code, a date and a number."""
    found: dict[str, tuple[RegionalValue, ...]] = {}
    for path in sorted((folder / FOLDER).glob("*.csv")):
        shown = f"{FOLDER}/{path.name}"
        name = path.stem
        if not isinstance(parameters.get(tuple(name.split("."))), Parameter):  # type: ignore[attr-defined]
            raise RulesFileError("rules.regional_unknown", file=shown, line=1, name=name)
        try:  # a file too large, not UTF-8 or with a field beyond the csv module's limit
            if path.stat().st_size > MAX_BYTES:
                raise RulesFileError(
                    "rules.regional_too_large", file=shown, line=None, limit=MAX_BYTES
                )
            reader = csv.DictReader(io.StringIO(path.read_text("utf-8")))
            records = list(reader)
        except (UnicodeDecodeError, csv.Error) as exc:
            raise RulesFileError("yamlfile.unreadable", file=shown, line=None, detail=exc) from None
        if tuple(reader.fieldnames or ()) not in (COLUMNS, (*COLUMNS, ENGLISH)):
            raise RulesFileError(
                "rules.regional_columns",
                file=shown,
                line=1,
                columns=", ".join(COLUMNS),
                optional=ENGLISH,
            )
        rows = []
        for number, row in enumerate(records, start=2):
            try:
                start = datetime.date.fromisoformat(row["start"].strip())
                value = float(row["value"])
            except (TypeError, ValueError, AttributeError):  # AttributeError: a short row
                raise RulesFileError(
                    "rules.regional_row", file=shown, line=number, row=dict(row)
                ) from None
            region = row["region_code"].strip()
            if not region or not all(part.isdigit() for part in region.split(".")):
                raise RulesFileError("rules.regional_row", file=shown, line=number, row=dict(row))
            reference = _reference(row, shown, number)
            rows.append(RegionalValue(region, start, value, reference, shown, number))
        found[name] = tuple(sorted(rows, key=lambda r: (r.region, r.start)))
    return found


def _reference(row: dict[str, str | None], file: str, line: int) -> Text:
    """A row's reference: ``reference`` in Indonesian, ``reference_en`` in English if given."""
    indonesian, english = row["reference"] or "", row.get(ENGLISH) or ""
    return bilingual(
        {"id": indonesian, "en": english} if english.strip() else indonesian, file, line
    )


def regional_values(
    ruleset: Ruleset, path: str, codes: np.ndarray, day: datetime.date
) -> np.ndarray:
    """The value of parameter ``path`` on ``day`` for each area code in ``codes``."""
    national = float(ruleset.parameters.at(tuple(path.split(".")), day))  # type: ignore[arg-type]
    rows = ruleset.regional.get(path, ())
    in_force: dict[str, float] = {}
    for row in rows:  # sorted by region, then start: the last one on or before day wins
        if row.start <= day:
            in_force[row.region] = row.value
    distinct, inverse = np.unique(np.asarray(codes, dtype=str), return_inverse=True)
    values = np.array([_nearest(str(code), in_force, national) for code in distinct])
    return values[inverse] if len(distinct) else np.array([], dtype=np.float64)


def _nearest(code: str, in_force: dict[str, float], national: float) -> float:
    parts = code.split(".")
    for length in range(len(parts), 0, -1):
        found = in_force.get(".".join(parts[:length]))
        if found is not None:
            return found
    return national
