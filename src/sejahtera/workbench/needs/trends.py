"""Trends and benchmarks: a kabupaten's published BPS series against its province, Indonesia
and its neighbours (:func:`sejahtera.data.benchmarks.benchmarks`), each value with its source.

The published series hold P0, P1, P2 and the Gini ratio; for an indicator they do not hold
(multidimensional poverty, poor people reached by no programme) the trend shows P0 and says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

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
    table = benchmarks(area, [published])  # type: ignore[list-item]
    return Trend(area, CORE_NAME[published], table, indicator not in PUBLISHED)


def period_x(period: str) -> float:
    """``2024-03`` → 2024.17, ``2024`` (a yearly kabupaten figure, measured in March) the same."""
    year, _, month = period.partition("-")
    return int(year) + (int(month or 3) - 1) / 12


def chart(shown: Trend) -> str:
    """An SVG line chart: one line per area, the chosen area first and strongest."""
    lang = core_language()
    series, neighbour = [], 0
    for (role, code), rows in shown.table.groupby(["role", "area_code"], sort=False):
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
                name_of(code),
                points,
                style="line" if len(points) > 1 else "points",
                dashed=role in ("national", "neighbour_province"),
                colour=colour,
            )
        )
    if not series:
        return ""
    fraction = shown.indicator != "gini"
    return xy_chart(
        series,
        title=_("%(indicator)s: %(area)s and its comparators")
        % {"indicator": label(shown.indicator), "area": name_of(shown.area)},
        x_label=_("Year (BPS release)"),
        y_label=label(shown.indicator),
        x_format=lambda x: str(int(x)),
        y_format=number_format(1 if fraction else 3, percent=fraction, language_code=lang),
        language_code=lang,
    )


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
