"""Trends and benchmarks: a kabupaten's published BPS series against its province, Indonesia
and its neighbours (:func:`sejahtera.data.benchmarks.benchmarks`), each value with its source.

The published series hold P0, P1, P2 and the Gini ratio; for an indicator they do not hold
(multidimensional poverty, poor people reached by no programme) the trend shows P0 and says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd
from django.utils.translation import gettext as _

from sejahtera.data.benchmarks import benchmarks
from sejahtera.data.regions import parent_code, registry
from sejahtera.report.svg import number_format
from sejahtera.report.xy import Series, xy_chart
from sejahtera.workbench.needs.labels import core_language, label

PUBLISHED = {"fgt0": "p0", "fgt1": "p1", "fgt2": "p2", "gini": "gini"}
CORE_NAME = {published: ours for ours, published in PUBLISHED.items()}
COLOURS = {"area": "#08519c", "province": "#b35806", "national": "#333333"}
NEIGHBOUR_COLOURS = ("#1b9e77", "#7570b3", "#d95f02", "#e7298a", "#66a61e", "#a6761d")


@dataclass(frozen=True)
class Trend:
    """The series of one area and its comparators, and what they show."""

    area: str  # a kabupaten code
    indicator: str  # the core's name (fgt0, gini, …) of the published series shown
    table: pd.DataFrame  # data.benchmarks' columns: role, area_code, area_name, …, source, url
    substituted: bool  # the chosen indicator has no published series: P0 is shown instead


def areas_of(codes: Iterable[str]) -> list[str]:
    """The kabupaten of some area codes (any level below the province), in code order."""
    return sorted({parent_code(code, "regency") for code in codes if code.count(".") >= 1})


def trend(area: str, indicator: str) -> Trend:
    published = PUBLISHED.get(indicator, "p0")
    table = _series(area, published).copy()
    return Trend(area, CORE_NAME[published], table, indicator not in PUBLISHED)


@lru_cache(maxsize=256)
def _series(area: str, published: str) -> pd.DataFrame:
    """The shipped series and boundaries never change while the workbench runs, and finding
    an area's neighbours takes a good part of a second: once per area and indicator."""
    return benchmarks(area, [published])  # type: ignore[list-item]


def period_x(period: str) -> float:
    """``2024-03`` → 2024.17, ``2024`` (a yearly kabupaten figure, measured in March) the same."""
    year, _, month = period.partition("-")
    return int(year) + (int(month or 3) - 1) / 12


AROUND = ("area", "province", "neighbour_province", "national")
BESIDE = ("area", "neighbour")


def chart(shown: Trend, roles: tuple[str, ...] = AROUND) -> str:
    """An SVG line chart of the areas in ``roles``, the chosen area first and strongest:
    :data:`AROUND` (its province, the neighbouring provinces, Indonesia) or :data:`BESIDE`
    (the kabupaten sharing its border). Empty when only the area itself has a series."""
    lang = core_language()
    series, neighbour = [], 0
    table = shown.table[shown.table["role"].isin(roles)]
    for (role, code), rows in table.groupby(["role", "area_code"], sort=False):
        points = sorted(
            (period_x(p), v) for p, v in zip(rows["period"], rows["value"], strict=True)
        )
        if role in COLOURS:
            colour = COLOURS[role]
        else:
            colour = NEIGHBOUR_COLOURS[neighbour % len(NEIGHBOUR_COLOURS)]
            neighbour += 1
        series.append(
            Series(
                short_name(code),
                points,
                style="line" if len(points) > 1 else "points",
                dashed=role in ("national", "neighbour_province"),
                colour=colour,
            )
        )
    if len(series) < 2:
        return ""
    fraction = shown.indicator != "gini"
    title = (
        _("%(area)s, its province and Indonesia")
        if roles == AROUND
        else _("%(area)s and the kabupaten beside it")
    )
    return xy_chart(
        series,
        title=title % {"area": short_name(shown.area)},
        x_label=_("Year (BPS release)"),
        y_label=label(shown.indicator),
        x_format=_year,
        y_format=number_format(1 if fraction else 3, percent=fraction, language_code=lang),
        language_code=lang,
    )


def _year(x: float) -> str:
    """A tick of the year axis: ``2020``; a tick between two years has no label."""
    return str(round(x)) if abs(x - round(x)) < 1e-6 else ""


def short_name(code: str) -> str:
    """A legend's name: ``Kulon Progo`` for Kabupaten Kulon Progo (a city keeps ``Kota``)."""
    return name_of(code).removeprefix("Kabupaten ")


def name_of(code: str) -> str:
    if code == "ID":
        return "Indonesia"
    names = registry()
    return names.name(code) if code in names else code


def role_label(role: str) -> str:
    return {
        "area": _("Chosen kabupaten"),
        "province": _("Province"),
        "national": _("Indonesia"),
        "neighbour": _("Neighbour"),
        "neighbour_province": _("Neighbouring province"),
    }[role]
