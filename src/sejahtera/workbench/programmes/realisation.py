"""Budget realisation (realisasi anggaran).

:func:`realisation`: a programme's year by quarter, financial (payments against the year's pagu)
and physical (households paid against the households on the year's lists), cumulative to each
quarter's end, the way an APBD realisation report reads. :func:`by_region`: one cycle's totals by
kabupaten/kota. Money is ``Decimal`` Rupiah summed by the database (no float in between); shares
are fractions, ``None`` where the denominator is zero.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Min, Q, QuerySet, Sum
from django.db.models.functions import ExtractQuarter

from sejahtera.workbench.programmes.models import Budget, Cycle, Payment, Programme

ZERO = Decimal(0)
QUARTERS = (1, 2, 3, 4)


def quarter_end(year: int, quarter: int) -> datetime.date:
    """The last day of ``quarter`` (1–4) of ``year``."""
    following = datetime.date(year + quarter // 4, quarter % 4 * 3 + 1, 1)
    return following - datetime.timedelta(days=1)


def _share(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    return Decimal(part) / Decimal(whole) if whole else None


def realisation(
    year: int,
    programme: Programme | None = None,
    *,
    among: QuerySet[Programme] | None = None,
) -> list[dict[str, object]]:
    """Each programme's realisation in ``year``, one row per quarter (1–4), programmes by name.

    Only ``programme`` when given (its four rows even when it has nothing that year); otherwise
    every programme (of ``among``: the ones a user sees) with a budget line, a cycle or a
    payment in the year. A row's keys:

    - ``code``, ``name``, ``quarter``, ``quarter_end`` (a date);
    - ``pagu_rp``: the year's budget lines summed; ``pagu_by_source_rp``: {source: Rupiah};
    - ``planned_rp``, ``paid_rp``: the programme's payments dated from 1 January to the
      quarter's end (whatever cycle they pay);
    - ``financial_share``: ``paid_rp / pagu_rp``;
    - ``target_households``: households on the lists of the year's cycles (a cycle whose period
      is the year or one of its months), each household once per cycle;
    - ``paid_households``: households paid to the quarter's end: a payment to one beneficiary
      counts its household once per cycle (at its first payment), a batch counts the households
      it records; a payment of nothing counts none;
    - ``physical_share``: ``paid_households / target_households``.
    """
    programmes = among if among is not None else Programme.objects.all()
    if programme is not None:
        programmes = programmes.filter(pk=programme.pk)
    budgets = Budget.objects.filter(year=year, programme__in=programmes)
    cycles = Cycle.objects.filter(
        Q(period=str(year)) | Q(period__startswith=f"{year}-"), programme__in=programmes
    )
    payments = Payment.objects.filter(paid_on__year=year, cycle__programme__in=programmes)

    pagu: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for row in budgets.order_by().values("programme", "source").annotate(rp=Sum("amount_rp")):
        pagu[row["programme"]][row["source"]] = row["rp"]
    target: dict[int, int] = {
        row["programme"]: row["n"]
        for row in cycles.order_by().values("programme").annotate(n=Count("beneficiaries"))
    }
    money: dict[tuple[int, int], tuple[Decimal, Decimal]] = {
        (row["cycle__programme"], row["q"]): (row["planned"], row["paid"])
        for row in payments.order_by()
        .annotate(q=ExtractQuarter("paid_on"))
        .values("cycle__programme", "q")
        .annotate(planned=Sum("planned_rp"), paid=Sum("paid_rp"))
    }
    reached = _households_paid(payments)

    shown = set(pagu) | set(target) | {key[0] for key in money} | {key[0] for key in reached}
    if programme is not None:
        shown = {programme.pk}
    rows = []
    for each in programmes.filter(pk__in=shown).order_by("name", "code"):
        sources = dict(sorted(pagu.get(each.pk, {}).items()))
        total = sum(sources.values(), ZERO)
        planned = paid = ZERO
        households = 0
        for quarter in QUARTERS:
            planned_q, paid_q = money.get((each.pk, quarter), (ZERO, ZERO))
            planned, paid = planned + planned_q, paid + paid_q
            households += reached.get((each.pk, quarter), 0)
            rows.append(
                {
                    "code": each.code,
                    "name": each.name,
                    "quarter": quarter,
                    "quarter_end": quarter_end(year, quarter),
                    "pagu_rp": total,
                    "pagu_by_source_rp": sources,
                    "planned_rp": planned,
                    "paid_rp": paid,
                    "financial_share": _share(paid, total),
                    "target_households": target.get(each.pk, 0),
                    "paid_households": households,
                    "physical_share": _share(households, target.get(each.pk, 0)),
                }
            )
    return rows


def _households_paid(payments: QuerySet[Payment]) -> dict[tuple[int, int], int]:
    """Households first paid in each (programme, quarter): beneficiaries paid one by one, each
    once per cycle at its first payment, plus the households the batches record."""
    reached: dict[tuple[int, int], int] = defaultdict(int)
    paid = payments.filter(paid_rp__gt=0).order_by()
    for row in (
        paid.exclude(beneficiary=None)
        .values("cycle__programme", "cycle", "beneficiary")
        .annotate(first=Min("paid_on"))
    ):
        reached[(row["cycle__programme"], (row["first"].month + 2) // 3)] += 1
    for row in (
        paid.filter(beneficiary=None)
        .annotate(q=ExtractQuarter("paid_on"))
        .values("cycle__programme", "q")
        .annotate(n=Sum("households"))
    ):
        reached[(row["cycle__programme"], row["q"])] += row["n"] or 0
    return reached


@dataclass(frozen=True)
class RegionRow:
    region_code: str
    households: int
    listed_rp: Decimal
    planned_rp: Decimal
    paid_rp: Decimal

    @property
    def realisation(self) -> float | None:
        return float(self.paid_rp / self.planned_rp) if self.planned_rp else None

    @property
    def realisation_percent(self) -> float | None:
        return None if self.realisation is None else 100 * self.realisation


def by_region(cycle: Cycle) -> list[RegionRow]:
    """One row per kabupaten/kota on the list or paid in, then a total row (code "")."""
    listed = {
        row["region_code"]: row
        for row in cycle.beneficiaries.order_by()
        .values("region_code")
        .annotate(n=Count("pk"), amount=Sum("amount_rp"))
    }
    paid = {
        row["region_code"]: row
        for row in cycle.payments.order_by()
        .values("region_code")
        .annotate(planned=Sum("planned_rp"), paid=Sum("paid_rp"))
    }
    rows = [
        RegionRow(
            code,
            listed.get(code, {}).get("n", 0),
            listed.get(code, {}).get("amount") or ZERO,
            paid.get(code, {}).get("planned") or ZERO,
            paid.get(code, {}).get("paid") or ZERO,
        )
        for code in sorted(set(listed) | set(paid))
    ]
    total = RegionRow(
        "",
        sum(r.households for r in rows),
        sum((r.listed_rp for r in rows), ZERO),
        sum((r.planned_rp for r in rows), ZERO),
        sum((r.paid_rp for r in rows), ZERO),
    )
    return [*rows, total]
