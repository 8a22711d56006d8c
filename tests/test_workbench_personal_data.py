"""Personal data under UU 27/2022 (issue 15): personal columns encrypted at rest and rotated to
a new key, a reveal only by POST and audited with the fields shown, internal notes and staff
names for the roles that see sensitive grievances, small cells suppressed for the roles that
see aggregates only, and the temporary folders of a killed import removed at the next start."""

from __future__ import annotations

import importlib
import io
import os
import time
from collections import Counter
from datetime import timedelta
from types import SimpleNamespace

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.cache import cache
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from sejahtera.errors import Problem, ProblemReport
from sejahtera.workbench.audit.models import AuditEvent
from sejahtera.workbench.consultations.models import Consultation, Participant
from sejahtera.workbench.core import crypto, privacy
from sejahtera.workbench.core.models import Job, JobState
from sejahtera.workbench.datasets import services
from sejahtera.workbench.datasets.models import Upload
from sejahtera.workbench.datasets.reports import report_json
from sejahtera.workbench.grievances.models import Grievance, GrievanceEvent, Status
from sejahtera.workbench.regions.models import Region
from sejahtera.workbench.stakeholders.models import Contact
from workbench_users import new_programme, organisation_named, signed_in, user_with

pytestmark = pytest.mark.django_db
NIK = "3404134506900123"
NAME = "Sri Contoh"


@pytest.fixture(autouse=True)
def _keys(settings, monkeypatch):
    """One field key of this test's own, so that rotating it touches no other test's."""
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.setenv("SEJAHTERA_FIELD_KEYS", Fernet.generate_key().decode())
    monkeypatch.delenv("SEJAHTERA_MIN_CELL", raising=False)
    cache.clear()


def raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def write_raw(table: str, column: str, pk: int, value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [value, pk])


def grievance(**fields: object) -> Grievance:
    values = {"channel": "web", "category": "payment", "description": "Belum cair.", **fields}
    return Grievance.objects.create(**values)


# Encrypted at rest ------------------------------------------------------------------------------


def test_personal_columns_are_tokens_in_the_database_and_plain_when_read() -> None:
    made = grievance(name=NAME, nik=NIK, phone="081234567890", address="Dusun Contoh")
    for column, plain in (("name", NAME), ("nik", NIK), ("phone", "081234567890")):
        stored = raw("grievances_grievance", column, made.pk)
        assert stored != plain and plain not in stored and stored.startswith("gAAAAA"), column
    assert "Dusun" not in raw("grievances_grievance", "address", made.pk)
    again = Grievance.objects.get(pk=made.pk)
    assert (again.name, again.nik, again.phone, again.address) == (
        NAME, NIK, "081234567890", "Dusun Contoh"
    )  # fmt: skip
    contact = Contact.objects.create(
        organisation=organisation_named("Dinas Sosial"), name="Rina", email="rina@contoh.example"
    )
    assert "Rina" not in raw("stakeholders_contact", "name", contact.pk)
    assert "rina@" not in raw("stakeholders_contact", "email", contact.pk)
    assert Contact.objects.get(pk=contact.pk).email == "rina@contoh.example"
    # An anonymous complaint stays empty (nothing to hide), and is read as empty.
    anonymous = grievance()
    assert raw("grievances_grievance", "nik", anonymous.pk) == ""
    assert Grievance.objects.get(pk=anonymous.pk).nik == ""


def test_a_nik_is_found_by_its_keyed_hash_and_a_token_lookup_is_refused() -> None:
    made = grievance(nik=NIK)
    grievance(nik="3404134506900124")
    stored = raw("grievances_grievance", "nik_hash", made.pk)
    assert len(stored) == 64 and NIK not in stored
    assert list(Grievance.with_nik(NIK)) == [made]
    assert not Grievance.with_nik("3404134506900999").exists()
    with pytest.raises(FieldError):
        Grievance.objects.filter(nik=NIK).exists()  # would never match a token: refused


def test_the_data_migration_encrypts_rows_written_before_it() -> None:
    made = grievance(name=NAME, nik=NIK)
    participant = Participant.objects.create(
        consultation=Consultation.objects.create(
            title="Rapat", kind="meeting", date=timezone.localdate()
        ),
        name="Dewi Lestari",
    )
    write_raw("grievances_grievance", "name", made.pk, NAME)  # as the column held it before
    write_raw("grievances_grievance", "nik", made.pk, NIK)
    write_raw("grievances_grievance", "nik_hash", made.pk, "")
    write_raw("consultations_participant", "name", participant.pk, "Dewi Lestari")
    editor = SimpleNamespace(connection=connection)
    for module in (
        "sejahtera.workbench.grievances.migrations.0003_encrypted_personal_data",
        "sejahtera.workbench.consultations.migrations.0002_encrypted_personal_data",
    ):
        importlib.import_module(module).encrypt(apps, editor)
    assert raw("grievances_grievance", "nik", made.pk).startswith("gAAAAA")
    assert raw("consultations_participant", "name", participant.pk).startswith("gAAAAA")
    assert Grievance.objects.get(pk=made.pk).name == NAME
    assert Participant.objects.get(pk=participant.pk).name == "Dewi Lestari"
    assert list(Grievance.with_nik(NIK)) == [made]
    importlib.import_module(  # a second run changes nothing
        "sejahtera.workbench.grievances.migrations.0003_encrypted_personal_data"
    ).encrypt(apps, editor)
    assert Grievance.objects.get(pk=made.pk).nik == NIK


def test_rotation_to_a_new_key_keeps_every_value_readable(monkeypatch) -> None:
    old = os.environ["SEJAHTERA_FIELD_KEYS"]
    made = grievance(name=NAME, nik=NIK)
    before = raw("grievances_grievance", "nik", made.pk)
    new = Fernet.generate_key().decode()
    monkeypatch.setenv("SEJAHTERA_FIELD_KEYS", f"{new},{old}")
    assert Grievance.objects.get(pk=made.pk).nik == NIK  # the old key still reads
    assert list(Grievance.with_nik(NIK)) == [made]  # and finds, before the rotation
    said = io.StringIO()
    call_command("rotate_keys", stdout=said)
    assert "grievances.Grievance: 1" in said.getvalue()
    monkeypatch.setenv("SEJAHTERA_FIELD_KEYS", new)  # the old key removed
    after = raw("grievances_grievance", "nik", made.pk)
    assert after != before
    assert Fernet(new.encode()).decrypt(after.encode()).decode() == NIK
    again = Grievance.objects.get(pk=made.pk)
    assert (again.name, again.nik) == (NAME, NIK)
    assert list(Grievance.with_nik(NIK)) == [made]
    event = AuditEvent.objects.get(action="field_keys_rotated")
    assert event.detail["rows"]["grievances.Grievance"] == 1 and NIK not in str(event.detail)
    monkeypatch.setenv("SEJAHTERA_FIELD_KEYS", old)  # a key that never wrote it: said clearly
    with pytest.raises(Exception, match="SEJAHTERA_FIELD_KEYS"):
        Grievance.objects.get(pk=made.pk)


def test_without_keys_a_development_key_is_made_in_the_data_folder_and_said(
    settings, tmp_path, monkeypatch, caplog
) -> None:
    settings.DATA_FOLDER = tmp_path
    monkeypatch.delenv("SEJAHTERA_FIELD_KEYS")
    token = crypto.encrypt(NIK)
    key = (tmp_path / "field.key").read_text().strip()
    assert Fernet(key.encode()).decrypt(token.encode()).decode() == NIK
    assert "SEJAHTERA_FIELD_KEYS is not set" in caplog.text and str(tmp_path) in caplog.text
    assert crypto.decrypt(crypto.encrypt(NAME)) == NAME  # the same key, read again
    settings.PRODUCTION = True
    with pytest.raises(Exception, match="SEJAHTERA_FIELD_KEYS must be set in production"):
        crypto.encrypt(NIK)


def test_a_bad_key_is_named(monkeypatch) -> None:
    monkeypatch.setenv("SEJAHTERA_FIELD_KEYS", "not-a-key")
    with pytest.raises(Exception, match="not a Fernet key"):
        crypto.encrypt("x")


# Reveals, notes and staff names -----------------------------------------------------------------


def test_a_reveal_by_get_shows_nothing_and_a_post_is_audited_with_the_fields_shown() -> None:
    made = grievance(name=NAME, nik=NIK)  # no phone, no address
    officer = signed_in("officer")
    for path in (f"/grievances/{made.pk}/?reveal=1", f"/grievances/{made.pk}/reveal/"):
        page = officer.get(path)
        assert page.status_code in (200, 405) and NIK not in page.text and NAME not in page.text
    assert not AuditEvent.objects.filter(action="personal_data_viewed").exists()
    shown = officer.post(f"/grievances/{made.pk}/reveal/")
    assert shown.status_code == 200 and NIK in shown.text and NAME in shown.text
    event = AuditEvent.objects.get(action="personal_data_viewed")
    assert (event.object_id, event.username) == (str(made.pk), officer.user.username)
    assert event.detail["fields"] == ["name", "nik"] and event.detail["purpose"] == "reveal"
    refused = signed_in("analyst").post(f"/grievances/{made.pk}/reveal/")
    assert refused.status_code == 403 and NIK not in refused.text
    assert AuditEvent.objects.filter(action="personal_data_viewed").count() == 1


def test_a_contacts_reveal_records_the_fields_it_shows() -> None:
    contact = Contact.objects.create(organisation=organisation_named("Dinas Sosial"), name="Rina")
    officer = signed_in("officer")
    assert officer.get(f"/stakeholders/contacts/{contact.pk}/reveal/").status_code == 405
    assert not AuditEvent.objects.filter(action="personal_data_viewed").exists()
    page = officer.post(f"/stakeholders/contacts/{contact.pk}/reveal/")
    assert page.status_code == 200 and "Rina" in page.text
    event = AuditEvent.objects.get(action="personal_data_viewed")
    assert (event.object_id, event.detail["fields"]) == (str(contact.pk), ["name"])  # no phone


def test_internal_notes_and_staff_names_only_for_the_roles_that_see_sensitive_cases() -> None:
    programme = new_programme("A", "A", ("Yayasan A",))
    handler = user_with("officer", username="petugas-rahasia")
    made = grievance(programme=programme, assigned_to=handler, status=Status.ASSIGNED)
    GrievanceEvent.objects.create(
        grievance=made, status=Status.ASSIGNED, by=handler, note="Catatan internal rahasia"
    )
    for role, sees in (("kepala", True), ("officer", True), ("auditor", True),
                       ("analyst", False), ("partner", False)):  # fmt: skip
        client = signed_in(role, organisation="Yayasan A")
        for path in (f"/grievances/{made.pk}/", "/grievances/"):
            page = client.get(path)
            assert page.status_code == 200, (role, path)
            assert ("petugas-rahasia" in page.text) == sees, (role, path)
        detail = client.get(f"/grievances/{made.pk}/").text
        assert ("Catatan internal rahasia" in detail) == sees, role


def test_a_nik_in_an_import_report_is_stored_encrypted_masked_and_revealed_by_post(
    settings, tmp_path
) -> None:
    settings.DATASETS_ROOT = tmp_path / "datasets"
    report = ProblemReport()
    report.add(Problem("persons.csv", 7, "nik", "34041345069001", "nik_format"))
    report.add(Problem("persons.csv", 9, "age", "-777", "range"))
    upload = Upload.objects.create(
        owner=user_with("kepala"),
        dataset_name="DTSEN uji",
        folder="uploads/abc",
        state="failed",
        report=report_json(report),
    )
    assert "34041345069001" not in str(Upload.objects.get(pk=upload.pk).report)
    kepala = signed_in("kepala")
    csv = kepala.get(f"/datasets/uploads/{upload.pk}/report.csv").content.decode()
    assert "34041345069001" not in csv and "-777" in csv
    url = f"/datasets/uploads/{upload.pk}/problems/reveal/"
    assert kepala.get(url).status_code == 405
    assert not AuditEvent.objects.filter(action="personal_data_viewed").exists()
    page = kepala.post(url)
    assert page.status_code == 200 and "34041345069001" in page.text
    assert "-777" not in page.text  # the age problem is no personal data: not revealed here
    event = AuditEvent.objects.get(action="personal_data_viewed")
    assert event.detail["cells"] == [{"file": "persons.csv", "row": 7, "column": "nik"}]
    assert signed_in("analyst").post(url).status_code == 403


# Small cells ------------------------------------------------------------------------------------


def test_a_partners_grievance_statistics_suppress_a_cell_of_three() -> None:
    sleman = Region.objects.create(code="34.04", name="Sleman", level="regency")
    programme = new_programme("A", "A", ("Yayasan A",))
    received = timezone.now() - timedelta(days=1)
    cells = {"payment": 3, "targeting": 4, "service": 12}
    for category, n in cells.items():
        for _ in range(n):
            grievance(category=category, programme=programme, region=sleman, received_at=received)
    counted = Counter(Grievance.objects.values_list("category", flat=True))
    assert counted == Counter(cells)  # the cells as made, counted independently
    rows = "/grievances/statistics/"

    def numbers(role: str) -> str:
        page = signed_in(role, organisation="Yayasan A").get(rows)
        assert page.status_code == 200, role
        return page.text

    for role in ("partner", "auditor"):
        page = numbers(role)
        hidden = page.count('<td class="n">x</td>')
        assert hidden == 2 and ">12<" in page, role  # 3 and 4 hidden, 12 shown
        assert ">3<" not in page and ">4<" not in page, role
        assert "di bawah 10 tidak ditampilkan" in page, role  # the minimum, stated
    for role in ("kepala", "analyst", "officer"):
        page = numbers(role)
        assert ">3<" in page and ">4<" in page and '<td class="n">x</td>' not in page, role


def test_a_programmes_monev_dashboard_counts_only_the_grievances_its_reader_may_see() -> None:
    """The programme's progress page counts its grievances as the statistics page does: the
    sensitive ones only for the roles that may see them, small counts hidden for partners."""
    programme = new_programme("B", "B", ("Yayasan A",))
    for _ in range(3):
        grievance(programme=programme, status="received")
    for _ in range(12):
        grievance(programme=programme, status="resolved")
    grievance(programme=programme, category="targeting", sensitive=True, status="received")
    page = "/monev/programmes/B/dashboard/"

    def total(role: str) -> str:
        shown = signed_in(role, organisation="Yayasan A").get(page)
        assert shown.status_code == 200, role
        return shown.text.split("data-grievances>")[1].split("</strong>")[0]

    assert total("kepala") == "16" and total("officer") == "16"  # sensitive ones counted
    assert total("analyst") == "15"  # may not see the sensitive case, so it is not counted
    partner = signed_in("partner", organisation="Yayasan A").get(page).text
    # 3 under the minimum, and 12 with it: the total would give the 3 away.
    assert total("partner") == "15" and partner.count('<td class="n">x</td>') == 2
    assert ">3<" not in partner and ">12<" not in partner and "juga “x”" in partner


def test_one_small_cell_alone_takes_the_next_smallest_with_it(monkeypatch) -> None:
    assert privacy.suppress([3, 12, 40, 0], 10) == [None, None, 40, 0]
    assert privacy.suppress([3, 4, 12], 10) == [None, None, 12]
    assert privacy.suppress([3, 12], 0) == [3, 12]
    monkeypatch.setenv("SEJAHTERA_MIN_CELL", "5")
    assert privacy.min_cell() == 5
    monkeypatch.setenv("SEJAHTERA_MIN_CELL", "lima")
    with pytest.raises(Exception, match="SEJAHTERA_MIN_CELL"):
        privacy.min_cell()


# A killed import --------------------------------------------------------------------------------


def test_a_stale_temporary_upload_folder_is_removed_at_start(settings, tmp_path) -> None:
    from sejahtera.workbench.core.jobs import worker_starting

    settings.DATASETS_ROOT = tmp_path / "datasets"
    now = time.time()
    staging, uploads = services.area(services.STAGING), services.area(services.UPLOADS)
    killed = staging / "killed"
    (killed / "persons.parquet").parent.mkdir()
    (killed / "persons.parquet").write_text("NIK 3404134506900123")
    os.utime(killed, (now - 300, now - 300))
    orphan = uploads / "orphan"  # a request killed while storing: no row names it
    orphan.mkdir()
    os.utime(orphan, (now - 300, now - 300))
    waiting = uploads / "waiting"  # an upload waiting for its mapping: kept
    waiting.mkdir()
    os.utime(waiting, (now - 300, now - 300))
    Upload.objects.create(owner=None, dataset_name="x", folder="uploads/waiting")
    Job.objects.create(  # another worker's import, still running (this very process)
        kind="dataset.import",
        title="x",
        state=JobState.RUNNING,
        started_at=timezone.now() - timedelta(seconds=60),
        worker=f"{os.uname().nodename}:{os.getpid()}",
    )
    running = staging / "running"
    running.mkdir()
    receivers = [r for r in worker_starting._live_receivers(None)[0]]
    assert services.sweep_at_start in receivers  # what a worker's start calls
    assert services.sweep_at_start() == 2
    assert not killed.exists() and not orphan.exists()
    assert waiting.exists() and running.exists()
    killed.mkdir()  # and again, as the server starts
    os.utime(killed, (now - 300, now - 300))
    importlib.reload(importlib.import_module("sejahtera.workbench.wsgi"))
    assert not killed.exists() and running.exists()
