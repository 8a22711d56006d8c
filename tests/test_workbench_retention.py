"""Retention periods (``sejahtera manage apply_retention``) and the export of everything held
about one person (``core:person_export``)."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from sejahtera.i18n import speaking
from sejahtera.workbench.audit.models import AuditEvent
from sejahtera.workbench.consultations.models import Consultation, Participant
from sejahtera.workbench.grievances.models import DtsenProposal, Grievance, GrievanceEvent
from sejahtera.workbench.programmes.models import Beneficiary, Cycle
from sejahtera.workbench.stakeholders.models import Contact
from workbench_users import new_programme, organisation_named, signed_in, user_with

pytestmark = pytest.mark.django_db
NIK = "3404134506900001"


def grievance(name: str, nik: str = "", phone: str = "", **fields: object) -> Grievance:
    return Grievance.objects.create(
        channel="web",
        category="targeting",
        name=name,
        nik=nik,
        phone=phone,
        address=f"Jalan {name}",
        description="Tidak terdaftar",
        **fields,
    )


def closed(name: str, days_ago: int, **fields: object) -> Grievance:
    """A grievance closed ``days_ago`` days ago (its closing event)."""
    made = grievance(name, status="closed", **fields)
    when = timezone.now() - timedelta(days=days_ago)
    GrievanceEvent.objects.create(grievance=made, status="closed", at=when)
    return made


def stored(model: type, pk: int, column: str) -> str:
    """The column as the database holds it (a token, or empty), read with SQL."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "{column}" FROM "{table}" WHERE id = %s', [pk])
        return cursor.fetchone()[0]


@pytest.fixture
def records(settings):
    settings.RETENTION_YEARS = {"grievance": 5, "participant": 3}
    old = closed("Siti Aminah", days_ago=6 * 365, nik=NIK, phone="081234567890")
    recent = closed("Budi Santoso", days_ago=4 * 365, phone="081200000000")
    still_open = grievance("Ani", received_at=timezone.now() - timedelta(days=10 * 365))
    long_ago = Consultation.objects.create(
        title="Musrenbang 2019", kind="musrenbang", date=date.today() - timedelta(days=4 * 365)
    )
    lately = Consultation.objects.create(
        title="Musrenbang 2025", kind="musrenbang", date=date.today() - timedelta(days=2 * 365)
    )
    gone = Participant.objects.create(consultation=long_ago, name="Pak Lurah")
    kept = Participant.objects.create(consultation=lately, name="Bu Camat")
    return old, recent, still_open, gone, kept


def run(*arguments: str) -> str:
    out = io.StringIO()
    call_command("apply_retention", *arguments, stdout=out)
    return out.getvalue()


def test_past_their_period_blanked_within_kept(records) -> None:
    old, recent, still_open, gone, kept = records
    version = old.version
    printed = run()
    assert "Data pribadi dikosongkan: 1 pengaduan, 1 peserta konsultasi." in printed
    old.refresh_from_db()
    assert (old.name, old.nik, old.phone, old.address, old.nik_hash) == ("", "", "", "", "")
    assert old.version == version + 1  # an edit form opened before cannot write them back
    assert old.description == "Tidak terdaftar" and old.status == "closed"
    assert stored(Grievance, old.pk, "name") == ""  # blank in the database, not a token of ""
    assert not Grievance.with_nik(NIK).exists()
    recent.refresh_from_db()
    assert (recent.name, recent.phone) == ("Budi Santoso", "081200000000")
    still_open.refresh_from_db()
    assert still_open.name == "Ani"  # open: no period runs, however old
    gone.refresh_from_db()
    kept.refresh_from_db()
    assert (gone.name, kept.name) == ("", "Bu Camat")
    event = AuditEvent.objects.get(action="retention_applied")
    assert event.detail["counts"] == {"grievance": 1, "participant": 1}
    assert event.detail["grievances"] == [old.code]
    assert event.detail["years"] == {"grievance": 5, "participant": 3}
    # Idempotent: a second run finds nothing and writes no event.
    assert "Data pribadi dikosongkan: 0 pengaduan, 0 peserta konsultasi." in run()
    assert AuditEvent.objects.filter(action="retention_applied").count() == 1


def test_dry_run_changes_nothing(records) -> None:
    old, _, _, gone, _ = records
    token = stored(Grievance, old.pk, "nik")
    with speaking("en"):
        printed = run("--dry-run")
    assert f"grievance {old.tracking_code}" in printed
    assert f"consultation participant {gone.pk} (Musrenbang 2019)" in printed
    assert "Would be blanked (dry run, nothing changed): 1 grievance(s), 1 consultation" in printed
    assert stored(Grievance, old.pk, "nik") == token
    old.refresh_from_db()
    gone.refresh_from_db()
    assert (old.nik, gone.name) == (NIK, "Pak Lurah")
    assert not AuditEvent.objects.filter(action="retention_applied").exists()


def test_a_closed_grievance_without_event_counts_from_its_last_change(settings) -> None:
    settings.RETENTION_YEARS = {"grievance": 1, "participant": 1}
    made = grievance("Tanpa Riwayat", status="closed")
    Grievance.objects.filter(pk=made.pk).update(updated_at=timezone.now() - timedelta(days=400))
    run()
    made.refresh_from_db()
    assert made.name == ""


# The export of everything held about one person.

OTHER_NIK = "3404130101900002"


@pytest.fixture
def people():
    """Siti's records across the apps, and Budi's, who shares none of her identifiers."""
    officer = user_with("officer")
    siti = grievance("Siti Aminah", nik=NIK, phone="081234567890")
    by_phone = grievance("siti  aminah", phone="+62 812-3456-7890")  # no NIK given that time
    budi = grievance("Budi Santoso", nik=OTHER_NIK, phone="081299999999")
    namesake_other_phone = grievance("Siti Aminah", phone="081255555555")
    proposal = DtsenProposal.objects.create(
        grievance=siti, kind="usulan", household_id="HH-17", regency_code="34.04",
        district_code="34.04.13", reason="Tidak terdata", made_by=officer,
    )  # fmt: skip
    DtsenProposal.objects.create(
        grievance=budi, kind="usulan", household_id="HH-99", regency_code="34.04",
        district_code="34.04.13", reason="Tidak terdata", made_by=officer,
    )  # fmt: skip
    cycle = Cycle.objects.create(
        programme=new_programme("BLT-RET", "BLT"), name="2025 tahap 1", period="2025",
        benefit="blt",
    )  # fmt: skip
    hers = Beneficiary.objects.create(
        cycle=cycle, household_id="HH-17", region_code="34.04", amount_rp=Decimal(300000)
    )
    Beneficiary.objects.create(
        cycle=cycle, household_id="HH-99", region_code="34.04", amount_rp=Decimal(300000)
    )
    contact = Contact.objects.create(
        organisation=organisation_named("PKK Sleman"), name="Siti Aminah", phone="0812 3456 7890"
    )
    Contact.objects.create(
        organisation=organisation_named("PKK Sleman"), name="Budi Santoso", phone="081299999999"
    )
    meeting = Consultation.objects.create(title="Musrenbang", kind="musrenbang", date=date.today())
    Participant.objects.create(consultation=meeting, name="Siti Aminah")
    Participant.objects.create(consultation=meeting, name="Budi Santoso")
    return SimpleNamespace(
        siti=siti, by_phone=by_phone, budi=budi, namesake=namesake_other_phone,
        proposal=proposal, listing=hers, contact=contact,
    )  # fmt: skip


def export(client, **fields: str):
    return client.post(reverse("core:person_export"), {"format": "json", **fields})


def test_export_by_nik_finds_the_persons_records_and_no_one_elses(people) -> None:
    response = export(signed_in("officer"), nik=NIK)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    document = json.loads(response.content)
    records = document["records"]
    assert [g["code"] for g in records["grievances"]] == [people.siti.code]
    assert records["grievances"][0]["nik"] == NIK  # unmasked: it is the person's own data
    assert [p["household_id"] for p in records["dtsen_proposals"]] == ["HH-17"]
    assert [(b["household_id"], b["amount_rp"]) for b in records["beneficiary_listings"]] == [
        ("HH-17", 300000)
    ]
    assert records["contacts"] == [] and records["participations"] == []  # no name given
    assert OTHER_NIK not in response.content.decode()
    assert "Budi" not in response.content.decode()


def test_export_by_name_and_phone(people) -> None:
    response = export(signed_in("kepala"), name="Siti Aminah", phone="0812-3456-7890")
    records = json.loads(response.content)["records"]
    codes = {g["code"] for g in records["grievances"]}
    assert codes == {people.siti.code, people.by_phone.code}  # not the namesake's other phone
    assert [c["organisation"] for c in records["contacts"]] == ["PKK Sleman"]
    assert [(p["name"], p["matched_by"]) for p in records["participations"]] == [
        ("Siti Aminah", "name")
    ]
    assert "Budi" not in response.content.decode()


def test_export_is_audited_without_the_identifiers_in_full(people) -> None:
    client = signed_in("auditor")
    export(client, nik=NIK, household_id="HH-99")
    event = AuditEvent.objects.get(action="personal_data_exported")
    assert event.username == client.user.username
    assert event.detail["whom"]["nik"] == "************0001"
    assert event.detail["whom"]["household_id"] == "HH-99"
    assert event.detail["counts"]["grievances"] == 1
    assert event.detail["counts"]["beneficiary_listings"] == 2  # HH-17 and the typed HH-99
    assert event.detail["grievances"] == [people.siti.code]
    assert event.detail["format"] == "json"
    assert NIK not in json.dumps(event.detail)


def test_xlsx_in_indonesian(people) -> None:
    GrievanceEvent.objects.create(
        grievance=people.siti, status="closed", public_message="Sudah diverifikasi",
        note="catatan internal",
    )  # fmt: skip
    response = signed_in("officer").post(
        reverse("core:person_export"), {"format": "xlsx", "nik": NIK}
    )
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[:2] == ["Pengaduan", "Riwayat pengaduan"]
    header, row = list(book["Pengaduan"].values)
    assert row[header.index("kode pelacakan")] == people.siti.code
    assert row[header.index("NIK")] == NIK
    assert row[header.index("Program")] is None  # no programme: an empty cell
    assert "Diterima" in row and "Ya" not in row  # status and sensitivity as words
    history = list(book["Riwayat pengaduan"].values)
    assert [r[-1] for r in history[1:]] == ["Sudah diverifikasi"]
    assert "catatan internal" not in str(history)  # internal notes are the office's
    listings = list(book["Daftar penerima manfaat"].values)
    assert listings[1][listings[0].index("rumah tangga")] == "HH-17"
    about = dict(book["Tentang berkas ini"].values)
    assert about["NIK"] == NIK and about["Nama"] == "–"
    assert about["Pengaduan"] == 1 and about["Daftar penerima manfaat"] == 1
    assert about["Dibuat oleh"].startswith("officer-")


@pytest.mark.parametrize("role", ["analyst", "partner"])
def test_roles_without_reveal_are_refused(people, role) -> None:
    client = signed_in(role, "Yayasan A" if role == "partner" else "")
    assert export(client, nik=NIK).status_code == 403
    assert client.get(reverse("core:person_export")).status_code == 403
    assert not AuditEvent.objects.filter(action="personal_data_exported").exists()


def test_neither_nik_nor_name_and_phone_is_a_form_error(people) -> None:
    response = export(signed_in("officer"), name="Siti Aminah")
    assert response.status_code == 400
    assert "Isikan NIK orang tersebut, atau nama dan nomor teleponnya" in response.content.decode()
    assert not AuditEvent.objects.filter(action="personal_data_exported").exists()


def test_the_page_in_both_languages() -> None:
    client = signed_in("officer")
    page = client.get(reverse("core:person_export")).content.decode()
    for indonesian in ("Data pribadi yang disimpan tentang seseorang", "Telepon", "ID rumah"):
        assert indonesian in page
    assert "Household" not in page and "Phone" not in page
    client.cookies["django_language"] = "en"
    page = client.get(reverse("core:person_export"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Personal data held about a person" in page and "Unduh" not in page
