"""What the datasets pages refuse, and that a refusal or a failed import changes nothing:
hostile and malformed files, files over the size limit, roles without the right, a CSRF-less
post, and imports that fail late (after the version's folder is in place) or are cancelled.

Every refusal is checked on its message (which file, why) and on what is left: no upload row,
no version, no folder under the datasets root."""

from __future__ import annotations

import html
import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from sejahtera.workbench.audit.models import AuditEvent
from sejahtera.workbench.core import jobs
from sejahtera.workbench.core.models import Job
from sejahtera.workbench.core.roles import Role
from sejahtera.workbench.datasets import importing, services
from sejahtera.workbench.datasets.models import Dataset, DatasetVersion, Upload, UploadState
from workbench_datasets import (
    demo_frames,
    imported,
    leftovers,
    mapping_form,
    post_files,
    upload,
    written,
)
from workbench_queue import DATABASE_TASKS, work_off
from workbench_users import signed_in

pytestmark = pytest.mark.django_db
MB = 1024 * 1024


@pytest.fixture
def root(settings, tmp_path: Path) -> Path:
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.DATASETS_ROOT = tmp_path / "datasets"
    return settings.DATASETS_ROOT


def nothing_kept(root: Path) -> bool:
    """No upload, dataset or version row, and no file anywhere under the datasets root."""
    rows = Upload.objects.exists() or Dataset.objects.exists() or DatasetVersion.objects.exists()
    files = [p for p in root.glob("**/*") if p.is_file()] if root.exists() else []
    return not rows and files == []


def refusal(client: Client, name: str, content: bytes) -> str:
    """Post one household file ``name`` holding ``content``; the page's text (a 400)."""
    sent = SimpleUploadedFile(name, content)
    response = client.post("/datasets/upload/", {"new_name": "X", "households": sent})
    assert response.status_code == 400, response.status_code
    return html.unescape(response.content.decode())


def a_zip(names: list[str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, "x")
    return out.getvalue()


# Hostile and malformed files


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("data.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "bukan berkas yang dapat dibaca"),
        ("data.xlsx", a_zip(["evil.sh", "readme.txt"]), "bukan berkas yang dapat dibaca"),
        ("data.csv", b"", "kosong"),  # the form says so
        ("data.parquet", b"PAR1" + b"\x00" * 64, "data.parquet"),
        ("data.dta", b"<stata_dta><header>broken", "data.dta"),
        ("data.sav", b"$FL2" + b"\x01" * 40, "data.sav"),
        ("data.csv", b'id,umur\n"K1,40\n', "data.csv"),
    ],
    ids=["png-as-csv", "zip-as-xlsx", "empty", "parquet", "stata", "spss", "open-quote"],
)
def test_a_file_that_is_not_readable_data_is_refused_and_kept_nowhere(
    root, tmp_path, name: str, content: bytes, said: str
) -> None:
    client = signed_in(Role.ANALYST)
    page = refusal(client, name, content)
    assert said in page
    assert nothing_kept(root) and not AuditEvent.objects.filter(action="dataset_uploaded").exists()


def test_a_workbook_that_would_unpack_to_gigabytes_is_refused(root, tmp_path) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            for _ in range(130):
                sheet.write(bytes(MB))  # 130 MB of zeros, about 130 KB packed
    assert len(out.getvalue()) < MB
    page = refusal(signed_in(Role.ANALYST), "rumah_tangga.xlsx", out.getvalue())
    assert "rumah_tangga.xlsx bukan berkas yang dapat dibaca" in page and nothing_kept(root)


def test_the_senders_file_name_is_only_text(root, tmp_path) -> None:
    client = signed_in(Role.ANALYST)
    name = "../../..\\evil\u202e<img src=x onerror=alert(1)>.csv"
    sent = SimpleUploadedFile(name, b"household_id,umur\nK1,40\n")
    response = client.post("/datasets/upload/", {"new_name": "Uji", "households": sent})
    assert response.status_code == 302
    made = Upload.objects.get()
    folder = services.inside(made.folder)
    assert [p.name for p in folder.iterdir()] == ["households.csv"]  # the workbench's name
    assert made.files["households"]["original"] == "evil<img src=x onerror=alert(1)>.csv"
    page = client.get(f"/datasets/uploads/{made.pk}/").content.decode()
    assert "<img src=x" not in page and "evil&lt;img src=x onerror=alert(1)&gt;.csv" in page
    assert not (root.parent / "evil").exists()


def test_markup_and_formulas_in_a_file_stay_text(root, tmp_path) -> None:
    households, persons = demo_frames()
    households = households.rename(columns={"weight": "<img src=x onerror=alert(1)>"})
    households["desil"] = households["desil"].astype(object)
    households.loc[2, "desil"] = '=HYPERLINK("http://x","y")'
    client = signed_in(Role.ANALYST)
    made = upload(
        client,
        households=written(households, tmp_path, "rt", "csv"),
        persons=written(persons, tmp_path, "art", "csv"),
    )
    page = client.get(f"/datasets/uploads/{made.pk}/").content.decode()
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    done = imported(client, made, mapping_form(client, made))
    assert done.state == UploadState.FAILED  # the formula is not a decile
    report = client.get(f"/datasets/uploads/{made.pk}/report.csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK" in report and ",=HYPERLINK" not in report


# Size


def test_a_file_over_the_limit_is_refused_as_it_arrives(root, tmp_path, settings) -> None:
    settings.UPLOAD_MAX_BYTES = MB
    big = tmp_path / "besar.csv"
    big.write_bytes(b"household_id,umur\n" + b"K1,40\n" * (MB // 6 + 100))
    assert MB < big.stat().st_size < 2 * MB  # not announced too large: counted on arrival
    client = signed_in(Role.ANALYST)
    response = post_files(client, {"new_name": "Besar"}, households=big)
    assert response.status_code == 400
    assert "besar.csv lebih besar dari 1 MB" in response.content.decode()
    assert nothing_kept(root)


def test_a_body_announced_too_large_is_refused_unread(root, tmp_path, settings) -> None:
    settings.UPLOAD_MAX_BYTES = MB
    client = signed_in(Role.ANALYST)
    response = client.post(
        "/datasets/upload/",
        b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(4 * MB),
    )
    assert response.status_code == 413
    assert "lebih besar dari 1 MB" in response.content.decode() and nothing_kept(root)


# Who may upload


@pytest.mark.parametrize("role", [Role.OFFICER, Role.AUDITOR, Role.PARTNER])
def test_a_role_without_the_right_cannot_upload_or_import(root, tmp_path, role) -> None:
    households, _ = demo_frames(limit=5)
    analyst = signed_in(Role.ANALYST)
    made = upload(analyst, households=written(households, tmp_path, "rt", "csv"))
    other = signed_in(role, "Yayasan A" if role == Role.PARTNER else "")
    path = written(households, tmp_path, "lain", "csv")
    assert post_files(other, {"new_name": "Lain"}, households=path).status_code == 403
    fields = mapping_form(analyst, made)
    assert other.post(f"/datasets/uploads/{made.pk}/", fields).status_code == 403
    assert Upload.objects.count() == 1 and not Job.objects.exists()
    assert not DatasetVersion.objects.exists()


def test_the_upload_form_needs_its_csrf_token(root, tmp_path) -> None:
    households, _ = demo_frames(limit=5)
    client = Client(enforce_csrf_checks=True)
    client.force_login(signed_in(Role.ANALYST).user)
    response = post_files(
        client, {"new_name": "X"}, households=written(households, tmp_path, "a", "csv")
    )
    assert response.status_code == 403 and nothing_kept(root)


# All or nothing


def files(tmp_path: Path) -> dict[str, Path]:
    households, persons = demo_frames()
    return {
        "households": written(households, tmp_path, "rt", "parquet"),
        "persons": written(persons, tmp_path, "art", "parquet"),
    }


def test_an_import_failing_after_its_folder_is_in_place_leaves_nothing(
    root, tmp_path, monkeypatch
) -> None:
    client = signed_in(Role.ANALYST)
    made = upload(client, **files(tmp_path))
    real = importing.audit.record

    def failing(request, action, *args, **kwargs):  # the last write of the import
        if action == "dataset_imported":
            assert list((root / "versions").iterdir())  # the folder is in place by now
            raise RuntimeError("disk full")
        return real(request, action, *args, **kwargs)

    monkeypatch.setattr(importing.audit, "record", failing)
    done = imported(client, made, mapping_form(client, made))
    assert done.state == UploadState.FAILED and done.version is None
    assert not DatasetVersion.objects.exists() and not Dataset.objects.exists()
    assert leftovers(root) == []
    job = Job.objects.get(kind=importing.IMPORT)
    assert job.state == "failed" and "disk full" not in job.error and job.reference
    page = client.get(f"/datasets/uploads/{made.pk}/").content.decode()
    assert job.reference in page and 'id="mapping-form"' in page  # to be tried again
    monkeypatch.setattr(importing.audit, "record", real)
    again = imported(client, made, mapping_form(client, made))
    assert again.state == UploadState.IMPORTED and again.version.number == 1


def test_a_cancelled_import_writes_nothing(root, tmp_path, settings) -> None:
    settings.TASKS = DATABASE_TASKS
    client = signed_in(Role.KEPALA)
    made = upload(client, **files(tmp_path))
    response = client.post(f"/datasets/uploads/{made.pk}/", mapping_form(client, made))
    assert response.status_code == 302
    job = Job.objects.get(kind=importing.IMPORT)
    assert client.post(f"/jobs/{job.pk}/cancel/").status_code in (200, 302)
    work_off()
    job.refresh_from_db()
    assert job.state == "cancelled" and not DatasetVersion.objects.exists()
    assert leftovers(root) == []


def test_an_import_stopped_between_steps_leaves_no_staging(root, tmp_path, monkeypatch) -> None:
    client = signed_in(Role.ANALYST)
    made = upload(client, **files(tmp_path))
    steps = []

    def stop_late(self, fraction: float, message: str) -> None:
        steps.append(fraction)
        if fraction > 0.5:  # the data are read and checked, being written to staging/
            raise jobs.Cancelled

    monkeypatch.setattr(jobs.Progress, "step", stop_late)
    done = imported(client, made, mapping_form(client, made))
    assert max(steps) > 0.5 and done.state == UploadState.FAILED
    assert not DatasetVersion.objects.exists() and leftovers(root) == []


def test_a_second_import_of_an_upload_being_imported_is_refused(root, tmp_path, settings) -> None:
    settings.TASKS = DATABASE_TASKS
    client = signed_in(Role.ANALYST)
    made = upload(client, **files(tmp_path))
    fields = mapping_form(client, made)
    assert client.post(f"/datasets/uploads/{made.pk}/", fields).status_code == 302
    again = client.post(f"/datasets/uploads/{made.pk}/", fields)
    assert again.status_code == 409 and Job.objects.count() == 1
    work_off()
    assert DatasetVersion.objects.count() == 1
