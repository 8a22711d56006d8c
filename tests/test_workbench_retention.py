"""Retention periods (``sejahtera manage apply_retention``) and the export of everything held
about one person (``core:person_export``)."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from sejahtera.workbench.audit.models import AuditEvent
from sejahtera.workbench.consultations.models import Consultation, Participant
from sejahtera.workbench.grievances.models import Grievance, GrievanceEvent

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
    assert "1 grievance(s) and 1 participant(s) blanked" in printed
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
    assert "0 grievance(s) and 0 participant(s) blanked" in run()
    assert AuditEvent.objects.filter(action="retention_applied").count() == 1


def test_dry_run_changes_nothing(records) -> None:
    old, _, _, gone, _ = records
    token = stored(Grievance, old.pk, "nik")
    printed = run("--dry-run")
    assert f"grievance {old.code}" in printed and f"participant {gone.pk}" in printed
    assert "1 grievance(s) and 1 participant(s) would be blanked" in printed
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
