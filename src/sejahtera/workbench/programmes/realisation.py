"""A cycle's totals by kabupaten/kota: its list, what was planned and paid, and realisation
(paid over planned, a fraction; ``None`` where nothing was planned)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum

from sejahtera.workbench.programmes.models import Cycle

ZERO = Decimal(0)


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
