"""The influence/interest map: where each engagement falls on the 2×2 grid, and the geometry of
the server-rendered SVG that draws it (no JavaScript).

Influence and interest are scored 1–5; a score of :data:`HIGH` or more counts as high. The map
draws interest across and influence up, each score at the centre of its own band, so the line
between low and high falls between 2 and 3.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from django.db import models
from django.utils.translation import gettext_lazy as _

LOWEST, HIGHEST = 1, 5
HIGH = 3  # scores 3, 4 and 5 are high


class Quadrant(models.TextChoices):
    MANAGE_CLOSELY = "manage_closely", _("Manage closely")
    KEEP_SATISFIED = "keep_satisfied", _("Keep satisfied")
    KEEP_INFORMED = "keep_informed", _("Keep informed")
    MONITOR = "monitor", _("Monitor")


def quadrant(influence: int, interest: int) -> Quadrant:
    """High influence and high interest: manage closely; high influence only: keep satisfied;
    high interest only: keep informed; neither: monitor."""
    if influence >= HIGH:
        return Quadrant.MANAGE_CLOSELY if interest >= HIGH else Quadrant.KEEP_SATISFIED
    return Quadrant.KEEP_INFORMED if interest >= HIGH else Quadrant.MONITOR


class Scored(Protocol):
    influence: int
    interest: int


# Geometry, in SVG user units.
BAND = 80  # one score
LEFT, TOP = 70, 20  # room for the influence axis label and the top edge
PLOT = BAND * (HIGHEST - LOWEST + 1)
WIDTH, HEIGHT = LEFT + PLOT + 20, TOP + PLOT + 60
RADIUS, SPACING, PER_ROW = 10, 24, 3  # points sharing a score pair sit side by side
FILLS = {
    Quadrant.MANAGE_CLOSELY: "#fde2e1",
    Quadrant.KEEP_SATISFIED: "#fff1cc",
    Quadrant.KEEP_INFORMED: "#dcebf7",
    Quadrant.MONITOR: "#eef1ee",
}


def x_of(interest: float) -> float:
    return LEFT + (interest - LOWEST + 0.5) * BAND


def y_of(influence: float) -> float:
    return TOP + (HIGHEST - influence + 0.5) * BAND


@dataclass(frozen=True)
class Area:
    quadrant: Quadrant
    x: float
    y: float
    width: float
    height: float
    fill: str
    label_x: float
    label_y: float


@dataclass(frozen=True)
class Point:
    number: int  # as in the table next to the map
    x: float
    y: float
    item: object  # the engagement this point stands for


@dataclass(frozen=True)
class Tick:
    score: int
    x: float
    y: float


@dataclass(frozen=True)
class InfluenceMap:
    areas: Sequence[Area]
    points: Sequence[Point]
    ticks: Sequence[Tick]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    top: int = TOP
    plot: int = PLOT
    bottom: int = TOP + PLOT
    right: int = LEFT + PLOT


def _areas() -> list[Area]:
    split_x, split_y = x_of(HIGH - 0.5), y_of(HIGH - 0.5)
    right, bottom = LEFT + PLOT, TOP + PLOT
    boxes = {
        Quadrant.MANAGE_CLOSELY: (split_x, TOP, right - split_x, split_y - TOP),
        Quadrant.KEEP_SATISFIED: (LEFT, TOP, split_x - LEFT, split_y - TOP),
        Quadrant.KEEP_INFORMED: (split_x, split_y, right - split_x, bottom - split_y),
        Quadrant.MONITOR: (LEFT, split_y, split_x - LEFT, bottom - split_y),
    }
    return [
        Area(q, x, y, w, h, FILLS[q], label_x=x + 6, label_y=y + 16)
        for q, (x, y, w, h) in boxes.items()
    ]


def layout(items: Iterable[Scored]) -> InfluenceMap:
    """The map of ``items`` (anything with ``influence`` and ``interest``), numbered from 1 in
    the order given. Items with the same scores are spread around their common centre."""
    items = list(items)
    shared: dict[tuple[int, int], list[int]] = defaultdict(list)
    for index, item in enumerate(items):
        shared[(item.influence, item.interest)].append(index)
    points: list[Point] = []
    for (influence, interest), indices in shared.items():
        rows = (len(indices) + PER_ROW - 1) // PER_ROW
        for place, index in enumerate(indices):
            row, column = divmod(place, PER_ROW)
            in_row = min(PER_ROW, len(indices) - row * PER_ROW)
            dx = (column - (in_row - 1) / 2) * SPACING
            dy = (row - (rows - 1) / 2) * SPACING
            x, y = x_of(interest) + dx, y_of(influence) + dy
            points.append(Point(index + 1, x, y, items[index]))
    points.sort(key=lambda p: p.number)
    ticks = [Tick(s, x_of(s), y_of(s)) for s in range(LOWEST, HIGHEST + 1)]
    return InfluenceMap(areas=_areas(), points=points, ticks=ticks)
