"""Progress of a programme's indicators against their targets: the monitoring dashboard.

For each target (an indicator, a period and optionally an area) the *latest approved* actual of
the same indicator and area within the target's period is compared with it. Submitted, verified
and rejected actuals never count.

- **Progress** is the share of the way from the baseline to the target that the actual has
  covered: ``(actual − baseline) / (target − baseline)``. It is 1.0 (100 %) at the target and
  above 1.0 beyond it, in either direction: for a "lower is better" indicator the target lies
  below the baseline, so a fall counts as progress. When the target is no better than the
  baseline (it only asks to hold a level), progress is 1.0 if the actual is at least as good as
  the target, else 0.0.
- **Expected share** is how much of the target's period the actual covers: an actual for
  ``2025-Q2`` against a target for ``2025`` is expected to have covered 2/4 of the way; an
  actual for the whole target period, 4/4.
- **Off track** (the rule the dashboard flags): progress below :data:`ON_TRACK_SHARE` (80 %) of
  the expected share. A target without an approved actual has no data yet and is not flagged.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, Literal

from django.db.models import QuerySet

from sejahtera.workbench.core import privacy
from sejahtera.workbench.grievances.models import Grievance
from sejahtera.workbench.grievances.models import Status as GrievanceStatus
from sejahtera.workbench.grievances.statistics import grievance_statistics
from sejahtera.workbench.monev.models import PERIOD, Actual, Direction, Indicator, Status, Target
from sejahtera.workbench.programmes.models import Programme

ON_TRACK_SHARE: Final = 0.8
State = Literal["on_track", "off_track", "no_data"]


def period_key(period: str) -> tuple[int, int, int]:
    """Sorts periods by when they end: 2025-Q1 < … < 2025-Q4 < 2025 (the whole year)."""
    match = PERIOD.match(period)
    if match is None:
        raise ValueError(f"not a period: {period!r}")
    quarter = match["quarter"]
    return int(match["year"]), int(quarter) if quarter else 4, 0 if quarter else 1


def within(period: str, target_period: str) -> bool:
    """Whether an actual for ``period`` reports on ``target_period``."""
    return period == target_period or period.startswith(f"{target_period}-")


def expected_share(period: str, target_period: str) -> float:
    if period == target_period:
        return 1.0
    return period_key(period)[1] / 4


def progress(baseline: Decimal, target: Decimal, actual: Decimal, direction: str) -> float:
    better = target > baseline if direction == Direction.HIGHER else target < baseline
    if not better:
        meets = actual >= target if direction == Direction.HIGHER else actual <= target
        return 1.0 if meets else 0.0
    return float((actual - baseline) / (target - baseline))


@dataclass(frozen=True)
class Row:
    target: Target
    actual: Actual | None  # the latest approved one
    progress: float | None
    expected: float | None
    state: State

    @property
    def percent(self) -> int | None:
        return None if self.progress is None else round(self.progress * 100)

    @property
    def bar(self) -> int:
        """Length of the progress bar, 0–100 (progress beyond the target fills it)."""
        return 0 if self.progress is None else round(min(max(self.progress, 0.0), 1.0) * 100)

    @property
    def mark(self) -> int:
        """Where the expected share sits on the bar, 0–100."""
        return round((self.expected or 1.0) * 100)


@dataclass(frozen=True)
class IndicatorProgress:
    indicator: Indicator
    rows: tuple[Row, ...]

    @property
    def off_track(self) -> bool:
        return any(row.state == "off_track" for row in self.rows)


@dataclass(frozen=True)
class Dashboard:
    programme: Programme
    indicators: tuple[IndicatorProgress, ...]
    periods: tuple[str, ...]
    grievances_total: int | None  # None: fewer than ``minimum``, suppressed
    grievances_by_status: tuple[tuple[str, int | None], ...]  # (status label, count or None)
    minimum: int = 0  # counts under it are suppressed for this reader (0: none)

    @property
    def off_track(self) -> int:
        return sum(item.off_track for item in self.indicators)


def _recency(actual: Actual) -> tuple[tuple[int, int, int], float, int]:
    approved = actual.approved_at.timestamp() if actual.approved_at else 0.0
    return period_key(actual.period), approved, actual.pk


def row(target: Target, approved: Iterable[Actual]) -> Row:
    matching = [
        a for a in approved if a.region_id == target.region_id and within(a.period, target.period)
    ]
    if not matching:
        return Row(target, None, None, None, "no_data")
    latest = max(matching, key=_recency)
    indicator = target.indicator
    made = progress(indicator.baseline_value, target.value, latest.value, indicator.direction)
    expected = expected_share(latest.period, target.period)
    state: State = "off_track" if made < ON_TRACK_SHARE * expected else "on_track"
    return Row(target, latest, made, expected, state)


def dashboard(
    programme: Programme,
    period: str = "",
    grievances: QuerySet[Grievance] | None = None,
    minimum: int = 0,
) -> Dashboard:
    """The progress of every indicator of ``programme`` (for targets of ``period`` only, when
    given), and the programme's grievances among ``grievances`` (those the reader may see:
    sensitive ones only for the roles that may see them), counts under ``minimum`` suppressed
    (privacy.suppress) for a role that sees aggregates only."""
    indicators = Indicator.objects.filter(result__programme=programme).order_by("code")
    targets = Target.objects.filter(indicator__in=indicators).select_related("region", "indicator")
    periods = tuple(sorted(set(targets.values_list("period", flat=True)), key=period_key))
    if period:
        targets = targets.filter(period=period)
    approved: dict[int, list[Actual]] = {}
    for actual in Actual.objects.filter(indicator__in=indicators, status=Status.APPROVED):
        approved.setdefault(actual.indicator_id, []).append(actual)
    by_indicator: dict[int, list[Target]] = {}
    for target in targets:
        by_indicator.setdefault(target.indicator_id, []).append(target)
    items = tuple(
        IndicatorProgress(
            indicator,
            tuple(
                row(t, approved.get(indicator.pk, ())) for t in by_indicator.get(indicator.pk, ())
            ),
        )
        for indicator in indicators
    )
    seen = Grievance.objects.all() if grievances is None else grievances
    statistics = grievance_statistics(seen.filter(programme=programme))
    by_status: Counter[str] = Counter()
    for count_row in statistics.counts:
        by_status[count_row.status] += count_row.count
    statuses = [status for status in GrievanceStatus.values if by_status[status]]
    shown = privacy.suppress([by_status[status] for status in statuses], minimum)
    total = statistics.total
    return Dashboard(
        programme=programme,
        indicators=items,
        periods=periods,
        grievances_total=None if 0 < total < minimum else total,
        grievances_by_status=tuple(
            (GrievanceStatus(status).label, count)
            for status, count in zip(statuses, shown, strict=True)
        ),
        minimum=minimum,
    )
