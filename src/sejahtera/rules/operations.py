"""The array operations formulas compile to: members to their group, and parts of dates."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sejahtera.rules.compile import Compiled, Environment


def to_groups(
    how: str,
    values: np.ndarray,
    keep: np.ndarray | None,
    group: np.ndarray,
    count: int,
    env: Environment,
    largest: Compiled | None,
) -> np.ndarray:
    """One value per group (``count`` of them) from its members' ``values``, ``group`` giving
    each member's (members outside ``keep`` ignored)."""
    household = group
    chosen = values
    if keep is not None:
        household, chosen = household[keep], values[keep]
    if how in ("count", "any", "all"):
        # Count the members who hold (or, for all, lack) the condition; a weighted bincount is
        # faster than selecting them first.
        flagged = chosen.astype(bool, copy=False)
        counted = np.bincount(household, flagged if how != "all" else ~flagged, minlength=count)
        return counted > 0 if how == "any" else counted == 0 if how == "all" else counted
    if how == "sum":
        return np.bincount(household, chosen, minlength=count)
    if how in ("max", "min"):
        fill = -np.inf if how == "max" else np.inf
        out = np.full(count, fill)
        (np.maximum if how == "max" else np.minimum).at(out, household, chosen.astype(np.float64))
        return np.where(np.isfinite(out), out, 0.0)
    # sum_largest: sort members by household, then by value descending, and keep the first k.
    k = float(np.asarray(largest.evaluate(env))) if largest is not None else 0.0
    order = np.lexsort((-chosen.astype(np.float64), household))
    ordered = household[order]
    sizes = np.bincount(ordered, minlength=count)
    rank = np.arange(len(ordered)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    taken = rank < k
    return np.bincount(ordered[taken], chosen.astype(np.float64)[order][taken], minlength=count)


_CALENDAR: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "year": lambda d: d.astype("datetime64[Y]").astype(np.int64) + 1970,
    "month": lambda d: d.astype("datetime64[M]").astype(np.int64) % 12 + 1,
    "day": lambda d: (d - d.astype("datetime64[M]")).astype(np.int64) + 1,
}


def _date_part(part: str) -> Callable[[np.ndarray, dict | None], np.ndarray]:
    """year, month or day of each date. Calendar arithmetic on millions of dates is slow; the
    dates of a population span a few tens of thousands of days, so each distinct day is
    converted once, in a table, and the dates look their part up in it. ``memo`` (a formula
    environment's) keeps the dates' offsets into the table for the other parts."""
    calendar = _CALENDAR[part]

    def lookup(dates: np.ndarray, memo: dict | None = None) -> np.ndarray:
        if dates.ndim == 0 or len(dates) < 4096 or np.isnat(dates).any():
            return calendar(dates)
        key = ("days", id(dates))
        found = memo.get(key) if memo is not None else None
        if found is None or found[0]() is not dates:
            days = dates.view(np.int64)
            low, high = int(days.min()), int(days.max())
            if high - low > len(days):
                return calendar(dates)
            found = (weakref.ref(dates), low, high, days - low)
            if memo is not None:
                memo[key] = found
        _, low, high, offsets = found
        return calendar(np.arange(low, high + 1).astype("datetime64[D]"))[offsets]

    return lookup


DATE_PARTS = {part: _date_part(part) for part in _CALENDAR}
