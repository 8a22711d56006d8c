"""Budget realisation by programme and quarter (programmes/realisation.py), against sums worked
out by hand from records built here: budgets, cycles and their lists, payments in batches and to
single beneficiaries, inside and outside the year."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from sejahtera.workbench.programmes.models import Beneficiary, Budget, Cycle, Payment, Programme
from sejahtera.workbench.programmes.realisation import quarter_end, realisation
from workbench_users import new_programme

pytestmark = pytest.mark.django_db
# Rp 123 trillion and 1 Rupiah: sums stay exact Decimal. (15 significant digits is what Django
# reads back exactly from SQLite, which holds Rp 999 trillion: more than any APBD.)
BIG = 123_456_789_012_345


def listed(cycle: Cycle, *households: str) -> list[Beneficiary]:
    return [
        Beneficiary.objects.create(
            cycle=cycle, household_id=h, region_code="34.01", amount_rp=100_000
        )
        for h in households
    ]


def paid(cycle: Cycle, on: str, planned: int, amount: int, **fields: object) -> Payment:
    return Payment.objects.create(
        cycle=cycle,
        region_code="34.01",
        planned_rp=planned,
        paid_rp=amount,
        paid_on=datetime.date.fromisoformat(on),
        channel="bank",
        **fields,
    )


@pytest.fixture
def food() -> Programme:
    """Pangan in 2025: pagu APBD 1.000.000 + APBN BIG; lists of 3 (January) and 2 (the year);
    batches and single payments through the year, and records of 2024 and 2026 to leave out."""
    food = new_programme("pangan", "Bantuan Pangan")
    Budget.objects.create(programme=food, year=2025, source="APBD", amount_rp=1_000_000)
    Budget.objects.create(programme=food, year=2025, source="APBN", amount_rp=BIG)
    Budget.objects.create(programme=food, year=2024, source="APBD", amount_rp=7)
    january = Cycle.objects.create(programme=food, name="t1", period="2025-01", benefit="sembako")
    year = Cycle.objects.create(programme=food, name="t2", period="2025", benefit="sembako")
    old = Cycle.objects.create(programme=food, name="t0", period="2024-12", benefit="sembako")
    listed(january, "a", "b", "c")
    a, b = listed(year, "a", "b")
    listed(old, "a", "b", "c", "d")
    paid(january, "2025-02-10", 300_000, 250_000, households=3)  # Q1 batch
    paid(january, "2025-03-31", 40, 30, households=2)  # Q1, its last day
    paid(year, "2025-04-01", 100_000, 100_000, beneficiary=a)  # Q2
    paid(year, "2025-05-01", 100_000, 50_000, beneficiary=a)  # Q2, a again: one household
    paid(year, "2025-05-02", 100_000, 0, beneficiary=b)  # nothing paid: nobody reached
    paid(year, "2025-11-30", 0, BIG, households=1)  # Q4 batch
    paid(old, "2024-12-20", 999, 999, households=4)  # last year
    paid(year, "2026-01-02", 999, 999, households=4)  # next year
    return food


def test_quarters_end_on_their_last_day() -> None:
    assert [quarter_end(2024, q) for q in (1, 2, 3, 4)] == [
        datetime.date(2024, 3, 31),
        datetime.date(2024, 6, 30),
        datetime.date(2024, 9, 30),
        datetime.date(2024, 12, 31),
    ]


def test_realisation_by_quarter_matches_the_hand_sums(food: Programme) -> None:
    rows = realisation(2025, food)
    assert [r["quarter"] for r in rows] == [1, 2, 3, 4]
    pagu = Decimal(1_000_000 + BIG)
    for row in rows:
        assert (row["code"], row["name"]) == ("pangan", "Bantuan Pangan")
        assert row["pagu_rp"] == pagu
        assert row["pagu_by_source_rp"] == {"APBD": Decimal(1_000_000), "APBN": Decimal(BIG)}
        assert row["target_households"] == 5  # 3 on January's list, 2 on the year's
    q1_paid, q2_paid = 250_030, 250_030 + 150_000
    expected = [  # planned, paid, households reached (cumulative)
        (300_040, q1_paid, 5),
        (300_040 + 300_000, q2_paid, 6),
        (300_040 + 300_000, q2_paid, 6),
        (300_040 + 300_000, q2_paid + BIG, 7),
    ]
    for row, (planned, money, households) in zip(rows, expected, strict=True):
        assert (row["planned_rp"], row["paid_rp"]) == (Decimal(planned), Decimal(money))
        assert row["paid_households"] == households
        assert row["financial_share"] == Decimal(money) / pagu
        assert row["physical_share"] == Decimal(households) / 5
    assert isinstance(rows[3]["paid_rp"], Decimal)
    assert rows[3]["paid_rp"] - BIG == q2_paid  # to the Rupiah


def test_every_programme_active_in_the_year_by_name(food: Programme) -> None:
    school = new_programme("beasiswa", "Beasiswa Desa")
    Budget.objects.create(programme=school, year=2025, source="APBD", amount_rp=10)
    new_programme("kosong", "Akan Datang")  # nothing in 2025: left out
    rows = realisation(2025)
    assert [(r["code"], r["quarter"]) for r in rows] == [
        *(("pangan", q) for q in (1, 2, 3, 4)),  # Bantuan Pangan
        *(("beasiswa", q) for q in (1, 2, 3, 4)),  # Beasiswa Desa
    ]
    school_q4 = rows[7]
    assert school_q4["paid_rp"] == 0 and school_q4["financial_share"] == 0
    assert school_q4["target_households"] == 0 and school_q4["physical_share"] is None
    only = realisation(2025, among=Programme.objects.filter(code="beasiswa"))
    assert {r["code"] for r in only} == {"beasiswa"}


def test_a_programme_asked_for_has_its_quarters_even_when_empty(food: Programme) -> None:
    rows = realisation(2023, food)
    assert len(rows) == 4
    assert all(r["pagu_rp"] == 0 and r["financial_share"] is None for r in rows)
    assert all(r["paid_households"] == 0 and r["physical_share"] is None for r in rows)
    assert realisation(2023) == []


def test_shares_are_written_as_percentages_in_the_pages_language() -> None:
    from django.utils import translation

    from sejahtera.workbench.core.templatetags.numbers import share

    with translation.override("id"):
        assert share(Decimal(1) / 8, 1) == "12,5%" and share(None) == "–"
    with translation.override("en"):
        assert share(0.125, 1) == "12.5%" and share(1, 0) == "100%"
