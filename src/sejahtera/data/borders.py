"""Shipped region boundaries as rings of points, and which areas share a border.

The GeoJSON files of ``resources/regions/`` are parsed here once per process (:func:`rings`);
the report's maps draw them (:mod:`sejahtera.report.boundaries`) and :func:`neighbours` measures
them. An area without a polygon of its own (Kalimantan Selatan, 63) borrows its children's.

Two areas are neighbours when their boundaries run side by side for at least ``min_shared_m``
metres, side by side meaning no more than ``tolerance_m`` apart. The tolerance is needed because
the shipped polygons were simplified one by one: a border that two kabupaten share is drawn twice
and the two lines part by up to a few hundred metres (Kota Yogyakarta's northern edge lies 50-200 m
from Sleman's). The minimum length keeps out areas that meet only at a corner, whose boundaries
also come within the tolerance, but only for about twice its length around the corner point.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

from sejahtera.data.regions import LEVELS, Level, level_of, registry

_FILES: dict[Level, str] = {
    "province": "id-provinces",
    "regency": "id-regencies",
    "district": "diy-districts",
    "village": "diy-villages",
}

Ring = np.ndarray  # shape (n, 2): lon, lat; first point repeated last

TOLERANCE_M = 500.0  # how far apart two drawings of one shared border may lie
MIN_SHARED_M = 2000.0  # a shorter run is a corner, not a border
_STEP_M = 50.0  # boundaries are sampled every 50 m
_METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True)
class Border:
    """One neighbour of an area and the length of the border they share, in metres."""

    code: str
    shared_m: float


@cache
def rings(level: Level) -> dict[str, tuple[Ring, ...]]:
    """The boundary rings of every area of ``level`` in the shipped GeoJSON, by code."""
    name = f"resources/regions/{_FILES[level]}.geojson"
    raw = resources.files("sejahtera").joinpath(name).read_text("utf-8")
    found: dict[str, tuple[Ring, ...]] = {}
    for feature in json.loads(raw)["features"]:
        geometry = feature.get("geometry")
        if not geometry:
            continue
        polygons = geometry["coordinates"]
        if geometry["type"] == "Polygon":
            polygons = [polygons]
        found[feature["properties"]["code"]] = tuple(
            np.asarray(ring, dtype=float) for polygon in polygons for ring in polygon
        )
    return found


def area_rings(level: Level, code: str) -> tuple[tuple[Ring, ...], bool]:
    """The rings of ``code`` and whether they are borrowed: an area without a polygon of its
    own takes those of its children (empty when neither is shipped)."""
    own = rings(level).get(code)
    if own is not None:
        return own, False
    depth = LEVELS.index(level)
    if depth + 1 < len(LEVELS):
        children = rings(LEVELS[depth + 1])
        borrowed = [r for c, rs in children.items() if c.startswith(code + ".") for r in rs]
        if borrowed:
            return tuple(borrowed), True
    return (), False


def neighbours(
    code: str, *, tolerance_m: float = TOLERANCE_M, min_shared_m: float = MIN_SHARED_M
) -> tuple[Border, ...]:
    """The areas of the same level that share a border with ``code``, longest border first.

    Works at any level with shipped boundaries, across provincial borders (Gunungkidul's
    neighbours include kabupaten of Jawa Tengah). Returns nothing for an unknown code or one
    without boundaries. The shared length is measured on both boundaries and the shorter taken.
    """
    level = level_of(code)
    if level is None:
        return ()
    own = _segments(area_rings(level, code)[0])
    if own is None:
        return ()
    low, high = own[0].min(axis=0), own[0].max(axis=0)
    reach = 2 * tolerance_m / _METRES_PER_DEGREE  # generous: Indonesia lies near the equator
    found = []
    for region in registry().at_level(level):
        if region.code == code:
            continue
        other = _segments(area_rings(level, region.code)[0], low - reach, high + reach)
        if other is None:
            continue
        shared = min(
            _run_beside(own, other, tolerance_m),
            _run_beside(other, own, tolerance_m),
        )
        if shared >= min_shared_m:
            found.append(Border(region.code, round(shared, -1)))
    return tuple(sorted(found, key=lambda border: (-border.shared_m, border.code)))


Segments = tuple[np.ndarray, np.ndarray]  # start and end points, lon/lat degrees


def _segments(
    area: tuple[Ring, ...], low: np.ndarray | None = None, high: np.ndarray | None = None
) -> Segments | None:
    """The edges of ``area`` (only those whose box meets ``low``-``high`` when given)."""
    if not area:
        return None
    starts = np.concatenate([ring[:-1] for ring in area])
    ends = np.concatenate([ring[1:] for ring in area])
    if low is not None and high is not None:
        inside = np.all(
            (np.minimum(starts, ends) <= high) & (np.maximum(starts, ends) >= low), axis=1
        )
        if not inside.any():
            return None
        starts, ends = starts[inside], ends[inside]
    return starts, ends


def _run_beside(edges: Segments, other: Segments, tolerance_m: float) -> float:
    """Metres of ``edges`` that lie within ``tolerance_m`` of ``other``.

    Both are projected to metres around their middle latitude (equirectangular: at the scale of
    a border the error is far below the tolerance); ``edges`` is sampled every 50 m.
    """
    latitude = float(np.concatenate([edges[0], other[0]])[:, 1].mean())
    scale = np.array([math.cos(math.radians(latitude)), 1.0]) * _METRES_PER_DEGREE
    a, b = edges[0] * scale, edges[1] * scale
    p, q = other[0] * scale, other[1] * scale
    lengths = np.hypot(*(b - a).T)
    counts = np.maximum(np.ceil(lengths / _STEP_M).astype(int), 1)
    owner = np.repeat(np.arange(len(a)), counts)
    offset = np.arange(len(owner)) - np.repeat(np.cumsum(counts) - counts, counts)
    t = (offset + 0.5) / counts[owner]
    points = a[owner] + t[:, None] * (b - a)[owner]
    weights = (lengths / counts)[owner]
    near = np.zeros(len(points), dtype=bool)
    pq = q - p
    squared = np.maximum((pq * pq).sum(axis=1), 1e-12)
    for start in range(0, len(points), 2000):
        chunk = points[start : start + 2000]
        along = np.clip(
            ((chunk[:, None, :] - p[None]) * pq[None]).sum(axis=2) / squared[None], 0, 1
        )
        gap = chunk[:, None, :] - (p[None] + along[:, :, None] * pq[None])
        near[start : start + 2000] = (np.hypot(gap[..., 0], gap[..., 1]) <= tolerance_m).any(axis=1)
    return float(weights[near].sum())
