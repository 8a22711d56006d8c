"""The programmes of the DI Yogyakarta demo: the two programmes the stakeholders demo names (made
here if missing), their APBD budgets, and, when a dataset is configured, one generated and frozen
cycle of the food programme with a few payments. Loading again adds nothing twice. The demo's
cycle is seed data written directly, not a person's work: on the pages, generating, freezing and
paying each need a second person's approval (:mod:`.approvals`)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from sejahtera.workbench.programmes.generation import freeze, generate
from sejahtera.workbench.programmes.models import Budget, Channel, Cycle, CycleStatus, Payment
from sejahtera.workbench.programmes.realisation import by_region
from sejahtera.workbench.stakeholders.demo import FOOD, SCHOLARSHIPS, demo_programmes

DETAILS = {
    FOOD: {
        "objectives": "Menurunkan kerawanan pangan rumah tangga desil 1–4.",
        "legal_basis": "Peraturan Bupati (contoh) tentang Bantuan Sosial Pangan Daerah.",
        "ruleset": "indonesia",
    },
    SCHOLARSHIPS: {
        "objectives": "Menjaga anak dari keluarga miskin tetap bersekolah.",
        "legal_basis": "Peraturan Daerah (contoh) tentang Penyelenggaraan Pendidikan.",
        "ruleset": "indonesia",
    },
}
BUDGETS = {FOOD: (2025, 12_000_000_000), SCHOLARSHIPS: (2025, 4_500_000_000)}
CYCLE_NAME, CYCLE_PERIOD, CYCLE_BENEFIT = "2025 tahap 1", "2025-01", "sembako"
PAID_SHARE = Decimal("0.9")  # the demo's payments: 90% of each area's amount, in two areas


@dataclass(frozen=True)
class Loaded:
    programmes: int
    budgets: int
    beneficiaries: int | None  # None: no dataset, no cycle generated
    payments: int


@transaction.atomic
def load() -> Loaded:
    programmes = demo_programmes()
    for code, programme in programmes.items():
        changed = [name for name, value in DETAILS[code].items() if not getattr(programme, name)]
        for name in changed:
            setattr(programme, name, DETAILS[code][name])
        if changed:
            programme.save(update_fields=changed)
        year, amount = BUDGETS[code]
        Budget.objects.get_or_create(
            programme=programme, year=year, source="APBD", defaults={"amount_rp": amount}
        )
    cycle, _ = Cycle.objects.get_or_create(
        programme=programmes[FOOD],
        name=CYCLE_NAME,
        defaults={"period": CYCLE_PERIOD, "benefit": CYCLE_BENEFIT},
    )
    if cycle.editable_list:
        if not settings.DATASET:
            return Loaded(len(programmes), Budget.objects.count(), None, 0)
        generate(cycle, settings.DATASET)
        cycle.refresh_from_db()
        freeze(cycle, cycle.version)
        cycle.refresh_from_db()
    if cycle.status == CycleStatus.FROZEN and not cycle.payments.exists():
        _pay(cycle)
    return Loaded(
        len(programmes), Budget.objects.count(), cycle.beneficiaries.count(), cycle.payments.count()
    )


def _pay(cycle: Cycle) -> None:
    for number, row in enumerate(by_region(cycle)[:2]):
        if not row.region_code:
            break
        Payment.objects.create(
            cycle=cycle,
            region_code=row.region_code,
            planned_rp=row.listed_rp,
            paid_rp=(row.listed_rp * PAID_SHARE).quantize(Decimal(1)),
            households=int(row.households * PAID_SHARE),
            paid_on=datetime.date(2025, 1, 20 + number),
            channel=Channel.BANK,
            note="Penyaluran demo",
        )
