"""The head's dashboard (/dashboard/): the poverty headline equals the core's measurement of the
dataset version it names, computed once per version in a job; each tile counts the records a
user may see (made here, so every count is known), and a partner counts only its own."""

from __future__ import annotations

import csv
import datetime
import re
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from django.utils import timezone

import sejahtera
from sejahtera.data.dataset import Dataset as DataFolder
from sejahtera.workbench.consultations.models import Consultation, FollowUp
from sejahtera.workbench.core import poverty
from sejahtera.workbench.core.models import Job, JobState
from sejahtera.workbench.core.roles import Role
from sejahtera.workbench.datasets import services
from sejahtera.workbench.grievances.models import Grievance, Status
from sejahtera.workbench.monev.models import Actual, Indicator, ResultNode, Target
from sejahtera.workbench.monev.models import Status as ActualStatus
from sejahtera.workbench.programmes.models import Budget, Cycle, Payment
from workbench_queue import DATABASE_TASKS, work_off
from workbench_users import new_programme, signed_in

pytestmark = pytest.mark.django_db
INDICATORS = ("fgt0", "poor_count", "fgt1", "gini")
PARTNER = "Yayasan A"


@pytest.fixture(autouse=True)
def _fresh(settings, tmp_path: Path) -> None:
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.DATASET = None
    settings.PROFILES = None
    settings.DATASETS_ROOT = tmp_path / "datasets"


@pytest.fixture
def version(diy: DataFolder):
    """The suite's synthetic DI Yogyakarta as the office's current dataset version."""
    return services.register(diy.path, name="DTSEN DIY (uji)").version


def shown_figures(page: str) -> dict[str, float]:
    """indicator → the estimate the poverty tile gives (its data-estimate attribute)."""
    found = re.findall(r'data-indicator="(\w+)" data-estimate="([^"]+)"', page)
    return {name: float(value) for name, value in found}


def count(page: str, tile: str) -> int:
    """The headline number of the tile with id ``tile``."""
    section = re.search(rf'<section class="tile[^"]*" id="{tile}".*?</section>', page, re.S)
    assert section is not None, f"no {tile} tile"
    return int(re.search(r'data-count="(\d+)"', section.group(0)).group(1))  # type: ignore[union-attr]


def overdue(page: str, tile: str) -> int:
    section = re.search(rf'id="{tile}".*?</section>', page, re.S).group(0)  # type: ignore[union-attr]
    return int(re.search(r'data-overdue="(\d+)"', section).group(1))  # type: ignore[union-attr]


# The poverty headline ---------------------------------------------------------------------------


def plain_figures(folder: Path, regency: str | None = None) -> dict[str, float]:
    """P0, the number of poor, P1 and the Gini worked out by hand from the files, over persons
    (household weight × size) and each household's consumption per capita: the poor are below
    their household's poverty line; the Gini is Σ_i Σ_j w_i w_j |y_i − y_j| / (2 W² μ), the
    double sum written over the sorted values (Σ_k w_k y_k (C_k−1 + C_k − W), C the cumulative
    weight) so that it needs no n × n table."""
    households = pd.read_parquet(folder / "households.parquet")
    persons = pd.read_parquet(folder / "persons.parquet", columns=["household_id"])
    size = persons.groupby("household_id").size()
    households = households.assign(size=households["household_id"].map(size).fillna(0))
    if regency is not None:
        households = households[households["regency_code"] == regency]
    w = households["weight"].to_numpy() * households["size"].to_numpy()
    y = households["consumption_pc"].to_numpy(dtype=float)
    z = households["poverty_line"].to_numpy(dtype=float)
    poor = y < z
    order = np.argsort(y, kind="stable")
    ys, ws = y[order], w[order]
    after = np.cumsum(ws)
    total = after[-1]
    mean = (ws * ys).sum() / total
    gini = (ws * ys * (after - ws + after - total)).sum() / (total**2 * mean)
    return {
        "fgt0": float(w[poor].sum() / total),
        "poor_count": float(w[poor].sum()),
        "fgt1": float((w[poor] * (z[poor] - y[poor]) / z[poor]).sum() / total),
        "gini": float(gini),
    }


def test_the_headline_is_the_core_measurement_of_the_version_it_names(version) -> None:
    page = signed_in(Role.KEPALA).get("/dashboard/")
    assert page.status_code == 200
    shown = shown_figures(page.text)
    folder = services.folder_of(version)
    measured = sejahtera.measurement(folder, indicators=list(INDICATORS)).estimates
    assert shown.keys() == set(INDICATORS)
    for name in INDICATORS:
        assert shown[name] == pytest.approx(measured.value(name), rel=1e-12), name
    by_hand = plain_figures(folder)
    for name in INDICATORS:
        assert shown[name] == pytest.approx(by_hand[name], rel=1e-9), name
    # The intervals are the core's, written the page's way (Indonesian: a decimal comma).
    tidy = measured.tidy().set_index("indicator")
    low, high = tidy.loc["fgt0", "ci_low"] * 100, tidy.loc["fgt0", "ci_high"] * 100
    interval = f"{low:.1f}%".replace(".", ",") + " – " + f"{high:.1f}%".replace(".", ",")
    assert interval in page.text
    assert f"versi {version.number}" in page.text and version.checksum[:12] in page.text
    assert "Kemiskinan · Daerah Istimewa Yogyakarta</h2>" in page.text  # the dataset's region


def test_a_kabupaten_chosen_by_name_shows_its_figures_and_its_kecamatan(version) -> None:
    client = signed_in(Role.ANALYST)
    first = client.get("/dashboard/").text
    assert '<option value="34.03">Kabupaten Gunungkidul</option>' in first
    page = client.get("/dashboard/?kabupaten=34.03").text
    folder = services.folder_of(version)
    by_regency = sejahtera.measurement(
        folder, indicators=list(INDICATORS), by=["regency_code"]
    ).estimates
    shown = shown_figures(page)
    for name in INDICATORS:
        expected = by_regency.value(name, regency_code="34.03")
        assert shown[name] == pytest.approx(expected, rel=1e-12), name
    by_hand = plain_figures(folder, "34.03")
    for name in INDICATORS:
        assert shown[name] == pytest.approx(by_hand[name], rel=1e-9), name
    # The map: Gunungkidul's kecamatan only, each named on hover, coloured by its P0.
    codes = re.findall(r'<path data-code="([\d.]+)"', page)
    assert codes and all(code.startswith("34.03.") for code in codes)
    assert "<title>Wonosari: " in page
    assert '<option value="34.03" selected>Kabupaten Gunungkidul</option>' in page


def latest_published(area: str, indicator: str) -> tuple[str, float]:
    """(period, value) of BPS's latest published figure, read from the shipped file itself."""
    from importlib import resources

    shipped = resources.files("sejahtera").joinpath("resources/facts/bps-series.csv")
    with shipped.open(encoding="utf-8", newline="") as handle:
        rows = [
            r
            for r in csv.DictReader(handle)
            if (r["area_code"], r["indicator"], r["basis"]) == (area, indicator, "published")
        ]
    latest = max(rows, key=lambda r: r["period"])
    return latest["period"], float(latest["value"])


def test_each_figure_is_read_beside_the_latest_one_bps_published(version) -> None:
    client = signed_in(Role.KEPALA)
    whole = client.get("/dashboard/").text
    period, value = latest_published("34", "p0")  # a Susenas round: "2025-03"
    month = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
             "September", "Oktober", "November", "Desember"][int(period[5:]) - 1]  # fmt: skip
    shown = f"BPS, {month} {period[:4]}: " + f"{100 * value:.1f}%".replace(".", ",")
    assert shown in tile(whole, "fgt0")
    period, value = latest_published("34", "poor_count")
    assert f"{value:,.0f}".replace(",", ".") in tile(whole, "poor_count")
    kabupaten = client.get("/dashboard/?kabupaten=34.03").text
    period, value = latest_published("34.03", "p0")  # a yearly kabupaten figure: "2025"
    assert f"BPS, {period}: " + f"{100 * value:.1f}%".replace(".", ",") in tile(kabupaten, "fgt0")
    assert "BPS" not in tile(kabupaten, "gini")  # the series has no Gini for a kabupaten


def tile(page: str, indicator: str) -> str:
    """The part of the poverty tile showing ``indicator``."""
    found = re.search(rf'<div data-indicator="{indicator}".*?</div>', page, re.S)
    assert found is not None, indicator
    return found.group(0)


def test_the_figures_are_computed_once_per_version_in_a_job(version, monkeypatch) -> None:
    client = signed_in(Role.KEPALA)
    client.get("/dashboard/")
    job = Job.objects.get(kind=poverty.KIND)
    assert job.state == JobState.DONE and job.result["checksum"] == version.checksum

    def no_measuring(*args: object, **kwargs: object) -> None:
        raise AssertionError("measured inside a request")

    monkeypatch.setattr(sejahtera, "measurement", no_measuring)
    again = signed_in(Role.OFFICER).get("/dashboard/?kabupaten=34.01")
    assert again.status_code == 200 and set(shown_figures(again.text)) == set(INDICATORS)
    assert Job.objects.filter(kind=poverty.KIND).count() == 1


def test_a_partner_sees_no_poverty_figures_of_the_working_data(version) -> None:
    page = signed_in(Role.PARTNER, PARTNER).get("/dashboard/")
    assert page.status_code == 200 and 'id="poverty"' not in page.text
    assert not Job.objects.exists()


def test_the_first_visit_only_queues_the_job_and_the_tile_waits_for_it(
    version, settings, monkeypatch
) -> None:
    """With a real queue (the database backend), no request measures: the first visit queues
    the job and the tile says so (and polls itself); a worker computes the figures."""
    settings.TASKS = DATABASE_TASKS
    measurement = sejahtera.measurement

    def no_measuring(*args: object, **kwargs: object) -> None:
        raise AssertionError("measured inside a request")

    client = signed_in(Role.KEPALA)
    with monkeypatch.context() as patch:
        patch.setattr(sejahtera, "measurement", no_measuring)
        first = client.get("/dashboard/?kabupaten=34.03")  # no kabupaten known yet
        again = client.get("/dashboard/")
    assert first.status_code == 200 and shown_figures(first.text) == {}
    assert "dihitung sekali, di latar belakang" in first.text
    assert 'hx-get="/dashboard/' in first.text and 'hx-select="#poverty"' in first.text
    assert Job.objects.get(kind=poverty.KIND).state == JobState.QUEUED
    assert shown_figures(again.text) == {} and Job.objects.filter(kind=poverty.KIND).count() == 1
    assert sejahtera.measurement is measurement
    work_off()
    ready = client.get("/dashboard/")
    assert set(shown_figures(ready.text)) == set(INDICATORS)
    assert 'hx-select="#poverty"' not in ready.text  # nothing left to wait for


def test_figures_from_other_files_are_never_shown(version) -> None:
    client = signed_in(Role.KEPALA)
    client.get("/dashboard/")
    done = Job.objects.get(kind=poverty.KIND)
    done.result = {**done.result, "checksum": "0" * 64, "areas": {"": {}}}
    done.save(update_fields=["result"])
    page = client.get("/dashboard/")
    assert Job.objects.filter(kind=poverty.KIND).count() == 2  # computed again
    assert set(shown_figures(page.text)) == set(INDICATORS)


def test_a_failed_computation_says_why_and_can_be_started_again(version, monkeypatch) -> None:
    client = signed_in(Role.OFFICER)
    with monkeypatch.context() as patch:
        patch.setattr(services, "checksum_of", lambda folder: "changed")
        page = client.get("/dashboard/")
    assert "Berkas dataset berubah setelah pekerjaan ini dimulai." in page.text
    assert shown_figures(page.text) == {}
    assert client.get("/dashboard/").text.count('action="/dashboard/poverty/"') == 1
    assert Job.objects.filter(kind=poverty.KIND).count() == 1  # not started again by a view
    answer = client.post("/dashboard/poverty/")
    assert answer.status_code == 302
    assert set(shown_figures(client.get("/dashboard/").text)) == set(INDICATORS)
    refused = client.post("/dashboard/poverty/")  # the figures are there: nothing to start
    assert refused.status_code == 409
    assert Job.objects.filter(kind=poverty.KIND).count() == 2


def test_a_cancelled_computation_says_so_and_can_be_started_again(version, settings) -> None:
    settings.TASKS = DATABASE_TASKS
    client = signed_in(Role.KEPALA)
    client.get("/dashboard/")
    job = Job.objects.get(kind=poverty.KIND)
    assert client.post(f"/jobs/{job.pk}/cancel/").status_code == 302
    page = client.get("/dashboard/").text
    assert "Dibatalkan sebelum dimulai." in page and 'action="/dashboard/poverty/"' in page
    assert client.post("/dashboard/poverty/").status_code == 302
    work_off()
    assert set(shown_figures(client.get("/dashboard/").text)) == set(INDICATORS)


def test_a_choice_that_is_not_there_is_named_and_the_defaults_are_shown(version) -> None:
    client = signed_in(Role.KEPALA)
    client.get("/dashboard/")
    page = client.get("/dashboard/?kabupaten=99.99&year=1990")
    assert page.status_code == 400
    assert "Kabupaten/kota 99.99 tidak ada dalam dataset ini" in page.text
    assert "Tidak ada anggaran untuk tahun 1990" in page.text
    whole = sejahtera.measurement(services.folder_of(version), indicators=["fgt0"])
    assert shown_figures(page.text)["fgt0"] == pytest.approx(whole.value("fgt0"), rel=1e-12)


def test_without_a_dataset_version_the_other_tiles_still_show() -> None:
    page = signed_in(Role.KEPALA).get("/dashboard/")
    assert page.status_code == 200
    assert 'id="poverty"' not in page.text and 'id="grievances"' in page.text
    assert not Job.objects.exists()


# The tiles --------------------------------------------------------------------------------------


def off_track_indicator(programme, code: str, value: str) -> Indicator:
    """An indicator from 50 to a target of 70 in 2025 with an approved actual for the year:
    at ``value`` 60 it has covered half the way, below the 80 % the monitoring rule asks."""
    result = ResultNode.objects.create(programme=programme, level="output", statement="x")
    indicator = Indicator.objects.create(
        result=result, code=code, name=code, definition="d", unit="%",
        baseline_value=Decimal("50"), baseline_year=2024,
    )  # fmt: skip
    Target.objects.create(indicator=indicator, period="2025", value=Decimal("70"))
    Actual.objects.create(
        indicator=indicator, period="2025", value=Decimal(value), source="survei",
        status=ActualStatus.APPROVED, approved_at=timezone.now(),
    )  # fmt: skip
    return indicator


def grievance(programme, *, days_overdue: int, status: str = Status.RECEIVED, **fields) -> None:
    made = Grievance.objects.create(
        channel="web", category="payment", description="x", programme=programme,
        status=status, **fields,
    )  # fmt: skip
    made.due_at = timezone.now() - datetime.timedelta(days=days_overdue)
    made.save(update_fields=["due_at"])


def follow_up(programme, due_in_days: int, *, done: bool = False) -> None:
    today = timezone.localdate()
    consultation = Consultation.objects.create(
        title="Musrenbang", kind="meeting", date=today, programme=programme
    )
    FollowUp.objects.create(
        consultation=consultation,
        action="Kirim data",
        due_date=today + datetime.timedelta(days=due_in_days),
        done_at=timezone.now() if done else None,
    )


def budget_paid(programme, pagu: int, paid: int, households: int, listed: int) -> None:
    """A 2025 pagu and one batch paid in the first quarter reaching ``households`` of a
    cycle whose list has ``listed`` households."""
    from sejahtera.workbench.programmes.models import Beneficiary

    Budget.objects.create(programme=programme, year=2025, source="APBD", amount_rp=pagu)
    cycle = Cycle.objects.create(programme=programme, name="2025", period="2025", benefit="b")
    Beneficiary.objects.bulk_create(
        Beneficiary(cycle=cycle, household_id=f"h{i}", region_code="34.01", desil=1, amount_rp=1)
        for i in range(listed)
    )
    Payment.objects.create(
        cycle=cycle, region_code="34.01", planned_rp=paid, paid_rp=paid, households=households,
        paid_on=datetime.date(2025, 2, 10), channel="bank",
    )  # fmt: skip


@pytest.fixture
def office():
    """Two programmes, the partner's (A) and another (B), each with records of every tile."""
    mine = new_programme("a", "Program A", (PARTNER,))
    other = new_programme("b", "Program B")
    off_track_indicator(mine, "A-1", "60")  # off track
    off_track_indicator(mine, "A-2", "69")  # on track (95 % of the way)
    off_track_indicator(other, "B-1", "55")  # off track
    unmeasured = off_track_indicator(other, "B-2", "51")  # its actual only submitted: no data
    unmeasured.actuals.update(status=ActualStatus.SUBMITTED)
    grievance(mine, days_overdue=2)  # open, overdue
    grievance(mine, days_overdue=-5, status=Status.IN_PROGRESS)  # open, not yet due
    grievance(mine, days_overdue=9, status=Status.CLOSED)  # closed: not counted
    grievance(other, days_overdue=1)  # open, overdue, not the partner's
    grievance(mine, days_overdue=3, sensitive=True)  # open, overdue, sensitive
    follow_up(mine, -1)  # overdue
    follow_up(mine, 3)  # due soon
    follow_up(mine, 40)  # open, not due yet
    follow_up(mine, -9, done=True)  # done: not counted
    follow_up(other, -2)  # overdue, not the partner's
    budget_paid(mine, 1_000_000, 250_000, 3, 4)
    budget_paid(other, 1_500_000, 0, 0, 2)
    return mine, other


def test_each_tile_counts_the_records_the_head_sees(office) -> None:
    page = signed_in(Role.KEPALA).get("/dashboard/?year=2025").text
    assert count(page, "monev") == 2
    assert "dari 3 indikator dengan target dan data yang disetujui" in page  # not B-2
    # Open: A received (overdue), A in progress, B received (overdue), A sensitive (overdue).
    assert count(page, "grievances") == 4 and overdue(page, "grievances") == 3
    assert count(page, "follow-ups") == 3 and overdue(page, "follow-ups") == 2
    # Realisation: 250,000 paid of 2,500,000 (10 %); 3 households of 6 (50 %).
    head = re.search(r'id="programmes".*?</p>\s*<p class="context">.*?</p>', page, re.S).group(0)  # type: ignore[union-attr]
    assert ">10,0%<" in head and "Rp 250.000 dibayarkan dari pagu Rp 2.500.000" in head
    assert "fisik 50,0%" in head
    row = re.search(r'<tr data-programme="a">.*?</tr>', page, re.S).group(0)  # type: ignore[union-attr]
    assert row.count("25,0%") == 4 and row.count("75,0%") == 4  # Q1 to Q4, cumulative
    assert "/monev/programmes/a/dashboard/" in page and "/monev/programmes/b/dashboard/" in page
    # A's budget has one Monev indicator linked to it, B's none: A's row leads to them.
    a1 = Indicator.objects.get(code="A-1")
    a1.budget_programme = a1.result.programme
    a1.save(update_fields=["budget_programme"])
    page = signed_in(Role.KEPALA).get("/dashboard/?year=2025").text
    row = re.search(r'<tr data-programme="a">.*?</tr>', page, re.S).group(0)  # type: ignore[union-attr]
    assert '<a href="/monev/programmes/a/dashboard/?year=2025#budget">1 indikator</a>' in row
    row = re.search(r'<tr data-programme="b">.*?</tr>', page, re.S).group(0)  # type: ignore[union-attr]
    assert "#budget" not in row


def test_an_analyst_does_not_count_sensitive_grievances(office) -> None:
    page = signed_in(Role.ANALYST).get("/dashboard/").text
    assert count(page, "grievances") == 3 and overdue(page, "grievances") == 2


def test_a_partner_counts_only_its_own_programmes_records(office) -> None:
    page = signed_in(Role.PARTNER, PARTNER).get("/dashboard/?year=2025").text
    assert count(page, "monev") == 1
    assert count(page, "grievances") == 2 and overdue(page, "grievances") == 1
    assert count(page, "follow-ups") == 2 and overdue(page, "follow-ups") == 1
    assert 'data-programme="a"' in page and 'data-programme="b"' not in page
    assert "Program B" not in page
    assert "Rp 250.000 dibayarkan dari pagu Rp 1.000.000" in page


def test_every_tile_links_to_its_detail_page(office, version) -> None:
    client = signed_in(Role.KEPALA)
    page = client.get("/dashboard/").text
    links = re.findall(r'<a class="more" href="([^"]+)"', page)
    assert len(links) == len(re.findall(r'<section class="tile', page))
    for link in links:
        assert client.get(link).status_code == 200, link


def test_the_budget_year_is_this_year_or_the_latest_before_it_with_a_budget(office) -> None:
    mine, _ = office
    this_year = timezone.localdate().year
    Budget.objects.create(programme=mine, year=this_year + 3, source="APBD", amount_rp=5)
    client = signed_in(Role.KEPALA)
    page = client.get("/dashboard/").text
    assert "Realisasi anggaran 2025" in page  # the budget after this year is not shown first
    chosen = client.get(f"/dashboard/?year={this_year + 3}").text
    assert f"Realisasi anggaran {this_year + 3}" in chosen
    assert f'<option value="{this_year + 3}" selected>' in chosen
