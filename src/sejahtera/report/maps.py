"""Choropleth maps of the shipped region boundaries, as inline SVG for the HTML reports.

    from sejahtera.report.maps import choropleth
    from sejahtera.report.svg import number_format

    svg = choropleth(
        {"34.01.01": 0.121, "34.01.02": 0.087, ...},  # Kemendagri codes → values
        "district",
        "34.01",  # every kecamatan of Kulon Progo; None: every kecamatan shipped
        title="Kemiskinan per kecamatan",
        legend_title="Persentase penduduk miskin",
        fmt=number_format(1, percent=True),
        flags={"34.01.05": "sedikit observasi"},
    )

Every area of the level inside the parent is drawn, with or without a value. Classes:

* ``breaks="quantile"`` (the default for ``sequential``): the edges are the 1/k, 2/k, …
  quantiles of the values, so each class holds about the same number of areas; edges that
  coincide (many equal values) merge, leaving fewer classes.
* ``breaks="equal"``: k classes of equal width from the lowest to the highest value.
* ``palette="diverging"`` is for differences from a reference (0 = the reference, e.g. the
  provincial average): k equal classes symmetric around 0, orange below and purple above. It
  always uses equal breaks.

Classes are closed above: a value on an edge belongs to the lower class. Palettes are
ColorBrewer's YlGnBu (sequential) and PuOr (diverging), both safe for colour-blind readers;
the darkest colour marks the highest class. Areas without a value (missing, ``None`` or NaN)
are hatched grey; flagged areas get a mark pattern per distinct flag label; both appear in the
legend. Codes in ``values`` or ``flags`` that are not areas of the map raise
:class:`~sejahtera.errors.SejahteraError` naming them: a value that would silently not show is
worse than an error.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np

from sejahtera.data.regions import LEVELS, Level, level_of, registry
from sejahtera.errors import SejahteraError
from sejahtera.i18n import Language, language, text
from sejahtera.report import svg
from sejahtera.report.boundaries import MAP_WIDTH, Layer, layer

Palette = Literal["sequential", "diverging"]
Breaks = Literal["quantile", "equal"]
MIN_CLASSES, MAX_CLASSES = 3, 7
LABELLED_AREAS = 12  # maps with at most this many areas print the names on the map

# ColorBrewer 2.0 (Cynthia Brewer, Penn State), colour-blind safe, by number of classes.
_COLOURS: dict[Palette, dict[int, tuple[str, ...]]] = {
    "sequential": {  # YlGnBu
        3: ("#edf8b1", "#7fcdbb", "#2c7fb8"),
        4: ("#ffffcc", "#a1dab4", "#41b6c4", "#225ea8"),
        5: ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"),
        6: ("#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494"),
        7: ("#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84"),
    },
    "diverging": {  # PuOr, orange (below the reference) to purple (above)
        3: ("#f1a340", "#f7f7f7", "#998ec3"),
        4: ("#e66101", "#fdb863", "#b2abd2", "#5e3c99"),
        5: ("#e66101", "#fdb863", "#f7f7f7", "#b2abd2", "#5e3c99"),
        6: ("#b35806", "#f1a340", "#fee0b6", "#d8daeb", "#998ec3", "#542788"),
        7: ("#b35806", "#f1a340", "#fee0b6", "#f7f7f7", "#d8daeb", "#998ec3", "#542788"),
    },
}


@dataclass(frozen=True)
class Classes:
    """Class edges (lowest to highest, one more than colours) and the colour of each class."""

    edges: tuple[float, ...]
    colours: tuple[str, ...]

    def of(self, value: float) -> int:
        """The class of ``value``: closed above, so a value on an edge joins the lower class."""
        return bisect_left(self.edges, value, 1, len(self.edges) - 1) - 1


def classify(values: list[float], classes: int, palette: Palette, breaks: Breaks) -> Classes:
    """Class edges and colours for ``values`` (finite numbers); see the module docstring."""
    if not values:
        return Classes((), ())
    if palette == "diverging":
        reach = max(abs(v) for v in values) or 1.0
        edges = np.linspace(-reach, reach, classes + 1)
    elif breaks == "quantile":
        count = min(classes, len(set(values)))  # no empty classes when values are few
        edges = np.unique(np.quantile(values, np.linspace(0, 1, count + 1)))
    else:
        edges = np.unique(np.linspace(min(values), max(values), classes + 1))
    if len(edges) == 1:  # every value the same: one class
        edges = np.repeat(edges, 2)
    return Classes(tuple(edges.tolist()), _colours(palette, len(edges) - 1))


def _colours(palette: Palette, count: int) -> tuple[str, ...]:
    if count >= MIN_CLASSES:
        return _COLOURS[palette][count]
    smallest = _COLOURS[palette][MIN_CLASSES]
    return (smallest[-1],) if count == 1 else (smallest[0], smallest[-1])


def choropleth(
    values: Mapping[str, float | None],
    level: Level | None = None,
    parent: str | None = None,
    *,
    title: str,
    legend_title: str,
    fmt: Callable[[float], str] | None = None,
    palette: Palette = "sequential",
    breaks: Breaks | None = None,
    classes: int = 5,
    flags: Mapping[str, str] | None = None,
    language_code: Language | None = None,
) -> str:
    """An SVG choropleth of ``level`` areas inside ``parent``, coloured by ``values``.

    ``level`` defaults to the level of the codes in ``values``; ``parent`` to everywhere the
    boundaries reach (kecamatan and desa: DI Yogyakarta). ``fmt`` formats values in tooltips
    and the legend (default: a plain number with enough decimals). ``flags`` maps codes to a
    short warning shown as a mark pattern, in the tooltip and in the legend.
    """
    chosen = language_code or language()
    breaks = _checked_options(palette, breaks, classes)
    level = level or _level_of_values(values)
    _check_parent(level, parent)
    drawn = layer(level, parent)
    flags = dict(flags or {})
    _check_codes(drawn, [*values, *flags], level, parent)
    numbers = _numbers(values)
    scheme = classify(list(numbers.values()), classes, palette, breaks)
    show = fmt or svg.automatic_format(numbers.values(), classes, chosen)
    labels = list(dict.fromkeys(flags.values()))
    if len(labels) > svg.MARK_COUNT:
        raise ValueError(f"at most {svg.MARK_COUNT} distinct flag labels, got {labels}")
    prefix = svg.figure_id(title, level, parent, sorted(numbers.items()), sorted(flags.items()))

    areas, overlays = [], []
    for shape in drawn.shapes:
        value = numbers.get(shape.code)
        name = registry().name(shape.code)
        tip = f"{name}: {show(value) if value is not None else text('maps.no_data', chosen)}"
        if shape.code in flags:
            tip += f" ({flags[shape.code]})"
            mark = labels.index(flags[shape.code])
            overlays.append(f'<path fill="url(#{prefix}-flag{mark})" d="{shape.path}"/>')
        if value is None:
            fill, kind = f"url(#{prefix}-nodata)", "none"
        else:
            kind = str(scheme.of(value))
            fill = scheme.colours[int(kind)]
        extra = "" if value is None else f' data-value="{value!r}"'
        extra += ' stroke="none"' if shape.composite else ""
        areas.append(
            f'<path data-code="{shape.code}" data-class="{kind}"{extra} fill="{fill}"'
            f' d="{shape.path}"><title>{svg.escape(tip)}</title></path>'
        )

    entries = [
        svg.LegendEntry((colour,), f"{show(low)} – {show(high)}")
        for colour, low, high in zip(
            scheme.colours, scheme.edges[:-1], scheme.edges[1:], strict=True
        )
    ]
    if len(numbers) < len(drawn.shapes):
        entries.append(svg.LegendEntry((f"url(#{prefix}-nodata)",), text("maps.no_data", chosen)))
    entries += [
        svg.LegendEntry(("#ffffff", f"url(#{prefix}-flag{i})"), label)
        for i, label in enumerate(labels)
    ]
    note = text(f"maps.breaks_{'diverging' if palette == 'diverging' else breaks}", chosen)
    return _compose(drawn, prefix, areas, overlays, entries, legend_title, note, title, len(labels))


def _compose(
    drawn: Layer,
    prefix: str,
    areas: list[str],
    overlays: list[str],
    entries: list[svg.LegendEntry],
    legend_title: str,
    note: str,
    title: str,
    marks: int,
) -> str:
    """Title, map, names (small maps), legend, stacked from the top."""
    width = MAP_WIDTH
    top = svg.TITLE_ROOM
    legend, legend_height = svg.legend(entries, legend_title, note, width)
    left = (width - drawn.width) / 2
    body = (
        svg.patterns(prefix, marks)
        + f'<g transform="translate({left:.1f} {top:g})" stroke="#b0b0b0" stroke-width=".5"'
        f' stroke-linejoin="round" fill-rule="evenodd">{"".join(areas)}</g>'
        + f'<g transform="translate({left:.1f} {top:g})" stroke="none" fill-rule="evenodd"'
        f' pointer-events="none">{"".join(overlays)}</g>'
        + _names(drawn, left, top)
        + f'<g transform="translate(0 {top + drawn.height + 16:.1f})">{legend}</g>'
    )
    height = top + drawn.height + 16 + legend_height
    return svg.document(title, width, math.ceil(height), body, "sejahtera-map")


def _names(drawn: Layer, left: float, top: float) -> str:
    """Area names at their centroids, on maps few enough areas to leave room for them."""
    if len(drawn.shapes) > LABELLED_AREAS:
        return ""
    labels = []
    for shape in drawn.shapes:
        region = registry().get(shape.code)
        if region.lon is None or region.lat is None:
            continue
        x, y = drawn.project(region.lon, region.lat)
        name = region.name.removeprefix("Kabupaten ")
        labels.append(
            f'<text x="{x + left:.1f}" y="{y + top:.1f}" text-anchor="middle">'
            f"{svg.escape(name)}</text>"
        )
    return (
        '<g font-size="11" stroke="#ffffff" stroke-width="3" paint-order="stroke"'
        f' stroke-linejoin="round" pointer-events="none">{"".join(labels)}</g>'
    )


def _checked_options(palette: str, breaks: str | None, classes: int) -> Breaks:
    if palette not in get_args(Palette):
        raise ValueError(f"palette must be one of {get_args(Palette)}, not {palette!r}")
    if breaks is not None and breaks not in get_args(Breaks):
        raise ValueError(f"breaks must be one of {get_args(Breaks)}, not {breaks!r}")
    if palette == "diverging" and breaks == "quantile":
        raise ValueError("a diverging palette uses equal classes around 0; leave breaks unset")
    if not MIN_CLASSES <= classes <= MAX_CLASSES:
        raise ValueError(f"classes must lie between {MIN_CLASSES} and {MAX_CLASSES}, not {classes}")
    return breaks or ("equal" if palette == "diverging" else "quantile")


def _level_of_values(values: Mapping[str, object]) -> Level:
    levels = {level_of(code) for code in values} - {None}
    if len(levels) != 1:
        raise SejahteraError("maps.level_unclear", levels=", ".join(sorted(map(str, levels))))
    return levels.pop()  # type: ignore[return-value]


def _check_parent(level: Level, parent: str | None) -> None:
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    if parent is None:
        return
    parent_level = level_of(parent)
    if parent not in registry() or parent_level is None:
        raise SejahteraError("maps.unknown_parent", parent=parent)
    if LEVELS.index(parent_level) > LEVELS.index(level):
        raise SejahteraError("maps.parent_below", parent=parent, level=_level_name(level))


def _check_codes(drawn: Layer, codes: list[str], level: Level, parent: str | None) -> None:
    on_map = {shape.code for shape in drawn.shapes}
    outside = sorted({code for code in codes if code not in on_map})
    if outside:
        shown = ", ".join(outside[:10]) + (f" (+{len(outside) - 10})" if len(outside) > 10 else "")
        raise SejahteraError(
            "maps.codes_outside", codes=shown, level=_level_name(level), parent=parent or "ID"
        )


def _level_name(level: Level) -> str:
    return text(f"maps.level_{level}")


def _numbers(values: Mapping[str, float | None]) -> dict[str, float]:
    """The values that are numbers; ``None`` and NaN count as missing, infinity is an error."""
    numbers = {}
    for code, value in values.items():
        if value is None or value != value:
            continue
        if not math.isfinite(value):
            raise SejahteraError("maps.not_finite", code=code, value=value)
        numbers[code] = float(value)
    return numbers
