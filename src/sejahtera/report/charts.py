"""Horizontal bar charts, as inline SVG for the HTML reports.

    from sejahtera.report.charts import bar_chart
    from sejahtera.report.svg import number_format

    svg = bar_chart(
        ["Kulon Progo", "Bantul", "Gunungkidul"],
        [0.152, 0.121, 0.158],
        title="Kemiskinan per kabupaten",
        fmt=number_format(1, percent=True),
        intervals=[(0.131, 0.173), (0.104, 0.138), (0.137, 0.179)],
        reference=0.114,
        reference_label="DI Yogyakarta",
    )

Bars are drawn top to bottom in the order given (sort before calling if a ranking is meant).
The axis always includes 0, so bar lengths compare truthfully; a missing value (``None`` or
NaN) leaves an empty row marked "no data".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from sejahtera.i18n import Language, language, text
from sejahtera.report import svg

WIDTH = 800.0
ROW_HEIGHT = 26.0
BAR_HEIGHT = 16.0
MAX_LABEL_WIDTH = 260.0
BAR_COLOUR = "#2c7fb8"
INTERVAL_COLOUR = "#111111"
REFERENCE_COLOUR = "#d95f02"
GRID_COLOUR = "#e2e2e2"


@dataclass(frozen=True)
class _Scale:
    """Values from ``low`` to ``high`` drawn between ``left`` and ``right``."""

    low: float
    high: float
    left: float
    right: float

    def x(self, value: float) -> float:
        return self.left + (value - self.low) / (self.high - self.low) * (self.right - self.left)


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    title: str,
    fmt: svg.Format | None = None,
    intervals: Sequence[tuple[float, float] | None] | None = None,
    reference: float | None = None,
    reference_label: str = "",
    interval_label: str | None = None,
    language_code: Language | None = None,
) -> str:
    """An SVG horizontal bar chart: one bar per label, optional intervals and reference line.

    ``intervals`` gives (low, high) per bar, e.g. a 95% confidence interval, drawn as error
    bars and named in the legend by ``interval_label`` (default "95% confidence interval").
    ``reference`` draws a dashed vertical line, e.g. the regional average, named by
    ``reference_label``.
    """
    chosen = language_code or language()
    if len(labels) != len(values) or (intervals is not None and len(intervals) != len(values)):
        raise ValueError("labels, values and intervals must have the same length")
    numbers = [None if v is None or v != v else float(v) for v in values]
    spans = list(intervals) if intervals is not None else [None] * len(numbers)
    known = [v for v in numbers if v is not None]
    known += [end for span in spans if span is not None for end in span]
    known += [reference] if reference is not None else []
    ticks = _ticks(min([0.0, *known]), max([0.0, *known]))
    show = fmt or svg.automatic_format([*known, *ticks], len(ticks), chosen)
    cells = [show(v) if v is not None else text("maps.no_data", chosen) for v in numbers]

    label_width = min(max((svg.text_width(label) for label in labels), default=0), MAX_LABEL_WIDTH)
    value_width = max((svg.text_width(cell) for cell in cells), default=0) + 12
    scale = _Scale(ticks[0], ticks[-1], label_width + 10, WIDTH - value_width)
    legend = _legend(
        reference_label if reference is not None else "",
        (interval_label or text("maps.interval", chosen)) if intervals is not None else "",
    )
    top = svg.TITLE_ROOM + (svg.LINE_HEIGHT if legend else 0)
    bottom = top + ROW_HEIGHT * len(labels)
    parts = [f'<g transform="translate(0 {svg.TITLE_ROOM:g})">{legend}</g>']
    parts += _grid(ticks, scale, show, top, bottom)
    for i, (label, value, span, cell) in enumerate(zip(labels, numbers, spans, cells, strict=True)):
        parts.append(_bar(i, label, value, span, cell, top + i * ROW_HEIGHT, scale, show))
    if reference is not None:
        at = scale.x(reference)
        parts.append(
            f'<line x1="{at:.1f}" x2="{at:.1f}" y1="{top - 4:g}"'
            f' y2="{bottom + 4:g}" stroke="{REFERENCE_COLOUR}" stroke-width="2"'
            ' stroke-dasharray="5 3"/>'
        )
    height = bottom + svg.FONT_SIZE + 14
    return svg.document(title, WIDTH, math.ceil(height), "".join(parts), "sejahtera-bars")


def _bar(
    index: int,
    label: str,
    value: float | None,
    span: tuple[float, float] | None,
    cell: str,
    y: float,
    scale: _Scale,
    show: svg.Format,
) -> str:
    """One row: label, bar, error bar and value, with a tooltip for the whole row."""
    tip = f"{label}: {cell}" + (f" ({show(span[0])} – {show(span[1])})" if span else "")
    middle = y + ROW_HEIGHT / 2
    row = [
        f'<g class="bar" data-index="{index}" data-label="{svg.escape(label)}">'
        f"<title>{svg.escape(tip)}</title>",
        f'<text x="0" y="{middle + 4:.1f}">{svg.escape(_clip(label))}</text>',
    ]
    if value is not None:
        start, end = sorted((scale.x(0.0), scale.x(value)))
        row.append(
            f'<rect x="{start:.1f}" y="{middle - BAR_HEIGHT / 2:.1f}" width="{end - start:.1f}"'
            f' height="{BAR_HEIGHT:g}" fill="{BAR_COLOUR}"/>'
        )
    if span is not None:
        a, b = scale.x(span[0]), scale.x(span[1])
        row.append(
            f'<path d="M{a:.1f} {middle:.1f}H{b:.1f}M{a:.1f} {middle - 5:.1f}v10'
            f'M{b:.1f} {middle - 5:.1f}v10" stroke="{INTERVAL_COLOUR}" stroke-width="1.5"'
            ' fill="none"/>'
        )
    colour = svg.INK if value is not None else svg.MUTED
    row.append(
        f'<text x="{scale.right + 8:.1f}" y="{middle + 4:.1f}" fill="{colour}">'
        f"{svg.escape(cell)}</text>"
    )
    return "".join(row) + "</g>"


def _grid(
    ticks: list[float], scale: _Scale, show: svg.Format, top: float, bottom: float
) -> list[str]:
    """Vertical grid lines at the ticks, the zero line darker, tick values underneath."""
    lines = []
    for tick in ticks:
        colour = "#888888" if tick == 0 else GRID_COLOUR
        at = scale.x(tick)
        lines.append(
            f'<line x1="{at:.1f}" x2="{at:.1f}" y1="{top:g}" y2="{bottom:g}" stroke="{colour}"/>'
            f'<text x="{at:.1f}" y="{bottom + svg.FONT_SIZE + 4:g}" text-anchor="middle"'
            f' fill="{svg.MUTED}" font-size="{svg.FONT_SIZE - 2:g}">{svg.escape(show(tick))}</text>'
        )
    return lines


def _legend(reference_label: str, interval_label: str) -> str:
    """Samples of the reference line and the error bar, side by side, when the chart has them."""
    parts, x = [], 0.0
    if reference_label:
        parts.append(
            f'<path d="M{x + 10:g} 0v16" stroke="{REFERENCE_COLOUR}" stroke-width="2"'
            ' stroke-dasharray="5 3"/>'
            f'<text x="{x + 20:g}" y="12">{svg.escape(reference_label)}</text>'
        )
        x += 40 + svg.text_width(reference_label)
    if interval_label:
        parts.append(
            f'<path d="M{x:g} 8h20M{x:g} 3v10M{x + 20:g} 3v10" stroke="{INTERVAL_COLOUR}"'
            ' stroke-width="1.5" fill="none"/>'
            f'<text x="{x + 28:g}" y="12">{svg.escape(interval_label)}</text>'
        )
    return "".join(parts)


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values (1, 2 or 5 × 10ⁿ apart) covering ``low``–``high``."""
    if high <= low:
        high = low + 1.0
    rough = (high - low) / count
    power = 10 ** math.floor(math.log10(rough))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= rough)
    first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    return [round(i * step, 12) for i in range(first, last + 1)]


def _clip(label: str) -> str:
    """Labels longer than the label column end in an ellipsis (the tooltip keeps them whole)."""
    limit = int(MAX_LABEL_WIDTH / svg.text_width("x"))
    return label if len(label) <= limit else label[: limit - 1] + "…"
