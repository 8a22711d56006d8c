"""A chart of x against y, as inline SVG: lines, points with intervals, shaded bands and
reference lines. The evaluation report draws parallel trends, event studies, RD plots and
propensity-score overlap with it.

    from sejahtera.report.xy import Series, xy_chart

    svg = xy_chart(
        [Series("Penerima", [(0, 1.2), (1, 1.5)]), Series("Pembanding", [(0, 1.1), (1, 1.2)])],
        title="Tren paralel", x_label="Gelombang", y_label="Pengeluaran per kapita",
        vertical=0.5,
    )
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from sejahtera.i18n import Language, language
from sejahtera.report import svg

WIDTH = 720.0
HEIGHT = 380.0
MARGIN_LEFT = 100.0
MARGIN_RIGHT = 24.0
MARGIN_BOTTOM = 54.0
PALETTE = ("#2c7fb8", "#d95f02", "#1b9e77", "#7570b3", "#e7298a")
GRID_COLOUR = "#e2e2e2"
REFERENCE_COLOUR = "#777777"
SMALL_WHOLE_RANGE = 12  # whole-number axes up to this long get a tick at every whole number


@dataclass(frozen=True)
class Series:
    """One thing drawn: ``points`` joined by a line (``line``) or as dots (``points``), with an
    interval per point (``intervals``: (low, high)) or a shaded band."""

    label: str
    points: Sequence[tuple[float, float]]
    style: str = "line"  # line, points, steps (a histogram's outline)
    intervals: Sequence[tuple[float, float]] | None = None
    band: bool = False  # draw the intervals as a shaded band instead of error bars
    dashed: bool = False
    colour: str | None = None
    extra: dict[str, object] = field(default_factory=dict)


def _ticks(low: float, high: float, count: int = 5, *, whole: bool = False) -> list[float]:
    """Round ticks from below ``low`` to above ``high``, about ``count`` steps apart; with
    ``whole`` (periods, waves, years) every tick is a whole number and a short range gets each
    whole number once (0 and 1, never 0, 0.2, … shown as "0 0 0 1 1 1")."""
    if not math.isfinite(low) or not math.isfinite(high):
        return [0.0, 1.0]
    if whole:
        low, high = float(math.floor(low)), float(math.ceil(high))
        if high - low <= SMALL_WHOLE_RANGE:
            return [float(v) for v in range(int(low), int(max(high, low + 1)) + 1)]
    if high <= low:
        high = low + (abs(low) or 1.0)
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    steps = (1, 2, 5, 10) if whole else (1, 2, 2.5, 5, 10)
    step = next(m * magnitude for m in steps if m * magnitude >= raw)
    if whole:
        step = float(max(round(step), 1))
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value <= high + step * 1e-9:
        ticks.append(round(value, 12))
        value += step
    if ticks[-1] < high:
        ticks.append(ticks[-1] + step)
    return ticks


def xy_chart(
    series: Sequence[Series],
    *,
    title: str,
    x_label: str,
    y_label: str,
    vertical: float | None = None,
    horizontal: float | None = None,
    x_format: svg.Format | None = None,
    y_format: svg.Format | None = None,
    language_code: Language | None = None,
) -> str:
    """An SVG chart of ``series``, with a dashed ``vertical`` line (a cut-off, the start of a
    programme) and a ``horizontal`` one (zero effect) when given. When every x is a whole number
    (periods, waves, years) the x ticks are whole numbers, each shown once."""
    chosen = language_code or language()
    xs = [x for s in series for x, _ in s.points]
    ys = [y for s in series for _, y in s.points if math.isfinite(y)]
    ys += [
        end for s in series for span in (s.intervals or ()) for end in span if math.isfinite(end)
    ]
    xs += [vertical] if vertical is not None else []
    ys += [horizontal] if horizontal is not None else []
    if not xs or not ys:
        raise ValueError("nothing to draw")
    whole = all(float(x).is_integer() for s in series for x, _ in s.points)
    x_ticks, y_ticks = _ticks(min(xs), max(xs), whole=whole), _ticks(min(ys), max(ys))
    if x_format is None and whole:
        x_format = svg.number_format(0, language_code=chosen)
    show_x = x_format or svg.automatic_format(x_ticks, len(x_ticks), chosen)
    show_y = y_format or svg.automatic_format(y_ticks, len(y_ticks), chosen)
    legend, legend_height = _legend(series)
    top = svg.TITLE_ROOM + legend_height + 8
    left, right, bottom = MARGIN_LEFT, WIDTH - MARGIN_RIGHT, HEIGHT - MARGIN_BOTTOM

    def px(x: float) -> float:
        return left + (x - x_ticks[0]) / (x_ticks[-1] - x_ticks[0]) * (right - left)

    def py(y: float) -> float:
        return bottom - (y - y_ticks[0]) / (y_ticks[-1] - y_ticks[0]) * (bottom - top)

    parts = [f'<g transform="translate(0 {svg.TITLE_ROOM:g})">{legend}</g>']
    for tick in y_ticks:
        parts.append(
            f'<line x1="{left:g}" x2="{right:g}" y1="{py(tick):.1f}" y2="{py(tick):.1f}"'
            f' stroke="{GRID_COLOUR}"/>'
            f'<text x="{left - 6:g}" y="{py(tick) + 4:.1f}" text-anchor="end"'
            f' fill="{svg.MUTED}">{svg.escape(show_y(tick))}</text>'
        )
    for tick in x_ticks:
        parts.append(
            f'<text x="{px(tick):.1f}" y="{bottom + 18:g}" text-anchor="middle"'
            f' fill="{svg.MUTED}">{svg.escape(show_x(tick))}</text>'
        )
    parts.append(
        f'<text x="{(left + right) / 2:.1f}" y="{HEIGHT - 10:g}" text-anchor="middle">'
        f"{svg.escape(x_label)}</text>"
        f'<text transform="translate(14 {(top + bottom) / 2:.1f}) rotate(-90)"'
        f' text-anchor="middle">{svg.escape(y_label)}</text>'
    )
    for value, horizontal_line in ((vertical, False), (horizontal, True)):
        if value is None:
            continue
        if horizontal_line:
            at = py(value)
            coordinates = f'x1="{left:g}" x2="{right:g}" y1="{at:.1f}" y2="{at:.1f}"'
        else:
            at = px(value)
            coordinates = f'x1="{at:.1f}" x2="{at:.1f}" y1="{top:g}" y2="{bottom:g}"'
        parts.append(
            f'<line {coordinates} stroke="{REFERENCE_COLOUR}" stroke-width="1.5"'
            ' stroke-dasharray="5 3"/>'
        )
    for index, item in enumerate(series):
        parts.append(_series(item, item.colour or PALETTE[index % len(PALETTE)], px, py))
    return svg.document(title, WIDTH, HEIGHT, "".join(parts), "sejahtera-xy")


def _legend(series: Sequence[Series]) -> tuple[str, float]:
    parts, x = [], 0.0
    for index, item in enumerate(series):
        colour = item.colour or PALETTE[index % len(PALETTE)]
        parts.append(
            f'<rect x="{x:g}" y="2" width="{svg.SWATCH_WIDTH:g}" height="4" fill="{colour}"/>'
            f'<text x="{x + svg.SWATCH_WIDTH + 6:g}" y="8">{svg.escape(item.label)}</text>'
        )
        x += svg.SWATCH_WIDTH + 18 + svg.text_width(item.label)
    return "".join(parts), svg.LINE_HEIGHT


def _series(
    item: Series, colour: str, to_x: Callable[[float], float], to_y: Callable[[float], float]
) -> str:
    points = [(x, y) for x, y in item.points if math.isfinite(y)]
    parts = []
    if item.intervals is not None and item.band:
        upper = [(x, high) for (x, _), (_, high) in zip(item.points, item.intervals, strict=True)]
        lower = [(x, low) for (x, _), (low, _) in zip(item.points, item.intervals, strict=True)]
        outline = " ".join(f"{to_x(x):.1f},{to_y(y):.1f}" for x, y in [*upper, *lower[::-1]])
        parts.append(f'<polygon points="{outline}" fill="{colour}" fill-opacity="0.15"/>')
    elif item.intervals is not None:
        for (x, _), (low, high) in zip(item.points, item.intervals, strict=True):
            parts.append(
                f'<line x1="{to_x(x):.1f}" x2="{to_x(x):.1f}" y1="{to_y(low):.1f}"'
                f' y2="{to_y(high):.1f}" stroke="{colour}" stroke-width="1.5"/>'
            )
    if item.style == "points":
        parts.extend(
            f'<circle cx="{to_x(x):.1f}" cy="{to_y(y):.1f}" r="3.5" fill="{colour}"/>'
            for x, y in points
        )
    else:
        if item.style == "steps":
            stepped = []
            for (x0, y0), (x1, _) in pairwise(points):
                stepped += [(x0, y0), (x1, y0)]
            points = stepped + points[-1:]
        path = " ".join(f"{to_x(x):.1f},{to_y(y):.1f}" for x, y in points)
        dash = ' stroke-dasharray="6 4"' if item.dashed else ""
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>'
        )
    return "".join(parts)
