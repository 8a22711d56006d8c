"""Indicators beside the budget realisation of the programme they are linked to, by quarter.

For a year, each quarter (cumulative to its end) has the programme's realisation
(:func:`~sejahtera.workbench.programmes.realisation.realisation`: financial and physical) and,
for each linked indicator, its whole-programme target for the year, the latest approved actual
whose period has ended by then (a quarter ``2025-Qn`` from that quarter on, the year ``2025`` in
the fourth quarter only) and the progress that actual makes towards the target
(:func:`.progress.progress`). Submitted, verified and rejected actuals never count, as on the
monitoring dashboard.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from sejahtera.workbench.monev.models import PERIOD, Actual, Indicator, Status
from sejahtera.workbench.monev.progress import period_key, progress
from sejahtera.workbench.programmes.access import visible_programmes
from sejahtera.workbench.programmes.charts import realisation_chart
from sejahtera.workbench.programmes.models import Programme
from sejahtera.workbench.programmes.realisation import realisation


@dataclass(frozen=True)
class Step:
    """One linked indicator at one quarter's end."""

    actual: Actual | None  # the latest approved actual reported by then
    progress: float | None  # towards the year's target (1.0: reached); None without both


@dataclass(frozen=True)
class Track:
    """One linked indicator through the year: its target and a :class:`Step` a quarter."""

    indicator: Indicator
    target: Decimal | None  # the year's whole-programme target
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Quarter:
    """A quarter's realisation (a row of ``realisation()``) and each track's step then."""

    row: dict[str, object]
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Beside:
    """A programme's year by quarter with the indicators linked to its budget."""

    programme: Programme
    year: int
    rows: tuple[dict[str, object], ...]  # realisation(year, programme): quarters 1–4
    tracks: tuple[Track, ...]

    @property
    def quarters(self) -> list[Quarter]:
        return [
            Quarter(row, tuple(track.steps[index] for track in self.tracks))
            for index, row in enumerate(self.rows)
        ]


def ended_by(period: str, year: int, quarter: int) -> bool:
    """Whether an actual for ``period`` reports on ``year`` by the end of ``quarter``."""
    match = PERIOD.match(period)
    if match is None or int(match["year"]) != year:
        return False
    return int(match["quarter"] or 4) <= quarter


def track(indicator: Indicator, year: int, rows: Sequence[dict[str, object]]) -> Track:
    """``indicator`` at the end of each quarter of ``rows``."""
    target = (
        indicator.targets.filter(period=str(year), region=None)
        .values_list("value", flat=True)
        .first()
    )
    approved = list(
        indicator.actuals.filter(status=Status.APPROVED, region=None, period__startswith=str(year))
    )
    steps = []
    for row in rows:
        quarter = int(row["quarter"])  # type: ignore[call-overload]
        actual = _latest(a for a in approved if ended_by(a.period, year, quarter))
        made = (
            None
            if target is None or actual is None
            else progress(indicator.baseline_value, target, actual.value, indicator.direction)
        )
        steps.append(Step(actual, made))
    return Track(indicator, target, tuple(steps))


def _latest(actuals: Iterable[Actual]) -> Actual | None:
    def recency(actual: Actual) -> tuple[tuple[int, int, int], float, int]:
        approved = actual.approved_at.timestamp() if actual.approved_at else 0.0
        return period_key(actual.period), approved, actual.pk

    return max(actuals, key=recency, default=None)


def of_indicator(indicator: Indicator, year: int, user: User | AnonymousUser) -> Beside | None:
    """``indicator`` beside its linked programme's realisation in ``year``; None when it is
    linked to none, or to one ``user`` does not see."""
    programme = indicator.budget_programme
    if programme is None or not visible_programmes(user).filter(pk=programme.pk).exists():
        return None
    rows = tuple(realisation(year, programme))
    return Beside(programme, year, rows, (track(indicator, year, rows),))


def of_programme(programme: Programme, year: int, user: User | AnonymousUser) -> Beside:
    """``programme``'s realisation in ``year`` with every indicator linked to its budget that
    ``user`` sees (an indicator of a programme ``user`` does not see is left out)."""
    rows = tuple(realisation(year, programme))
    tracks = tuple(track(i, year, rows) for i in linked(programme, user))
    return Beside(programme, year, rows, tracks)


def linked(programme: Programme, user: User | AnonymousUser) -> QuerySet[Indicator]:
    """The indicators linked to ``programme``'s budget, of the programmes ``user`` sees."""
    return Indicator.objects.filter(
        budget_programme=programme, result__programme__in=visible_programmes(user)
    ).order_by("code")


def chart(shown: Beside) -> SafeString | None:
    """The realisation chart (financial, physical) with each indicator's progress beside."""
    lines = {
        _("Progress of %(code)s") % {"code": t.indicator.code}: [
            (int(row["quarter"]), step.progress)  # type: ignore[call-overload]
            for row, step in zip(shown.rows, t.steps, strict=True)
        ]
        for t in shown.tracks
    }
    title = _("%(programme)s %(year)s: budget realisation and indicators") % {
        "programme": shown.programme.name,
        "year": shown.year,
    }
    return realisation_chart(shown.rows, title, lines)


def years(programme: Programme | None, indicators: Iterable[Indicator] = ()) -> list[int]:
    """The years worth choosing: of the programme's budgets and of the indicators' targets
    and actuals."""
    found: set[int] = set()
    if programme is not None:
        found |= set(programme.budgets.values_list("year", flat=True))
    for indicator in indicators:
        periods = [*indicator.targets.values_list("period", flat=True)]
        periods += indicator.actuals.values_list("period", flat=True)
        found |= {int(p[:4]) for p in periods if p[:4].isdigit()}
    return sorted(found)


def chosen_year(asked: str, offered: list[int], today: int) -> int:
    """The year asked for when it is offered; otherwise the latest offered up to ``today``'s
    year, else ``today``'s."""
    if asked.isdigit() and int(asked) in offered:
        return int(asked)
    return max((y for y in offered if y <= today), default=today)
