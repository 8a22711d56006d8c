"""Anonymised grievance statistics, for the monitoring of programmes.

:func:`grievance_statistics` counts grievances by month received, kabupaten/kota, category and
status, and gives the median days from receipt to resolution by category. It reads no name, NIK,
phone, address, description or note, so nothing it returns can hold them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from statistics import median
from typing import Final

from django.db.models import QuerySet
from django.utils import timezone

from sejahtera.workbench.grievances.models import Category, Grievance
from sejahtera.workbench.regions.models import Region

# The columns of :meth:`GrievanceStatistics.tidy`, in order.
COLUMNS: Final = ("month", "kabupaten_code", "kabupaten", "category", "status", "count")
UNKNOWN_AREA: Final = ""  # kabupaten_code of grievances without an area


@dataclass(frozen=True)
class CountRow:
    month: str  # "2026-05", in the workbench's time zone
    kabupaten_code: str  # "34.04", or "" when the grievance names no area
    kabupaten: str
    category: str
    status: str
    count: int


@dataclass(frozen=True)
class GrievanceStatistics:
    counts: tuple[CountRow, ...]
    median_resolution_days: dict[str, float | None]  # by category, and "all"
    total: int
    resolved_by_category: dict[str, int]  # how many grievances each median is of

    def tidy(self) -> list[dict[str, object]]:
        """One dict per row, with the keys of :data:`COLUMNS`."""
        return [{column: getattr(row, column) for column in COLUMNS} for row in self.counts]


def grievance_statistics(grievances: QuerySet[Grievance] | None = None) -> GrievanceStatistics:
    """Statistics of ``grievances`` (all when none given)."""
    grievances = Grievance.objects.all() if grievances is None else grievances
    rows = grievances.values_list("received_at", "region_id", "category", "status", "resolved_at")
    counts: Counter[tuple[str, str, str, str]] = Counter()
    days: defaultdict[str, list[float]] = defaultdict(list)
    for received_at, region, category, status, resolved_at in rows.iterator():
        month = f"{timezone.localtime(received_at):%Y-%m}"
        counts[(month, region[:5] if region else UNKNOWN_AREA, category, status)] += 1
        if resolved_at is not None:
            days[category].append((resolved_at - received_at).total_seconds() / 86_400)
    names = dict(
        Region.objects.filter(code__in={key[1] for key in counts}).values_list("code", "name")
    )
    every_day = [d for values in days.values() for d in values]
    medians: dict[str, float | None] = {
        category: round(median(days[category]), 1) if days[category] else None
        for category in Category.values
    }
    medians["all"] = round(median(every_day), 1) if every_day else None
    return GrievanceStatistics(
        counts=tuple(
            CountRow(month, code, names.get(code, ""), category, status, n)
            for (month, code, category, status), n in sorted(counts.items())
        ),
        median_resolution_days=medians,
        total=sum(counts.values()),
        resolved_by_category={
            **{category: len(days[category]) for category in Category.values},
            "all": len(every_day),
        },
    )
