"""Nearest neighbours on a score, for :mod:`sejahtera.evaluate.matching`: who is matched to
whom, with or without replacement, within a radius; and the same-group neighbours that estimate
the outcome's conditional variance (Abadie & Imbens 2006).

Plain numpy on sorted arrays: with replacement, every focal unit's matches are one contiguous
range of the sorted donors (ties at the k-th distance included), found by binary search; without
replacement, a greedy pass with "next free donor" pointers. Both take O(n log n) plus the matches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

SAME_GROUP_NEIGHBOURS = 2  # J of Abadie & Imbens (2006) for the conditional variance


@dataclass(frozen=True)
class Links:
    """Which donors each focal unit is matched to: contiguous ranges of the donors sorted by
    score (with replacement), or explicit pairs (without)."""

    count: np.ndarray  # matches per focal unit (0: unmatched)
    imputed: np.ndarray  # mean outcome of its matches (nan when unmatched)
    receive: Callable[[np.ndarray], np.ndarray]  # per-focal amount → per-donor sum over links


def nearest(focal: np.ndarray, donors: np.ndarray, y: np.ndarray, k: int, radius: float) -> Links:
    """k nearest donors with replacement, ties at the k-th distance included, within radius."""
    order = np.argsort(donors, kind="stable")
    sorted_donors = donors[order]
    n = len(sorted_donors)
    position = np.searchsorted(sorted_donors, focal)
    window = position[:, None] + np.arange(-k, k)[None, :]
    inside = (window >= 0) & (window < n)
    distance = np.where(
        inside, np.abs(sorted_donors[np.clip(window, 0, n - 1)] - focal[:, None]), np.inf
    )
    kth = np.partition(distance, min(k, n) - 1, axis=1)[:, min(k, n) - 1]
    reach = np.minimum(kth, radius)
    slack = 1e-10 * np.maximum(1.0, np.abs(focal))
    lo = np.searchsorted(sorted_donors, focal - reach - slack, side="left")
    hi = np.searchsorted(sorted_donors, focal + reach + slack, side="right")
    count = hi - lo
    sums = np.concatenate([[0.0], np.cumsum(y[order])])
    with np.errstate(invalid="ignore", divide="ignore"):
        imputed = (sums[hi] - sums[lo]) / count

    def receive(amount: np.ndarray) -> np.ndarray:
        steps = np.zeros(n + 1)
        np.add.at(steps, lo, amount)
        np.add.at(steps, hi, -amount)
        out = np.empty(n)
        out[order] = np.cumsum(steps)[:n]
        return out

    return Links(count, imputed, receive)


def greedy(focal: np.ndarray, donors: np.ndarray, y: np.ndarray, k: int, radius: float) -> Links:
    """k nearest donors without replacement, greedily from the highest focal score down."""
    order = np.argsort(donors, kind="stable")
    values = donors[order].tolist()
    n = len(values)
    right = list(range(n + 1))  # right[i]: the first free donor at or after i (n: none)
    left = list(range(n + 1))  # left[i + 1]: the last free donor at or before i, plus 1 (0: none)

    def find(parent: list[int], i: int) -> int:
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
        return root

    pairs: list[tuple[int, int]] = []
    for f in np.argsort(-focal, kind="stable").tolist():
        x = float(focal[f])
        start = int(np.searchsorted(donors[order], x))
        for _ in range(k):
            candidates = [j for j in (find(left, start) - 1, find(right, start)) if 0 <= j < n]
            if not candidates:
                break
            j = min(candidates, key=lambda j: abs(values[j] - x))
            if abs(values[j] - x) > radius:
                break
            right[j], left[j + 1] = j + 1, j
            pairs.append((f, int(order[j])))
    focal_of = np.array([p[0] for p in pairs], dtype=int)
    donor_of = np.array([p[1] for p in pairs], dtype=int)
    count = np.bincount(focal_of, minlength=len(focal))
    with np.errstate(invalid="ignore", divide="ignore"):
        imputed = np.bincount(focal_of, y[donor_of], minlength=len(focal)) / count
    return Links(
        count,
        imputed,
        lambda amount: np.bincount(donor_of, amount[focal_of], minlength=len(donors)),
    )


def same_group_variance(logit: np.ndarray, y: np.ndarray, group: np.ndarray) -> np.ndarray:
    """σ²(xᵢ) of Abadie & Imbens (2006): J/(J + 1)·(yᵢ − mean of its J nearest neighbours in its
    own group)², J = 2, neighbours by the logit of the score."""
    out = np.empty(len(y))
    for members in (np.flatnonzero(group), np.flatnonzero(~group)):
        j = min(SAME_GROUP_NEIGHBOURS, len(members) - 1)
        order = members[np.argsort(logit[members], kind="stable")]
        s, v = logit[order], y[order]
        n = len(order)
        offsets = np.concatenate([np.arange(-j, 0), np.arange(1, j + 1)])
        window = np.arange(n)[:, None] + offsets[None, :]
        inside = (window >= 0) & (window < n)
        clipped = np.clip(window, 0, n - 1)
        distance = np.where(inside, np.abs(s[clipped] - s[:, None]), np.inf)
        nearest = np.take_along_axis(clipped, np.argsort(distance, axis=1)[:, :j], axis=1)
        out[order] = j / (j + 1) * (v - v[nearest].mean(axis=1)) ** 2
    return out
