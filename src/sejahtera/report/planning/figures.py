"""The maps of the planning documents: the needs profile's choropleths (report/maps.py), with
a value per area in the reader's number format. Kecamatan and desa boundaries ship for DI
Yogyakarta only; elsewhere the document says so instead of drawing."""

from __future__ import annotations

import pandas as pd

from sejahtera.data.regions import common_parent, level_of
from sejahtera.errors import SejahteraError
from sejahtera.i18n import Language, format_number
from sejahtera.report.charts import bar_chart
from sejahtera.report.maps import choropleth
from sejahtera.report.planning.document import Figure, Kind

DECIMALS: dict[Kind, tuple[int, bool]] = {
    "rate": (1, True),
    "count": (0, False),
    "rupiah": (0, False),
    "decimal": (3, False),
}


def area_map(
    frame: pd.DataFrame, column: str, title: str, legend: str, kind: Kind, lang: Language
) -> Figure | None:
    """A choropleth of ``column`` by the areas of ``frame`` (its ``code`` column), or ``None``
    when no boundaries ship for those areas."""
    values = {
        str(code): (None if pd.isna(value) else float(value))
        for code, value in zip(frame["code"], frame[column], strict=True)
    }
    level = level_of(next(iter(values), ""))
    if level is None:
        return None
    decimals, percent = DECIMALS[kind]

    def shown(value: float) -> str:
        return format_number(value, lang, decimals, percent=percent)

    try:
        svg = choropleth(
            values,
            level,
            common_parent(list(values)),
            title=title,
            legend_title=legend,
            fmt=shown,
            language_code=lang,
        )
    except SejahteraError:
        return None
    return Figure(svg, title)


def rate_bars(
    labels: list[str],
    values: list[float],
    title: str,
    lang: Language,
    reference: float | None = None,
    reference_label: str = "",
) -> Figure:
    """A horizontal bar per label of a rate (a fraction shown as a percentage)."""

    def shown(value: float) -> str:
        return format_number(value, lang, 1, percent=True)

    svg = bar_chart(
        labels,
        values,
        title=title,
        fmt=shown,
        reference=reference,
        reference_label=reference_label,
        language_code=lang,
    )
    return Figure(svg, title)
