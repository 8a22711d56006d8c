"""Shipped region boundaries, projected and simplified for drawing as SVG paths.

The shipped GeoJSON is parsed once per process (:mod:`sejahtera.data.borders`); each map extent
(a level within a parent region) is projected and simplified once (:func:`layer`), so a second
map of the same areas only joins cached strings.

Projection: north-up equirectangular, ``x = lon · cos(φ₀)``, ``y = −lat``, with φ₀ the middle
latitude of the drawn extent, scaled to fit :data:`MAP_WIDTH` × :data:`MAP_MAX_HEIGHT` map
units. Simplification: coordinates snapped to a grid of 0.1 map units (repeated points removed),
then Douglas–Peucker with a tolerance of :data:`TOLERANCE` map units. Islands smaller than
:data:`MIN_RING_AREA` are dropped, except that every area keeps its largest ring. Rings are
simplified one by one, so two neighbours may part by up to the tolerance along their shared
border: less than the width of the border line drawn over it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np

from sejahtera.data.borders import area_rings
from sejahtera.data.regions import Level, registry
from sejahtera.errors import SejahteraError
from sejahtera.i18n import text

MAP_WIDTH = 800.0
MAP_MAX_HEIGHT = 560.0
TOLERANCE = 0.3  # map units; a map shown 800 px wide moves no edge by more than 0.3 px
GRID = 10  # points per map unit: coordinates keep one decimal
MIN_RING_AREA = 0.5  # square map units; smaller islands vanish at any readable size


@dataclass(frozen=True)
class Shape:
    """One area ready to draw: its code and SVG path data in map units."""

    code: str
    path: str
    composite: bool  # no polygon of its own: drawn from its children's boundaries


@dataclass(frozen=True)
class Layer:
    """The areas of one level within one parent, projected to ``width`` × ``height`` units."""

    level: Level
    parent: str | None
    width: float
    height: float
    shapes: tuple[Shape, ...]
    to_map: tuple[float, float, float, float]  # lon₀, lat₀ (top), x scale, y scale

    def project(self, lon: float, lat: float) -> tuple[float, float]:
        """The map units of a point (area names are printed at their centroids)."""
        lon0, lat0, sx, sy = self.to_map
        return (lon - lon0) * sx, (lat0 - lat) * sy


@cache
def layer(level: Level, parent: str | None) -> Layer:
    """The projected, simplified areas of ``level`` inside ``parent`` (everywhere if ``None``).

    Raises :class:`SejahteraError` when no boundaries are shipped for that level there.
    """
    places = registry()
    regions = places.at_level(level) if parent is None else places.descendants(parent, level)
    found = {r.code: area_rings(level, r.code) for r in regions}
    found = {code: entry for code, entry in found.items() if entry[0]}
    if not found:
        raise SejahteraError(
            "maps.no_boundaries", level=text(f"maps.level_{level}"), parent=parent or "ID"
        )
    owned = [(code, ring) for code, (area, _) in sorted(found.items()) for ring in area]
    points = np.concatenate([ring for _, ring in owned])
    (lon_min, lat_min), (lon_max, lat_max) = points.min(axis=0), points.max(axis=0)
    stretch = math.cos(math.radians((lat_min + lat_max) / 2))
    span_x, span_y = max((lon_max - lon_min) * stretch, 1e-9), max(lat_max - lat_min, 1e-9)
    scale = min(MAP_WIDTH / span_x, MAP_MAX_HEIGHT / span_y)
    to_map = (float(lon_min), float(lat_max), scale * stretch, scale)
    projected = (points - [lon_min, lat_max]) * [scale * stretch, -scale]
    lengths = np.array([len(ring) for _, ring in owned])
    paths = _paths([code for code, _ in owned], projected, lengths)
    shapes = tuple(
        Shape(code, paths[code], composite) for code, (_, composite) in sorted(found.items())
    )
    return Layer(level, parent, span_x * scale, span_y * scale, shapes, to_map)


def _paths(owners: list[str], points: np.ndarray, lengths: np.ndarray) -> dict[str, str]:
    """SVG path data by code, for rings laid end to end in ``points`` (``lengths`` points each).

    All rings are snapped and simplified together, in a few vectorised passes. A ring that
    simplifies to less than a triangle is dropped, unless it is the largest of its area.
    """
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    sizes = np.abs(_twice_areas(points, starts)) / 2
    largest = np.zeros(len(owners), dtype=bool)
    best: dict[str, int] = {}
    for i, owner in enumerate(owners):
        if owner not in best or sizes[i] > sizes[best[owner]]:
            best[owner] = i
    largest[list(best.values())] = True
    ring_of = np.repeat(np.arange(len(owners)), lengths)
    wanted = ((sizes >= MIN_RING_AREA) | largest)[ring_of]
    grid, ring_of = _snap(points[wanted], ring_of[wanted])
    keep = _douglas_peucker(grid, ring_of, TOLERANCE * GRID)
    bounds = np.flatnonzero(np.diff(ring_of)) + 1
    parts: dict[str, list[str]] = {}
    for low, high in zip(np.r_[0, bounds], np.r_[bounds, len(grid)], strict=True):
        ring = int(ring_of[low])
        simplified = grid[low:high][keep[low:high]]
        if len(simplified) >= 4:
            parts.setdefault(owners[ring], []).append(_ring_path(simplified))
        elif largest[ring]:
            parts.setdefault(owners[ring], []).append(_ring_path(grid[low:high]))
    return {code: "".join(paths) for code, paths in parts.items()}


def _twice_areas(points: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Twice the signed area of each ring (shoelace), rings laid end to end from ``starts``."""
    x, y = points[:, 0], points[:, 1]
    cross = np.append(x[:-1] * y[1:] - x[1:] * y[:-1], 0.0)
    cross[starts[1:] - 1] = 0.0  # the step from one ring's last point to the next ring's first
    return np.add.reduceat(cross, starts)


def _snap(points: np.ndarray, ring_of: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points on the grid (tenths of a map unit), without repeats within a ring."""
    grid = np.rint(points * GRID)
    new_ring = np.r_[True, ring_of[1:] != ring_of[:-1]]
    moved = np.r_[True, np.any(grid[1:] != grid[:-1], axis=1)]
    kept = new_ring | moved
    return grid[kept], ring_of[kept]


def _douglas_peucker(points: np.ndarray, ring_of: np.ndarray, tolerance: float) -> np.ndarray:
    """Which points Douglas–Peucker keeps, for all rings at once: one pass per depth of split.

    Each pass takes every stretch between two kept points, finds the point farthest from the
    chord and keeps it if it lies more than ``tolerance`` away; otherwise the stretch is done.
    A closed ring's chord has no length, so the distance to its first point picks the opposite
    side of the ring first.
    """
    index = np.arange(len(points))
    keep = np.r_[True, ring_of[1:] != ring_of[:-1]] | np.r_[ring_of[1:] != ring_of[:-1], True]
    open_ = ~keep
    while open_.any():
        before = np.maximum.accumulate(np.where(keep, index, 0))
        after = np.minimum.accumulate(np.where(keep, index, len(points) - 1)[::-1])[::-1]
        candidates = np.flatnonzero(open_)
        start, end = before[candidates], after[candidates]
        chord = points[end] - points[start]
        offset = points[candidates] - points[start]
        length = np.hypot(chord[:, 0], chord[:, 1])
        cross = np.abs(chord[:, 0] * offset[:, 1] - chord[:, 1] * offset[:, 0])
        distance = np.where(
            length > 0, cross / np.maximum(length, 1e-12), np.hypot(offset[:, 0], offset[:, 1])
        )
        opens = np.r_[True, start[1:] != start[:-1]]  # candidates are grouped by stretch
        stretch = np.cumsum(opens) - 1
        farthest = np.maximum.reduceat(distance, np.flatnonzero(opens))[stretch]
        chosen = np.flatnonzero((distance == farthest) & (distance > tolerance))
        first = np.ones(len(chosen), dtype=bool)  # ties: keep one point per stretch
        first[1:] = stretch[chosen][1:] != stretch[chosen][:-1]
        chosen = chosen[first]
        keep[candidates[chosen]] = True
        open_[candidates[farthest <= tolerance]] = False
        open_[candidates[chosen]] = False
    return keep


def _ring_path(grid: np.ndarray) -> str:
    grid = grid.astype(np.int64)
    if len(grid) > 1 and (grid[0] == grid[-1]).all():
        grid = grid[:-1]
    steps = np.diff(grid, axis=0).ravel().tolist()
    start = f"M{_number(int(grid[0, 0]))} {_number(int(grid[0, 1]))}"
    body = " ".join(_number(step) for step in steps).replace(" -", "-")
    return f"{start}l{body}z" if body else f"{start}z"


def _number(tenths: int) -> str:
    """``12`` → ``1.2``, ``-3`` → ``-.3``, ``20`` → ``2``: the shortest decimal for tenths."""
    whole, tenth = divmod(abs(tenths), GRID)
    sign = "-" if tenths < 0 else ""
    if not tenth:
        return f"{sign}{whole}"
    return f"{sign}{whole or ''}.{tenth}"
