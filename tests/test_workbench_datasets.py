"""Datasets in the workbench (the datasets app): versions registered from dataset folders and
imported from files uploaded in the browser, the version the office works on, each version's
folder under the datasets root, and the validation report.

Fixtures are the synthetic demo data written out in each format an office sends; every figure
is checked against the files the test wrote (counts, values) or an independent SHA-256."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.core.management import call_command
from django.test import Client

from sejahtera.errors import SejahteraError
from sejahtera.synth import SynthOptions, synthesise
from sejahtera.workbench.audit.models import AuditEvent
from sejahtera.workbench.core.roles import Role
from sejahtera.workbench.datasets import services
from sejahtera.workbench.datasets.models import (
    Dataset,
    DatasetVersion,
    Upload,
    UploadState,
)
from workbench_datasets import demo_frames, written
from workbench_users import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(settings, tmp_path: Path) -> Path:
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.DATASETS_ROOT = tmp_path / "datasets"
    return settings.DATASETS_ROOT


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic DI Yogyakarta of 300 households."""
    return synthesise(SynthOptions("34", 300, seed=3), tmp_path_factory.mktemp("s") / "diy").path


def leftovers(root: Path) -> list[Path]:
    """What is inside versions/ and staging/ under the datasets root."""
    return [p for area in ("versions", "staging") for p in (root / area).glob("**/*")]


# Registering dataset folders


def test_a_registered_folder_is_copied_and_its_checksum_is_the_manifests(root, small) -> None:
    registered = services.register(small, name="Registri DIY")
    version = registered.version
    assert registered.created and version.number == 1
    assert version.checksum == hashlib.sha256((small / "dataset.json").read_bytes()).hexdigest()
    manifest = json.loads((small / "dataset.json").read_text())
    assert (version.households, version.persons) == (manifest["households"], manifest["persons"])
    assert version.synthetic is True and version.schema_version == "sejahtera/v1"
    folder = services.folder_of(version)
    assert folder.parent == root / "versions"
    for name, digest in manifest["files"].items():  # the copy holds the same bytes
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest
    assert services.current_version() == version and services.version(version.pk) == version


def test_registering_the_same_data_again_makes_no_version(root, small) -> None:
    first = services.register(small)
    again = services.register(small)
    assert not again.created and again.version == first.version
    assert DatasetVersion.objects.count() == 1
    assert len(list((root / "versions").iterdir())) == 1


def test_the_current_version_is_the_newest_of_the_default_dataset(root, small, tmp_path) -> None:
    other = synthesise(SynthOptions("34", 200, seed=4), tmp_path / "other").path
    first = services.register(small, name="A").version
    services.register(other, name="B")
    assert services.current_version() == first  # the first dataset stays the default
    later = synthesise(SynthOptions("34", 250, seed=5), tmp_path / "later").path
    newer = services.register(later, name="A").version
    assert newer.number == 2 and services.current_version() == newer
    made = synthesise(SynthOptions("34", 210, seed=6), tmp_path / "c").path
    c = services.register(made, name="C", default=True).version
    assert services.current_version() == c
    assert list(Dataset.objects.filter(is_default=True)) == [c.dataset]


def test_a_stored_folder_cannot_point_outside_the_root(root) -> None:
    for stored in ("../elsewhere", "/etc", "versions/../../x"):
        with pytest.raises(ValueError):
            services.inside(stored)


def test_the_command_registers_once_and_is_audited(root, small, capsys) -> None:
    call_command("register_dataset", str(small), "--name", "Demo")
    call_command("register_dataset", str(small), "--name", "Demo")
    out = capsys.readouterr().out
    assert "Demo v1" in out and "already registered" in out
    assert DatasetVersion.objects.count() == 1
    assert AuditEvent.objects.filter(action="dataset_registered").count() == 1


def test_a_damaged_folder_is_refused_and_leaves_nothing(root, small, tmp_path) -> None:
    damaged = tmp_path / "damaged"
    shutil.copytree(small, damaged)
    (damaged / "persons.parquet").write_bytes(b"not parquet")
    with pytest.raises(SejahteraError, match=r"persons\.parquet"):
        services.register(damaged)
    assert not DatasetVersion.objects.exists() and not Dataset.objects.exists()
    assert leftovers(root) == []


def test_sweep_removes_what_killed_work_left_and_keeps_versions(root, small) -> None:
    kept = services.register(small).version
    left = services.area(services.STAGING) / "abandoned"
    (left / "households").mkdir(parents=True)
    stray = services.area(services.VERSIONS) / "stray"
    stray.mkdir()
    assert services.sweep() == 0  # too recent: it may be an import in progress
    assert services.sweep(now=9e12) == 2
    folder = services.folder_of(kept)
    assert set(leftovers(root)) == {folder, *folder.glob("**/*")}


# Uploading, mapping and importing in the browser


def upload(client: Client, *, name: str = "DTSEN uji", **files: Path) -> Upload:
    """Post ``files`` (households=…, persons=…) as a new dataset called ``name``."""
    data: dict[str, object] = {"new_name": name}
    handles = {table: path.open("rb") for table, path in files.items()}
    try:
        response = client.post("/datasets/upload/", data | handles)
    finally:
        for handle in handles.values():
            handle.close()
    assert response.status_code == 302, response.content.decode()[:2000]
    return Upload.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


def mapping_form(client: Client, made: Upload, query: str = "") -> dict[str, str]:
    """The mapping form's fields as the page fills them in (each select's chosen option)."""
    import re

    page = client.get(f"/datasets/uploads/{made.pk}/{query}").content.decode()
    chosen = {}
    for name, options in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        picked = re.search(r'<option value="([^"]*)" selected>', options)
        chosen[name] = picked.group(1) if picked else ""
    chosen.pop("mapping", None)  # the saved-mapping chooser is its own form
    return chosen


def imported(client: Client, made: Upload, fields: dict[str, str]) -> Upload:
    response = client.post(f"/datasets/uploads/{made.pk}/", fields)
    assert response.status_code == 302, response.content.decode()[:3000]
    made.refresh_from_db()
    return made


@pytest.mark.parametrize("kind", ["csv", "xlsx", "dta", "sav", "parquet"])
def test_each_format_uploads_maps_and_imports(root, tmp_path, kind: str) -> None:
    households, persons = demo_frames()
    client = signed_in(Role.ANALYST)
    made = upload(
        client,
        households=written(households, tmp_path, "rumah_tangga", kind),
        persons=written(persons, tmp_path, "anggota", kind),
    )
    fields = mapping_form(client, made)
    assert fields["households__household_id"] == "household_id"  # guessed by name
    assert fields["persons__age"] == "age"
    done = imported(client, made, fields)
    assert done.state == UploadState.IMPORTED, (done.error, done.report)
    version = done.version
    assert (version.households, version.persons) == (len(households), len(persons))
    folder = services.folder_of(version)
    digest = hashlib.sha256((folder / "dataset.json").read_bytes()).hexdigest()
    assert version.checksum == digest
    stored = pq.read_table(folder / "households.parquet").to_pandas()
    assert stored["household_id"].tolist() == households["household_id"].tolist()
    assert stored["consumption_pc"].sum() == pytest.approx(households["consumption_pc"].sum())
    assert version.uploaded_by == client.user and version.source_files == [
        f"rumah_tangga.{kind}",
        f"anggota.{kind}",
    ]
    assert not services.inside(done.folder).exists()  # the upload's files, once imported
    page = client.get(f"/datasets/versions/{version.pk}/")
    assert page.status_code == 200 and version.checksum in page.content.decode()


def test_a_person_level_file_serves_both_tables(root, tmp_path) -> None:
    households, persons = demo_frames()
    one = persons.merge(households, on="household_id")
    client = signed_in(Role.KEPALA)
    made = upload(client, households=written(one, tmp_path, "susenas_individu", "csv"))
    done = imported(client, made, mapping_form(client, made))
    assert done.state == UploadState.IMPORTED, done.report
    assert (done.version.households, done.version.persons) == (len(households), len(persons))
