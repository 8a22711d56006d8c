"""What the SVG maps and charts share: escaping, number formats, fill patterns, legend, frame.

Every SVG is self-contained and responsive (``viewBox``, ``width="100%"``), declares itself an
image for screen readers (``role="img"`` with the title as ``aria-label``), and escapes every
piece of text it inserts. Ids of patterns carry a prefix unique to the figure, so several
figures can sit in one HTML page.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from html import escape as _html_escape

from sejahtera.i18n import Language, format_number, language

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', Arial, sans-serif"
FONT_SIZE = 13.0
TITLE_SIZE = 16.0
INK = "#222222"
MUTED = "#555555"
NO_DATA_FILL = "#e4e4e4"
NO_DATA_LINE = "#9a9a9a"
SWATCH_WIDTH = 24.0
SWATCH_HEIGHT = 14.0
LINE_HEIGHT = 22.0
TITLE_ROOM = TITLE_SIZE + 14  # the drawn title at the top of every figure

Format = Callable[[float], str]


def escape(value: object) -> str:
    """``value`` as text safe inside an XML element or a double- or single-quoted attribute."""
    return _html_escape(str(value), quote=True)


def text_width(label: str, size: float = FONT_SIZE) -> float:
    """A generous estimate of the width of ``label`` in a sans-serif font (no font metrics)."""
    return 0.6 * size * len(label)


def number_format(
    decimals: int = 1, *, percent: bool = False, language_code: Language | None = None
) -> Format:
    """A formatter in the reader's convention: ``12.345,6`` in Indonesian, ``12,345.6`` in English.

    With ``percent`` the value is a fraction (0.125) shown as a percentage (``12,5%``). Negative
    numbers take a true minus sign (−).
    """
    chosen = language_code or language()

    def show(value: float) -> str:
        return format_number(value, chosen, decimals, percent=percent).replace("-", "−")

    return show


def automatic_format(values: Iterable[float], steps: int, language_code: Language) -> Format:
    """A number format with enough decimals to tell ``steps`` steps across ``values`` apart."""
    finite = [v for v in values if math.isfinite(v)]
    span = (max(finite) - min(finite)) if finite else 0.0
    scale = span / max(steps, 1) or max((abs(v) for v in finite), default=1.0) or 1.0
    decimals = min(max(1 - math.floor(math.log10(scale)), 0), 6)
    return number_format(decimals, language_code=language_code)


def figure_id(*parts: object) -> str:
    """A short id prefix that is the same for the same figure and differs between figures."""
    digest = hashlib.sha1(repr(parts).encode("utf-8"), usedforsecurity=False).hexdigest()
    return f"sj{digest[:10]}"


# Overlays for flagged areas: dark marks with a white halo, visible on light and dark fills.
_MARKS = (
    '<circle cx="3.5" cy="3.5" r="1.4" fill="#111" stroke="#fff" stroke-width=".7"/>',
    '<path d="M1.5 1.5l5 5M6.5 1.5l-5 5" stroke="#fff" stroke-width="2.2"/>'
    '<path d="M1.5 1.5l5 5M6.5 1.5l-5 5" stroke="#111" stroke-width="1"/>',
    '<circle cx="4" cy="4" r="2.2" fill="none" stroke="#fff" stroke-width="2"/>'
    '<circle cx="4" cy="4" r="2.2" fill="none" stroke="#111" stroke-width=".9"/>',
)
MARK_COUNT = len(_MARKS)


def patterns(prefix: str, marks: int) -> str:
    """``<defs>`` with the no-data hatching (``{prefix}-nodata``) and ``marks`` flag overlays."""
    hatch = (
        f'<pattern id="{prefix}-nodata" patternUnits="userSpaceOnUse" width="5" height="5"'
        ' patternTransform="rotate(45)">'
        f'<rect width="5" height="5" fill="{NO_DATA_FILL}"/>'
        f'<path d="M0 0v5" stroke="{NO_DATA_LINE}" stroke-width="1.4"/></pattern>'
    )
    overlays = "".join(
        f'<pattern id="{prefix}-flag{i}" patternUnits="userSpaceOnUse" width="{7 + i}"'
        f' height="{7 + i}">{_MARKS[i]}</pattern>'
        for i in range(marks)
    )
    return f"<defs>{hatch}{overlays}</defs>"


@dataclass(frozen=True)
class LegendEntry:
    """A swatch (one or more fills drawn on top of each other) and its label."""

    fills: tuple[str, ...]
    label: str


def legend(
    entries: Sequence[LegendEntry], title: str, note: str, width: float
) -> tuple[str, float]:
    """A legend that flows entries into rows ``width`` wide: its SVG and its height."""
    parts = [f'<text x="0" y="{FONT_SIZE:g}" font-weight="600">{escape(title)}</text>']
    x, y = 0.0, LINE_HEIGHT
    for entry in entries:
        step = SWATCH_WIDTH + 6 + text_width(entry.label) + 18
        if x > 0 and x + step > width:
            x, y = 0.0, y + LINE_HEIGHT
        parts.extend(
            f'<rect x="{x:g}" y="{y:g}" width="{SWATCH_WIDTH:g}" height="{SWATCH_HEIGHT:g}"'
            f' fill="{fill}" stroke="#999" stroke-width=".5"/>'
            for fill in entry.fills
        )
        parts.append(
            f'<text x="{x + SWATCH_WIDTH + 6:g}" y="{y + SWATCH_HEIGHT - 2:g}">'
            f"{escape(entry.label)}</text>"
        )
        x += step
    height = y + SWATCH_HEIGHT
    if note:
        height += LINE_HEIGHT - 4
        parts.append(
            f'<text x="0" y="{height:g}" fill="{MUTED}" font-size="{FONT_SIZE - 2:g}">'
            f"{escape(note)}</text>"
        )
    return "".join(parts), height + 4


def document(title: str, width: float, height: float, body: str, css_class: str) -> str:
    """The outer ``<svg>``: responsive, labelled for screen readers, title drawn at the top."""
    label = escape(title)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:g} {height:g}"'
        f' width="100%" role="img" aria-label="{label}" class="{css_class}"'
        f' font-family="{FONT}" font-size="{FONT_SIZE:g}" fill="{INK}"'
        f' style="max-width:{width:g}px;height:auto">'
        f"<title>{label}</title>"
        f'<text x="0" y="{TITLE_SIZE:g}" font-size="{TITLE_SIZE:g}" font-weight="700">'
        f"{label}</text>{body}</svg>"
    )
