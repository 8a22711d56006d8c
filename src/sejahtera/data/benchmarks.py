"""Published BPS poverty series for trends and benchmarks: an area against its comparators.

The series ship in ``resources/facts/bps-series.csv``, one value a row, each with its source:

=========== ==============================================================================
column      meaning
=========== ==============================================================================
area_code   a dotted Kemendagri code of ``regions.csv`` (``34``, ``34.03``), or ``ID`` for
            Indonesia
area_name   the name of that code in ``regions.csv`` (``Indonesia`` for ``ID``)
indicator   one of :data:`INDICATORS`
period      ``2024-03`` (a March or September Susenas round, province and Indonesia) or
            ``2024`` (the yearly kabupaten/kota figure, measured in March)
value       rates as fractions (p0, p1, p2 and gini in 0..1: BPS's P1 of 1.79 is 0.0179);
            poverty_line in Rupiah per capita per month; poor_count in persons
basis       ``published`` (copied as published) or ``derived`` (arithmetic on published
            figures, stated in the source)
source      publication, table, publisher and date; a release seen only through a press report
            says so
url         where it was read, when known
=========== ==============================================================================

:func:`read_series` checks the file and raises a :class:`SejahteraError` naming the file, the
row (data rows count from 1, the first after the header) and the column of the first problem.
:func:`benchmarks` returns the rows of an area and of its comparators as one tidy table.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

import pandas as pd

from sejahtera.data.borders import neighbours
from sejahtera.data.regions import level_of, parent_code, registry
from sejahtera.errors import SejahteraError
from sejahtera.i18n import text

Indicator = Literal["p0", "poor_count", "poverty_line", "gini", "p1", "p2"]
INDICATORS: tuple[Indicator, ...] = ("p0", "poor_count", "poverty_line", "gini", "p1", "p2")
FRACTIONS = frozenset({"p0", "p1", "p2", "gini"})
BASES = ("published", "derived")
NATIONAL = "ID"
NATIONAL_NAME = "Indonesia"
COLUMNS = ("area_code", "area_name", "indicator", "period", "value", "basis", "source", "url")
Role = Literal["area", "province", "national", "neighbour", "neighbour_province"]
ROLES: tuple[Role, ...] = ("area", "province", "national", "neighbour", "neighbour_province")

SHIPPED = "resources/facts/bps-series.csv"
_PERIOD = re.compile(r"^(19|20)\d\d(-(0[1-9]|1[0-2]))?$")


class _Bad(Exception):
    """One problem in one cell, given its place by :func:`read_series`."""

    def __init__(self, column: str, value: str, rule: str, **detail: object) -> None:
        super().__init__(rule)
        self.column, self.value, self.rule, self.detail = column, value, rule, detail


def read_series(path: str | Path | None = None) -> pd.DataFrame:
    """The series file (the shipped one when ``path`` is ``None``), checked, one row a value.

    Columns as :data:`COLUMNS`; ``value`` is a float, the others strings (``url`` may be
    empty). Raises :class:`SejahteraError` at the first problem, naming file, row and column.
    """
    if path is None:
        return _shipped().copy()
    return _read(Path(path).read_text("utf-8"), str(path))


@cache
def _shipped() -> pd.DataFrame:
    raw = resources.files("sejahtera").joinpath(SHIPPED).read_text("utf-8")
    return _read(raw, SHIPPED)


def _read(raw: str, shown: str) -> pd.DataFrame:
    reader = csv.DictReader(raw.splitlines())
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise SejahteraError("benchmarks.missing_columns", file=shown, columns=", ".join(missing))
    rows: list[dict[str, object]] = []
    seen: dict[tuple[str, str, str], int] = {}
    for number, row in enumerate(reader, start=1):
        try:
            checked = _row(row)
            key = (checked["area_code"], checked["indicator"], checked["period"])
            if key in seen:
                raise _Bad("period", str(key[2]), "repeated", first=seen[key])
        except _Bad as bad:
            rule = text(f"benchmarks.rule_{bad.rule}", **bad.detail)
            raise SejahteraError(
                "benchmarks.invalid",
                file=shown,
                row=number,
                column=bad.column,
                value=bad.value,
                rule=rule,
            ) from None
        seen[key] = number
        rows.append(checked)
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    return table.astype({"value": float})


def _row(row: dict[str, str | None]) -> dict[str, object]:
    cell = {column: (row.get(column) or "").strip() for column in COLUMNS}
    code, indicator = cell["area_code"], cell["indicator"]
    if code != NATIONAL and (level_of(code) is None or code not in registry()):
        raise _Bad("area_code", code, "unknown_area")
    expected = NATIONAL_NAME if code == NATIONAL else registry().name(code)
    if cell["area_name"] != expected:
        raise _Bad("area_name", cell["area_name"], "name", expected=expected)
    if indicator not in INDICATORS:
        raise _Bad("indicator", indicator, "indicator", allowed=", ".join(INDICATORS))
    if not _PERIOD.match(cell["period"]):
        raise _Bad("period", cell["period"], "period")
    value = _number(cell["value"])
    if indicator in FRACTIONS and not 0 <= value <= 1:
        raise _Bad("value", cell["value"], "fraction")
    if indicator == "poor_count" and (value <= 0 or not value.is_integer()):
        raise _Bad("value", cell["value"], "count")
    if indicator == "poverty_line" and value <= 0:
        raise _Bad("value", cell["value"], "money")
    if cell["basis"] not in BASES:
        raise _Bad("basis", cell["basis"], "basis", allowed=", ".join(BASES))
    if not cell["source"]:
        raise _Bad("source", "", "source")
    if cell["url"] and not cell["url"].startswith(("https://", "http://")):
        raise _Bad("url", cell["url"], "url")
    return cell | {"value": value}


def _number(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise _Bad("value", raw, "number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise _Bad("value", raw, "number")
    return value


def comparators(code: str) -> dict[str, Role]:
    """The areas an area is compared with, by code: its province and Indonesia, the areas
    sharing a border with it (:func:`sejahtera.data.borders.neighbours`), and the provinces of
    those neighbours that lie in another province."""
    if code == NATIONAL:
        return {}
    if code not in registry():
        raise SejahteraError("benchmarks.unknown_area", code=code)
    roles: dict[str, Role] = {}
    level = level_of(code)
    province = parent_code(code, "province")
    if level != "province":
        roles[province] = "province"
    roles[NATIONAL] = "national"
    for border in neighbours(code):
        roles[border.code] = "neighbour"
        other = parent_code(border.code, "province")
        if level != "province" and other != province:
            roles.setdefault(other, "neighbour_province")
    return roles


def benchmarks(
    code: str,
    indicators: Iterable[Indicator] | None = None,
    *,
    path: str | Path | None = None,
) -> pd.DataFrame:
    """The series of ``code`` and of its :func:`comparators`, as one tidy table.

    Columns: ``role`` (one of :data:`ROLES`) then :data:`COLUMNS`; sorted by role, area,
    indicator and period. An area or comparator without series simply has no rows.
    """
    wanted = tuple(indicators) if indicators is not None else INDICATORS
    unknown = [i for i in wanted if i not in INDICATORS]
    if unknown:
        raise SejahteraError(
            "benchmarks.unknown_indicator",
            indicators=", ".join(map(str, unknown)),
            allowed=", ".join(INDICATORS),
        )
    roles: dict[str, Role] = {code: "area", **comparators(code)}
    series = read_series(path)
    table = series[series["area_code"].isin(roles) & series["indicator"].isin(wanted)].copy()
    table.insert(0, "role", table["area_code"].map(roles))
    order = {role: i for i, role in enumerate(ROLES)}
    table["_order"] = table["role"].map(order)
    table = table.sort_values(["_order", "area_code", "indicator", "period"], kind="stable")
    return table.drop(columns="_order").reset_index(drop=True)
