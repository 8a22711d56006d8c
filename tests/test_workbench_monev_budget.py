"""A Monev indicator beside the budget realisation of the programme it is linked to, by quarter
(monev/budget.py): on the indicator's page and on the programme's progress dashboard. Every
share is worked out here from the records the test makes."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from sejahtera.workbench.core.roles import Role
from sejahtera.workbench.monev.budget import ended_by
from sejahtera.workbench.monev.models import Actual, Indicator, ResultNode, Status, Target
from sejahtera.workbench.programmes.models import Beneficiary, Budget, Cycle, Payment
from workbench_users import new_programme, signed_in

pytestmark = pytest.mark.django_db
PARTNER = "Yayasan A"
PAGU, LISTED = 2_000_000, 8


def indicator_of(programme, code: str, *, linked=None) -> Indicator:
    """An indicator of ``programme`` from a baseline of 40 (2024) to 60 in 2025."""
    result = ResultNode.objects.create(programme=programme, level="output", statement="r")
    indicator = Indicator.objects.create(
        result=result, code=code, name=f"Indikator {code}", definition="d", unit="%",
        baseline_value=Decimal("40"), baseline_year=2024, budget_programme=linked,
    )  # fmt: skip
    Target.objects.create(indicator=indicator, period="2025", value=Decimal("60"))
    return indicator


def actual(indicator: Indicator, period: str, value: str, status: str = Status.APPROVED) -> None:
    approved = status == Status.APPROVED
    Actual.objects.create(
        indicator=indicator, period=period, value=Decimal(value), source="laporan",
        status=status, approved_at=timezone.now() if approved else None,
    )  # fmt: skip


def spending(programme) -> None:
    """A 2025 pagu of 2,000,000 and a list of 8 households; 500,000 paid to 2 households in
    February and 700,000 to 4 more in August."""
    Budget.objects.create(programme=programme, year=2025, source="APBD", amount_rp=PAGU)
    cycle = Cycle.objects.create(programme=programme, name="2025", period="2025", benefit="b")
    Beneficiary.objects.bulk_create(
        Beneficiary(cycle=cycle, household_id=f"h{i}", region_code="34.01", desil=1, amount_rp=1)
        for i in range(LISTED)
    )
    for day, paid, households in ((datetime.date(2025, 2, 3), 500_000, 2),
                                  (datetime.date(2025, 8, 4), 700_000, 4)):  # fmt: skip
        Payment.objects.create(
            cycle=cycle, region_code="34.01", planned_rp=paid, paid_rp=paid,
            households=households, paid_on=day, channel="bank",
        )  # fmt: skip


@pytest.fixture
def linked():
    """Programme A (the partner's) spends; its indicator A-1 is linked to its budget, and so is
    B-1, an indicator of programme B that the partner does not see."""
    mine = new_programme("a", "Program A", (PARTNER,))
    other = new_programme("b", "Program B")
    spending(mine)
    a1 = indicator_of(mine, "A-1", linked=mine)
    actual(a1, "2025-Q1", "45")  # a quarter of the way by Q1
    actual(a1, "2025-Q2", "50")  # half by Q2
    actual(a1, "2025-Q3", "58", Status.SUBMITTED)  # not approved: never counts
    actual(a1, "2025", "62")  # the year's figure: counts in Q4 only
    actual(a1, "2024-Q4", "70")  # another year
    b1 = indicator_of(other, "B-1", linked=mine)
    actual(b1, "2025-Q3", "55")
    return mine, a1, b1


def rows(page: str) -> dict[int, str]:
    """quarter → its row of the budget table."""
    section = re.search(r'<section class="tile wide" id="budget".*?</section>', page, re.S)
    assert section is not None, "no budget section"
    found = re.findall(r'<tr data-quarter="(\d)">(.*?)</tr>', section.group(0), re.S)
    return {int(quarter): row for quarter, row in found}


def progress_of(row: str) -> list[float | None]:
    return [float(p) if p else None for p in re.findall(r'data-progress="([^"]*)"', row)]


def test_the_indicator_page_puts_its_progress_beside_each_quarter(linked) -> None:
    _, a1, _ = linked
    page = signed_in(Role.ANALYST).get(f"/monev/indicators/{a1.pk}/?year=2025")
    assert page.status_code == 200
    quarters = rows(page.text)
    assert sorted(quarters) == [1, 2, 3, 4]
    # Progress = (actual − 40) / (60 − 40), from the latest approved actual ended by then.
    expected = {1: (45 - 40) / 20, 2: (50 - 40) / 20, 3: (50 - 40) / 20, 4: (62 - 40) / 20}
    for quarter, share in expected.items():
        assert progress_of(quarters[quarter]) == [pytest.approx(share)], quarter
    # Financial: paid to date against the pagu; physical: households paid against the list.
    paid = {1: 500_000, 2: 500_000, 3: 1_200_000, 4: 1_200_000}
    households = {1: 2, 2: 2, 3: 6, 4: 6}
    for quarter in (1, 3):
        financial = f"{100 * paid[quarter] / PAGU:.1f}%".replace(".", ",")
        physical = f"{100 * households[quarter] / LISTED:.1f}%".replace(".", ",")
        cells = re.findall(r'<td class="n">([^<]*)</td>', quarters[quarter])
        assert cells[:3] == [f"{paid[quarter]:,}".replace(",", "."), financial, physical]
    assert "<svg" in page.text and "Kemajuan A-1" in page.text  # the chart, in Indonesian
    assert "Realisasi anggaran Program A, 2025" in page.text


def test_the_programme_dashboard_shows_every_linked_indicator_the_user_sees(linked) -> None:
    head = signed_in(Role.KEPALA).get("/monev/programmes/a/dashboard/?year=2025").text
    quarters = rows(head)
    assert progress_of(quarters[2]) == [pytest.approx(0.5), None]  # A-1; B-1 has nothing yet
    assert progress_of(quarters[3]) == [pytest.approx(0.5), pytest.approx((55 - 40) / 20)]
    partner = signed_in(Role.PARTNER, PARTNER).get("/monev/programmes/a/dashboard/?year=2025")
    assert partner.status_code == 200
    assert progress_of(rows(partner.text)[3]) == [pytest.approx(0.5)]
    assert "B-1" not in partner.text


def test_an_indicator_linked_to_a_budget_its_reader_cannot_see_shows_no_budget(linked) -> None:
    _, _, b1 = linked
    other = new_programme("c", "Program C", (PARTNER,))
    c1 = indicator_of(other, "C-1", linked=b1.result.programme)  # B: not the partner's
    page = signed_in(Role.PARTNER, PARTNER).get(f"/monev/indicators/{c1.pk}/").text
    assert 'id="budget"' not in page and "Program B" not in page


def test_an_unlinked_indicator_says_how_to_link_it(linked) -> None:
    mine, _, _ = linked
    lone = indicator_of(mine, "A-2")
    page = signed_in(Role.OFFICER).get(f"/monev/indicators/{lone.pk}/").text
    assert 'id="budget"' not in page
    assert "belum ditautkan ke anggaran sebuah program" in page


def test_a_year_not_offered_falls_back_to_the_latest_up_to_this_year(linked) -> None:
    _, a1, _ = linked
    page = signed_in(Role.ANALYST).get(f"/monev/indicators/{a1.pk}/?year=1990").text
    assert "Realisasi anggaran Program A, 2025" in page  # 2024 and 2025 offered, 2025 latest
    assert '<option value="2024">2024</option>' in page


def test_a_new_indicator_is_linked_to_its_own_programme_unless_changed(linked) -> None:
    mine, a1, _ = linked
    client = signed_in(Role.OFFICER)
    form = client.get(f"/monev/results/{a1.result.pk}/indicators/new/").text
    assert re.search(rf'<option value="{mine.pk}" selected>Program A</option>', form)
    fields = {
        "code": "A-9", "name": "Baru", "definition": "d", "unit": "%", "direction": "higher",
        "baseline_value": "1", "baseline_year": "2024", "budget_programme": "",
    }  # fmt: skip
    assert client.post(f"/monev/results/{a1.result.pk}/indicators/new/", fields).status_code == 302
    assert Indicator.objects.get(code="A-9").budget_programme is None


@pytest.mark.parametrize(
    ("period", "quarter", "counted"),
    [
        ("2025-Q1", 1, True),
        ("2025-Q2", 1, False),
        ("2025-Q2", 4, True),
        ("2025", 3, False),
        ("2025", 4, True),
        ("2024-Q1", 4, False),
        ("2026", 4, False),
    ],
)
def test_an_actual_counts_from_the_quarter_its_period_ends(period, quarter, counted) -> None:
    assert ended_by(period, 2025, quarter) is counted
