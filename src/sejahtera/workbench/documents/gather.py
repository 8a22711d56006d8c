"""The LP2KD's input from the workbench's records, as plain data for the core
(:class:`sejahtera.report.planning.lp2kd.Lp2kdInput`): each programme's budget by funder and its
realisation to the year's end (programmes/realisation.py, the realisation page's own figures),
the indicators' yearly targets and approved actuals (monev), the consultations held in the year
with their inputs and follow-ups. Records are read as the user who asked sees them."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from sejahtera.report.planning.lp2kd import IndicatorResult, Lp2kdInput, Meeting, ProgrammeYear
from sejahtera.workbench.consultations.access import visible_consultations
from sejahtera.workbench.monev.models import Direction, Indicator, Status
from sejahtera.workbench.programmes.access import visible_programmes
from sejahtera.workbench.programmes.realisation import realisation

YEAR_END = 4  # the quarter whose cumulative figures are the year's


def programmes(user: Any, year: int) -> list[ProgrammeYear]:
    """Each programme with a budget, cycle or payment in ``year``: its pagu by funder, what was
    paid and how many households were paid, of how many listed, to the year's end."""
    shown = visible_programmes(user)
    sipd = {p.code: p.sipd_sub_kegiatan or p.sipd_kegiatan or p.sipd_program for p in shown}
    return [
        ProgrammeYear(
            year=year,
            code=row["code"],
            name=row["name"],
            budget_rp={source: int(rp) for source, rp in row["pagu_by_source_rp"].items()},
            paid_rp=int(row["paid_rp"]),
            target_households=int(row["target_households"]),
            paid_households=int(row["paid_households"]),
            sipd=sipd.get(row["code"], ""),
        )
        for row in realisation(year, among=shown)
        if row["quarter"] == YEAR_END
    ]


def indicators(user: Any, year: int) -> list[IndicatorResult]:
    """Indicators with a target for the whole area in ``year``, and their approved actual."""
    period = str(year)
    found = (
        Indicator.objects.filter(
            result__programme__in=visible_programmes(user),
            targets__period=period,
            targets__region__isnull=True,
        )
        .select_related("result__programme")
        .distinct()
    )
    out = []
    for indicator in found.order_by("result__programme__name", "code"):
        target = indicator.targets.get(period=period, region__isnull=True)
        actual = indicator.actuals.filter(
            period=period, region__isnull=True, status=Status.APPROVED
        ).first()
        out.append(
            IndicatorResult(
                code=indicator.code,
                name=indicator.name,
                programme=indicator.result.programme.name,
                unit=indicator.unit,
                target=float(target.value),
                actual=None if actual is None else float(actual.value),
                higher_is_better=indicator.direction == Direction.HIGHER,
            )
        )
    return out


def meetings(user: Any, year: int) -> list[Meeting]:
    found = (
        visible_consultations(user)
        .filter(date__year=year)
        .select_related("region", "programme")
        .annotate(
            n_inputs=Count("inputs", distinct=True),
            done=Count("follow_ups", filter=Q(follow_ups__done_at__isnull=False), distinct=True),
            open=Count("follow_ups", filter=Q(follow_ups__done_at__isnull=True), distinct=True),
        )
        .order_by("date", "title")
    )
    return [
        Meeting(
            held_on=meeting.date.isoformat(),
            title=meeting.title,
            kind=str(meeting.get_kind_display()),
            place=meeting.region.name if meeting.region else "",
            programme=meeting.programme.name if meeting.programme else "",
            inputs=meeting.n_inputs,
            follow_ups_done=meeting.done,
            follow_ups_open=meeting.open,
        )
        for meeting in found
    ]


def lp2kd_input(user: Any, arguments: dict[str, Any]) -> Lp2kdInput:
    """The whole input for the year ``arguments["year"]`` with the texts the form gave."""
    year = int(arguments["year"])
    return Lp2kdInput(
        region=arguments.get("region", ""),
        year=year,
        office=arguments.get("office", ""),
        programmes=programmes(user, year),
        indicators=indicators(user, year),
        meetings=meetings(user, year),
        problems=list(arguments.get("problems", [])),
        recommendations=list(arguments.get("recommendations", [])),
        prepared_by=user.get_full_name() or user.get_username() if user else "",
    )
