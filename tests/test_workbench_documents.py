"""The planning documents page (/documents/): the RPKD chapter and the LP2KD made through their
background jobs and downloaded, audited. The RPKD's figures are checked against pandas on the
dataset's Parquet files, the LP2KD's totals against sums of the workbench's own records worked
out here with the ORM; bad input and changed data are refused without a file."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from pathlib import Path

import docx
import pandas as pd
import pytest
from django.db.models import Sum
from openpyxl import load_workbook

from sejahtera.synth import SynthOptions, synthesise
from sejahtera.workbench.audit.models import AuditEvent
from sejahtera.workbench.consultations.models import Consultation, FollowUp, Input
from sejahtera.workbench.core.models import Job
from sejahtera.workbench.datasets import services
from sejahtera.workbench.monev.models import Actual, Indicator, ResultNode, Target
from sejahtera.workbench.programmes.models import Beneficiary, Budget, Cycle, Payment
from workbench_users import new_programme, signed_in

pytestmark = pytest.mark.django_db
YEAR = 2025


@pytest.fixture(autouse=True)
def _places(settings, tmp_path: Path) -> None:
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.DATA_FOLDER = tmp_path / "data"
    settings.DATASETS_ROOT = tmp_path / "datasets"
    settings.DATASET = None


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synthesise(SynthOptions("34", 600, seed=9), tmp_path_factory.mktemp("docs") / "diy").path


def poverty_by_regency(path: Path) -> pd.Series:
    households = pd.read_parquet(path / "households.parquet")
    size = pd.read_parquet(path / "persons.parquet").groupby("household_id").size()
    people = households["weight"] * households["household_id"].map(size).fillna(0)
    poor = people * (households["consumption_pc"] < households["poverty_line"])
    return (
        poor.groupby(households["regency_code"]).sum()
        / people.groupby(households["regency_code"]).sum()
    )


def made(client, address: str, fields: dict[str, object]) -> Job:
    before = set(Job.objects.values_list("pk", flat=True))
    answer = client.post(address, fields)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    (job,) = Job.objects.exclude(pk__in=before)
    return job


def test_the_page_shows_both_documents_and_who_may_make_them(folder: Path) -> None:
    services.register(folder, name="Registri DIY")
    page = signed_in("kepala").get("/documents/").content.decode()
    assert "RPKD: bab profil kemiskinan" in page and "LP2KD: laporan tahunan TKPK" in page
    assert "Permendagri Nomor 53 Tahun 2020" in page
    assert "tidak dapat diverifikasi" in page
    assert 'action="/documents/rpkd/"' in page and 'action="/documents/lp2kd/"' in page
    english = signed_in("kepala")
    english.cookies["django_language"] = "en"
    shown = english.get("/documents/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "RPKD: poverty-profile chapter" in shown
    auditor = signed_in("auditor").get("/documents/").content.decode()
    assert "/documents/rpkd/" not in auditor  # reads and downloads, makes nothing


def test_the_rpkd_chapter_is_made_by_its_job_and_downloaded(folder: Path) -> None:
    version = services.register(folder, name="Registri DIY").version
    client = signed_in("analyst")
    fields = {
        "rpkd-version": version.pk,
        "rpkd-year": YEAR,
        "rpkd-language": "en",
        "rpkd-format": "xlsx",
    }
    job = made(client, "/documents/rpkd/", fields)
    job.refresh_from_db()
    assert job.state == "done", job.error
    assert job.result["checksum"] == version.checksum
    answer = client.get(f"/documents/{job.pk}/download/")
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(answer.streaming_content)))
    expected = poverty_by_regency(folder)
    header, *rows = book["Kabupaten-kota"].iter_rows(values_only=True)
    column = header.index("P0: poverty headcount ratio")
    assert {row[0]: row[column] for row in rows} == pytest.approx(expected.to_dict(), rel=1e-9)
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert "document_made" in actions and "document_downloaded" in actions
    # In Indonesian, as an editable document.
    job = made(client, "/documents/rpkd/", {**fields, "rpkd-language": "id", "rpkd-format": "docx"})
    answer = client.get(f"/documents/{job.pk}/download/")
    assert answer["Content-Disposition"].endswith('.docx"')
    words = docx.Document(io.BytesIO(b"".join(answer.streaming_content)))
    headings = [p.text for p in words.paragraphs if p.style.name.startswith("Heading")]
    assert "1. Identifikasi masalah: kondisi kemiskinan" in headings
    assert "3. Lokus prioritas" in headings


def records() -> None:
    """Two programmes' year: budgets by funder, lists, payments (one of another year), an
    indicator with its target and approved actual, two meetings (one of another year)."""
    food = new_programme("pangan", "Bantuan Pangan Daerah", sipd_sub_kegiatan="1.06.04.2.01.0001")
    house = new_programme("rtlh", "Rehabilitasi Rumah")
    Budget.objects.create(programme=food, year=YEAR, source="APBD", amount_rp=1_250_000_000)
    Budget.objects.create(programme=food, year=YEAR, source="other", amount_rp=40_000_000)
    Budget.objects.create(programme=house, year=YEAR, source="APBN", amount_rp=2_000_000_000)
    Budget.objects.create(programme=house, year=YEAR - 1, source="APBN", amount_rp=999)
    for programme, households, paid in ((food, 30, 700_000_000), (house, 12, 1_500_000_000)):
        cycle = Cycle.objects.create(
            programme=programme, name="t1", period=f"{YEAR}-03", benefit="x"
        )
        for n in range(households):
            Beneficiary.objects.create(
                cycle=cycle,
                household_id=f"{programme.code}{n}",
                region_code="34.04",
                amount_rp=100_000,
            )
        Payment.objects.create(
            cycle=cycle,
            region_code="34.04",
            planned_rp=paid,
            paid_rp=paid,
            households=households - 2,
            paid_on=datetime.date(YEAR, 6, 1),
            channel="bank",
        )
        Payment.objects.create(
            cycle=cycle,
            region_code="34.04",
            planned_rp=5,
            paid_rp=5,
            households=1,
            paid_on=datetime.date(YEAR + 1, 1, 5),
            channel="bank",
        )
    result = ResultNode.objects.create(programme=food, level="impact", statement="Turun")
    indicator = Indicator.objects.create(
        result=result,
        code="IKU-1",
        name="Rumah tangga rawan pangan",
        definition="x",
        unit="%",
        baseline_value=Decimal("12"),
        baseline_year=YEAR - 1,
        direction="lower",
    )
    Target.objects.create(indicator=indicator, period=str(YEAR), value=Decimal("10"))
    Actual.objects.create(
        indicator=indicator,
        period=str(YEAR),
        value=Decimal("11"),
        source="Survei",
        status="approved",
    )
    meeting = Consultation.objects.create(
        title="Rakor TKPK", kind="meeting", date=datetime.date(YEAR, 2, 3), programme=food
    )
    Input.objects.create(consultation=meeting, text="Data belum mutakhir")
    FollowUp.objects.create(
        consultation=meeting, action="Verval", due_date=datetime.date(YEAR, 3, 1)
    )
    Consultation.objects.create(title="Lama", kind="meeting", date=datetime.date(YEAR - 1, 5, 1))


def test_the_lp2kd_totals_are_the_workbench_records(folder: Path) -> None:
    records()
    version = services.register(folder, name="Registri DIY").version
    client = signed_in("officer")
    fields = {
        "lp2kd-year": YEAR,
        "lp2kd-language": "en",
        "lp2kd-format": "xlsx",
        "lp2kd-region": "Kabupaten Sleman",
        "lp2kd-office": "Bagian Kesra",
        "lp2kd-problems": "Data belum mutakhir\n\n",
        "lp2kd-recommendations": "Verval\nKuota",
    }
    job = made(client, "/documents/lp2kd/", {**fields, "lp2kd-version": version.pk})
    job.refresh_from_db()
    assert job.state == "done", job.error
    book = load_workbook(
        io.BytesIO(b"".join(client.get(f"/documents/{job.pk}/download/").streaming_content))
    )
    pagu = Budget.objects.filter(year=YEAR).aggregate(rp=Sum("amount_rp"))["rp"]
    paid = Payment.objects.filter(paid_on__year=YEAR).aggregate(rp=Sum("paid_rp"))["rp"]
    listed = Beneficiary.objects.filter(cycle__period__startswith=str(YEAR)).count()
    *_, total = book["Budgets"].iter_rows(values_only=True)
    assert total[2] == "Total" and total[-1] == pagu
    header = next(book["Budgets"].iter_rows(values_only=True))
    assert total[header.index("Budget APBD")] == 1_250_000_000
    *_, realised = book["Realisation"].iter_rows(values_only=True)
    assert realised[3:5] == (pagu, paid)
    assert realised[5] == pytest.approx(float(paid) / float(pagu))
    assert realised[6] == listed and realised[7] == (30 - 2) + (12 - 2)
    (_, indicator) = book["Indicators"].iter_rows(values_only=True)
    assert indicator[4:] == (10, 11, pytest.approx(10 / 11))
    meetings = list(book["Coordination"].iter_rows(values_only=True))[1:]
    assert [(m[0], m[1], m[5], m[7]) for m in meetings] == [(f"{YEAR}-02-03", "Rakor TKPK", 1, 1)]
    assert meetings[0][2] == "Meeting"  # in the document's language, whatever the page's
    sources = dict(book["Source"].iter_rows(values_only=True))
    assert sources["Office"] == "Bagian Kesra"
    # The poverty condition from the chosen version, computed as the RPKD chapter computes it.
    assert sources["Dataset checksum (SHA-256 of dataset.json)"] == version.checksum
    header, *rows = book["Kabupaten-kota"].iter_rows(values_only=True)
    column = header.index("P0: poverty headcount ratio")
    expected = poverty_by_regency(folder).to_dict()
    assert {row[0]: row[column] for row in rows} == pytest.approx(expected, rel=1e-9)
    assert job.result["pagu_rp"] == pagu and job.result["paid_rp"] == paid


def test_bad_input_and_changed_data_make_no_file(folder: Path, tmp_path: Path) -> None:
    version = services.register(folder, name="Registri DIY").version
    client = signed_in("kepala")
    answer = client.post(
        "/documents/rpkd/",
        {
            "rpkd-version": version.pk,
            "rpkd-year": 1850,
            "rpkd-language": "id",
            "rpkd-format": "xlsx",
        },
    )
    assert answer.status_code == 400
    assert "Perbaiki kesalahan" in answer.content.decode()
    answer = client.post(
        "/documents/lp2kd/",
        {"lp2kd-year": YEAR, "lp2kd-language": "id", "lp2kd-format": "odt", "lp2kd-region": "x"},
    )
    assert answer.status_code == 400
    assert not Job.objects.exists()
    # The version's files changed after it was registered: the job refuses, writes nothing.
    manifest = services.folder_of(version) / "dataset.json"
    manifest.write_text(manifest.read_text("utf-8").replace('"seed": 9', '"seed": 10'), "utf-8")
    job = made(
        client,
        "/documents/rpkd/",
        {
            "rpkd-version": version.pk,
            "rpkd-year": YEAR,
            "rpkd-language": "id",
            "rpkd-format": "xlsx",
        },
    )
    job.refresh_from_db()
    assert job.state == "failed" and "telah berubah" in job.error
    documents = tmp_path / "data" / "documents"
    assert not documents.exists() or not any(documents.iterdir())
    assert client.get(f"/documents/{job.pk}/download/").status_code == 404
