"""The head's dashboard: one screen of tiles, each read from its app's own logic and through its
app's access helpers, so that a partner counts only the records it may open.

- budget realisation: :func:`sejahtera.workbench.programmes.realisation.realisation`;
- indicators off track: the monitoring dashboard's rule (:mod:`sejahtera.workbench.monev.progress`);
- grievances open and past their due date: the grievances app's ``OPEN`` statuses and ``due_at``;
- consultation follow-ups due: open follow-ups due within :data:`DUE_SOON_DAYS` or overdue.

The poverty headline is :mod:`.poverty`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from operator import itemgetter
from typing import Any, Final

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Q
from django.utils import timezone

from sejahtera.workbench.consultations.access import visible_consultations
from sejahtera.workbench.consultations.models import FollowUp
from sejahtera.workbench.grievances import access as grievance_access
from sejahtera.workbench.grievances.models import OPEN
from sejahtera.workbench.monev.models import Actual, Indicator, Status, Target
from sejahtera.workbench.monev.progress import row as progress_row
from sejahtera.workbench.programmes.access import visible_programmes
from sejahtera.workbench.programmes.models import Budget, Programme
from sejahtera.workbench.programmes.realisation import realisation

DUE_SOON_DAYS: Final = 14
QUARTERS: Final = (1, 2, 3, 4)


# Budget realisation -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Quarter:
    quarter: int
    paid_rp: Decimal
    financial_share: Decimal | None
    paid_households: int
    physical_share: Decimal | None


@dataclass(frozen=True)
class ProgrammeYear:
    code: str
    name: str
    pagu_rp: Decimal
    target_households: int
    quarters: tuple[Quarter, ...]
    indicators: int = 0  # Monev indicators linked to its budget (monev/budget.py)

    @property
    def to_date(self) -> Quarter:
        """The year so far (the last quarter's cumulative figures)."""
        return self.quarters[-1]


@dataclass(frozen=True)
class Realisation:
    year: int
    years: tuple[int, ...]  # the years with a budget line, for the choice of year
    programmes: tuple[ProgrammeYear, ...]

    @property
    def pagu_rp(self) -> Decimal:
        return sum((p.pagu_rp for p in self.programmes), Decimal(0))

    @property
    def paid_rp(self) -> Decimal:
        return sum((p.to_date.paid_rp for p in self.programmes), Decimal(0))

    @property
    def financial_share(self) -> Decimal | None:
        return self.paid_rp / self.pagu_rp if self.pagu_rp else None

    @property
    def physical_share(self) -> Decimal | None:
        target = sum(p.target_households for p in self.programmes)
        paid = sum(p.to_date.paid_households for p in self.programmes)
        return Decimal(paid) / Decimal(target) if target else None


def budget_years(user: User | AnonymousUser) -> tuple[int, ...]:
    """The years with a budget line of a programme ``user`` sees, newest first."""
    years = Budget.objects.filter(programme__in=visible_programmes(user)).values_list("year")
    return tuple(sorted({year for (year,) in years}, reverse=True))


def default_year(years: tuple[int, ...], today: datetime.date) -> int:
    """The budget year to show first: this year when it has a budget, else the latest year
    with one before it, else this year."""
    return next((year for year in years if year <= today.year), today.year)


def budget_realisation(
    user: User | AnonymousUser, year: int, years: tuple[int, ...] | None = None
) -> Realisation:
    """Pagu against realisation, financial and physical, by quarter, of the programmes
    ``user`` sees; ``years``: their :func:`budget_years` when already known."""
    seen = visible_programmes(user)
    by_programme: dict[str, list[dict[str, Any]]] = {}
    for row in realisation(year, among=seen):
        by_programme.setdefault(row["code"], []).append(row)
    linked = dict(
        Indicator.objects.filter(
            budget_programme__code__in=by_programme, result__programme__in=seen
        )
        .order_by()
        .values_list("budget_programme__code")
        .annotate(Count("pk"))
    )
    shown = tuple(
        ProgrammeYear(
            code=code,
            name=rows[0]["name"],
            pagu_rp=rows[0]["pagu_rp"],
            target_households=rows[0]["target_households"],
            quarters=tuple(_quarter(row) for row in sorted(rows, key=itemgetter("quarter"))),
            indicators=linked.get(code, 0),
        )
        for code, rows in by_programme.items()
    )
    return Realisation(year, budget_years(user) if years is None else years, shown)


def _quarter(row: dict[str, Any]) -> Quarter:
    return Quarter(
        quarter=row["quarter"],
        paid_rp=row["paid_rp"],
        financial_share=row["financial_share"],
        paid_households=row["paid_households"],
        physical_share=row["physical_share"],
    )


# Monitoring ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgrammeTrack:
    programme: Programme
    indicators: int  # with a target and an approved actual to compare with it
    off_track: int


@dataclass(frozen=True)
class Tracking:
    programmes: tuple[ProgrammeTrack, ...]  # those with indicators, most off track first

    @property
    def indicators(self) -> int:
        return sum(p.indicators for p in self.programmes)

    @property
    def off_track(self) -> int:
        return sum(p.off_track for p in self.programmes)


def tracking(user: User | AnonymousUser) -> Tracking:
    """Indicators off track in each programme ``user`` sees, by the monitoring app's rule
    (:func:`~sejahtera.workbench.monev.progress.row`, as its progress dashboard applies it),
    in three queries whatever the number of programmes."""
    indicators = Indicator.objects.filter(
        result__programme__in=visible_programmes(user)
    ).select_related("result__programme")
    targets: dict[int, list[Target]] = {}
    for target in Target.objects.filter(indicator__in=indicators).order_by():
        targets.setdefault(target.indicator_id, []).append(target)
    approved: dict[int, list[Actual]] = {}
    for actual in Actual.objects.filter(indicator__in=indicators, status=Status.APPROVED):
        approved.setdefault(actual.indicator_id, []).append(actual)
    counts: dict[Programme, list[int]] = {}
    for indicator in indicators:
        count = counts.setdefault(indicator.result.programme, [0, 0])
        rows = []
        for target in targets.get(indicator.pk, ()):
            target.indicator = indicator  # row() reads the baseline and direction from it
            rows.append(progress_row(target, approved.get(indicator.pk, ())))
        count[0] += any(row.state != "no_data" for row in rows)  # measured against a target
        count[1] += any(row.state == "off_track" for row in rows)
    tracks = [ProgrammeTrack(p, n, off) for p, (n, off) in counts.items()]
    tracks.sort(key=lambda t: (-t.off_track, t.programme.name))
    return Tracking(tuple(tracks))


# Grievances ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grievances:
    open: int
    overdue: int


def grievances(user: User | AnonymousUser, now: datetime.datetime | None = None) -> Grievances:
    """Grievances ``user`` sees that are open, and those of them past their due date."""
    counts = (
        grievance_access.visible(user)
        .filter(status__in=OPEN)
        .aggregate(
            open=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now or timezone.now()))
        )
    )
    return Grievances(counts["open"], counts["overdue"])


# Consultation follow-ups ------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUps:
    due: int  # open and due within DUE_SOON_DAYS, or overdue
    overdue: int
    open: int


def follow_ups(user: User | AnonymousUser, today: datetime.date | None = None) -> FollowUps:
    """Open follow-ups of the consultations ``user`` sees: due soon, overdue, in all."""
    today = today or timezone.localdate()
    soon = today + datetime.timedelta(days=DUE_SOON_DAYS)
    counts = FollowUp.objects.filter(
        consultation__in=visible_consultations(user), done_at=None
    ).aggregate(
        open=Count("pk"),
        due=Count("pk", filter=Q(due_date__lte=soon)),
        overdue=Count("pk", filter=Q(due_date__lt=today)),
    )
    return FollowUps(counts["due"], counts["overdue"], counts["open"])


def realisation_chart(shown: Realisation) -> str:
    """The profile's bar chart of each programme's financial realisation so far, the
    programmes' together as the reference line; "" with fewer than two programmes."""
    from django.utils.translation import gettext as _

    from sejahtera.report.charts import bar_chart
    from sejahtera.report.svg import number_format

    if len(shown.programmes) < 2:
        return ""
    shares = [p.to_date.financial_share for p in shown.programmes]
    overall = shown.financial_share
    return bar_chart(
        [p.name for p in shown.programmes],
        [None if share is None else float(share) for share in shares],
        title=_("Financial realisation so far, by programme"),
        fmt=number_format(1, percent=True),
        reference=None if overall is None else float(overall),
        reference_label=_("All programmes"),
    )
