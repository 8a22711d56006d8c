"""The datasets and jobs of the REST API: ``GET /api/datasets`` (each row's ``id``),
``POST /api/datasets`` (an upload whose import runs as a job), ``GET /api/jobs/{id}`` (state,
progress, result, error), their OpenAPI description, and what each role may do.

Figures are checked against the files the test sent and an independent SHA-256."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from sejahtera.workbench.audit.models import AuditEvent
from sejahtera.workbench.core.models import Job
from sejahtera.workbench.core.roles import Role
from sejahtera.workbench.core.tokens import issue
from sejahtera.workbench.datasets import services
from sejahtera.workbench.datasets.models import DatasetVersion, SavedMapping, Upload
from workbench_datasets import demo_frames, leftovers, registered, written
from workbench_queue import DATABASE_TASKS, work_off
from workbench_users import user_with

pytestmark = pytest.mark.django_db
MB = 1024 * 1024


@pytest.fixture
def root(settings, tmp_path: Path) -> Path:
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.DATASETS_ROOT = tmp_path / "datasets"
    return settings.DATASETS_ROOT


def bearer(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {issue(user)}"}


def same_names(*frames) -> dict[str, object]:
    """A sejahtera-mapping/v1 taking each schema column from the file's column of its name."""
    tables = ("households", "persons")
    return {"format": "sejahtera-mapping/v1"} | {
        table: {"columns": {str(c): str(c) for c in frame.columns}}
        for table, frame in zip(tables, frames, strict=True)
    }


def post(user, files: dict[str, Path], **fields: str):
    """``POST /api/datasets`` as ``user`` with ``files`` (table → path) and form ``fields``."""
    sent = {t: SimpleUploadedFile(p.name, p.read_bytes()) for t, p in files.items()}
    return Client().post("/api/datasets", fields | sent, **bearer(user))


def job_of(user, response) -> dict[str, object]:
    assert response.status_code == 202, response.content.decode()[:1000]
    answer = Client().get(f"/api/jobs/{response.json()['job']}", **bearer(user))
    assert answer.status_code == 200
    return answer.json()


@pytest.fixture
def sent(tmp_path: Path) -> tuple[dict[str, Path], dict[str, object], int, int]:
    households, persons = demo_frames()
    files = {
        "households": written(households, tmp_path, "rumah_tangga", "csv"),
        "persons": written(persons, tmp_path, "anggota", "csv"),
    }
    return files, same_names(households, persons), len(households), len(persons)


def test_the_list_gives_each_version_with_its_id_and_checksum(root) -> None:
    version = registered()
    answer = Client().get("/api/datasets", **bearer(user_with(Role.OFFICER)))
    assert answer.status_code == 200
    [row] = answer.json()
    digest = hashlib.sha256((services.folder_of(version) / "dataset.json").read_bytes())
    assert row["id"] == version.pk and row["checksum"] == digest.hexdigest()
    manifest = json.loads((services.folder_of(version) / "dataset.json").read_text())
    assert (row["households"], row["persons"]) == (manifest["households"], manifest["persons"])
    assert row["dataset"] == "Registri DIY" and row["version"] == 1 and row["current"] is True


def test_an_upload_is_imported_as_a_job_whose_result_is_the_new_version(root, sent) -> None:
    files, mapping, households, persons = sent
    analyst = user_with(Role.ANALYST)
    response = post(analyst, files, dataset="DTSEN API", mapping=json.dumps(mapping))
    job = job_of(analyst, response)
    assert (job["state"], job["progress"], job["error"]) == ("done", 1.0, "")
    version = DatasetVersion.objects.get()
    assert job["result"]["version"] == version.pk
    assert (job["result"]["households"], job["result"]["persons"]) == (households, persons)
    assert version.uploaded_by == analyst and version.source_files == [
        "rumah_tangga.csv",
        "anggota.csv",
    ]
    digest = hashlib.sha256((services.folder_of(version) / "dataset.json").read_bytes())
    assert version.checksum == digest.hexdigest() == job["result"]["checksum"]
    listed = Client().get("/api/datasets", **bearer(analyst)).json()
    assert [row["id"] for row in listed] == [version.pk]
    event = AuditEvent.objects.get(action="dataset_uploaded")
    assert event.user == analyst and event.detail["api"] is True
    assert AuditEvent.objects.filter(action="dataset_imported", user=analyst).count() == 1


def test_a_saved_mapping_is_taken_by_name(root, sent) -> None:
    files, mapping, _, persons = sent
    SavedMapping.objects.create(name="Format DTSEN", content=mapping)
    kepala = user_with(Role.KEPALA)
    job = job_of(kepala, post(kepala, files, dataset="Dua", mapping="Format DTSEN"))
    assert job["state"] == "done" and job["result"]["persons"] == persons
    assert DatasetVersion.objects.get().mapping_name == "Format DTSEN"


def test_a_failed_import_says_where_in_the_job_and_leaves_nothing(root, sent, tmp_path) -> None:
    files, mapping, _, _ = sent
    _households, persons = demo_frames()
    persons.loc[4, "age"] = 400  # row 5 of the person file
    files["persons"] = written(persons, tmp_path, "anggota", "csv")
    analyst = user_with(Role.ANALYST)
    job = job_of(analyst, post(analyst, files, dataset="Rusak", mapping=json.dumps(mapping)))
    assert job["state"] == "failed" and job["result"] is None
    assert "anggota.csv" in job["error"] and "baris 5" in job["error"] and "400" in job["error"]
    assert not DatasetVersion.objects.exists() and leftovers(root) == []
    assert job["link"] == f"/datasets/uploads/{Upload.objects.get().pk}/"  # the report's page


@pytest.mark.parametrize(
    ("mapping", "said"),
    [
        ("{not json", "JSON"),
        ("Tidak ada", "Tidak ada"),
        ('{"format": "sejahtera-mapping/v1", "households": {"column": {}}}', "column"),
    ],
    ids=["not-json", "no-such-saved-mapping", "unknown-key"],
)
def test_a_mapping_that_is_not_one_is_refused_before_anything_is_kept(
    root, sent, mapping: str, said: str
) -> None:
    files, _, _, _ = sent
    answer = post(user_with(Role.ANALYST), files, dataset="X", mapping=mapping)
    assert answer.status_code == 400 and said in answer.json()["detail"]
    assert not Upload.objects.exists() and not Job.objects.exists()
    assert [p for p in root.glob("**/*") if p.is_file()] == []


def test_a_file_that_is_not_data_is_refused(root, sent, tmp_path) -> None:
    files, mapping, _, _ = sent
    fake = tmp_path / "rumah_tangga.xlsx"
    fake.write_bytes(b"MZ\x90\x00\x03" + b"\x00" * 100)  # a Windows program
    answer = post(user_with(Role.ANALYST), files | {"households": fake}, dataset="X",
                  mapping=json.dumps(mapping))  # fmt: skip
    assert answer.status_code == 400 and "rumah_tangga.xlsx" in answer.json()["detail"]
    assert not Upload.objects.exists() and not Job.objects.exists()


def test_files_over_the_limit_are_refused(root, sent, settings, tmp_path) -> None:
    files, mapping, _, _ = sent
    settings.UPLOAD_MAX_BYTES = MB
    big = tmp_path / "besar.csv"
    big.write_bytes(b"household_id\n" + b"K1\n" * (MB // 3 + 10))
    analyst = user_with(Role.ANALYST)
    for table in ("households", "persons"):
        answer = post(analyst, files | {table: big}, dataset="X", mapping=json.dumps(mapping))
        assert answer.status_code == 413 and "besar.csv" in answer.json()["detail"], table
    announced = Client().post(
        "/api/datasets",
        b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(4 * MB),
        **bearer(analyst),
    )
    assert announced.status_code == 413 and "1 MB" in announced.json()["detail"]
    assert not Upload.objects.exists() and not Job.objects.exists()


@pytest.mark.parametrize("role", [Role.OFFICER, Role.AUDITOR, Role.PARTNER])
def test_only_the_head_and_analysts_upload(root, sent, role) -> None:
    files, mapping, _, _ = sent
    user = user_with(role, "Yayasan A" if role == Role.PARTNER else "")
    answer = post(user, files, dataset="X", mapping=json.dumps(mapping))
    assert answer.status_code == 403
    assert not Upload.objects.exists() and not Job.objects.exists()
    listed = Client().get("/api/datasets", **bearer(user)).status_code
    assert listed == (403 if role == Role.PARTNER else 200)
    anonymous = Client().post("/api/datasets", {"dataset": "X", "mapping": "{}"})
    assert anonymous.status_code == 401


def test_a_job_is_seen_by_its_owner_and_the_office_not_by_a_partner(root, settings, sent) -> None:
    settings.TASKS = DATABASE_TASKS
    files, mapping, _, _ = sent
    analyst = user_with(Role.ANALYST)
    response = post(analyst, files, dataset="Antre", mapping=json.dumps(mapping))
    queued = job_of(analyst, response)
    assert (queued["state"], queued["progress"], queued["result"]) == ("queued", 0.0, None)
    path = f"/api/jobs/{queued['id']}"
    assert Client().get(path, **bearer(user_with(Role.OFFICER))).status_code == 200
    assert Client().get(path, **bearer(user_with(Role.PARTNER, "Yayasan A"))).status_code == 404
    assert Client().get("/api/jobs/999999", **bearer(analyst)).status_code == 404
    work_off()
    done = Client().get(path, **bearer(analyst)).json()
    assert done["state"] == "done" and done["result"]["version"] == DatasetVersion.objects.get().pk


def test_openapi_documents_the_datasets_and_jobs() -> None:
    schema = Client().get("/api/openapi.json").json()
    datasets = schema["paths"]["/api/datasets"]
    assert set(datasets) == {"get", "post"}
    body = datasets["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    fields = body.get("properties") or {}
    if "$ref" in body:  # a named component
        fields = schema["components"]["schemas"][body["$ref"].split("/")[-1]]["properties"]
    assert {"households", "persons", "dataset", "mapping", "reference_date"} <= set(fields)
    assert {"202", "400", "413"} <= set(datasets["post"]["responses"])
    listed = datasets["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    row = schema["components"]["schemas"][listed["items"]["$ref"].split("/")[-1]]
    assert {"id", "checksum", "households", "persons"} <= set(row["properties"])
    job = schema["paths"]["/api/jobs/{job_id}"]["get"]["responses"]["200"]
    out = schema["components"]["schemas"][
        job["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    ]
    assert {"queued", "running", "done", "failed"} <= set(out["properties"]["state"]["enum"])
    assert {"state", "progress", "result", "error"} <= set(out["properties"])
