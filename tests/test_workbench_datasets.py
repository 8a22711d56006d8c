"""Datasets in the workbench (the datasets app): versions registered from dataset folders and
imported from files uploaded in the browser, the version the office works on, each version's
folder under the datasets root, and the validation report.

Fixtures are the synthetic demo data written out in each format an office sends; every figure
is checked against the files the test wrote (counts, values) or an independent SHA-256."""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.core.management import call_command

from sejahtera.data.regions import registry
from sejahtera.errors import SejahteraError
from sejahtera.synth import SynthOptions, synthesise
from sejahtera.workbench.audit.models import AuditEvent
from sejahtera.workbench.core.models import Job
from sejahtera.workbench.core.roles import Role
from sejahtera.workbench.datasets import services
from sejahtera.workbench.datasets.models import (
    Dataset,
    DatasetVersion,
    SavedMapping,
    Upload,
    UploadState,
)
from workbench_datasets import (
    demo_frames,
    imported,
    leftovers,
    mapping_form,
    post_files,
    problems_in,
    tiny,
    upload,
    uploaded,
    written,
)
from workbench_queue import DATABASE_TASKS, work_off
from workbench_users import signed_in, user_with

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
    orphan = services.area(services.UPLOADS) / "killed-mid-request"
    orphan.mkdir()
    waiting = uploaded(user_with(Role.ANALYST), households=("rt.csv", b"ID,UMUR\nK1,40\n"))
    assert services.sweep() == 0  # too recent: it may be an import in progress
    assert services.sweep(now=9e12) == 3
    folder = services.folder_of(kept)
    assert set(leftovers(root)) == {folder, *folder.glob("**/*")}
    assert [p.name for p in (root / "uploads").iterdir()] == [Path(waiting.folder).name]


# Uploading, mapping and importing in the browser


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


# The mapping, saved for reuse


RENAMED = {"household_id": "NO_RUTA", "consumption_pc": "PENGELUARAN_KAP", "age": "UMR_THN"}


def test_a_mapping_saved_under_a_name_maps_the_next_file_of_its_kind(root, tmp_path) -> None:
    households, persons = demo_frames()
    households = households.rename(columns=RENAMED)
    persons = persons.rename(columns=RENAMED)
    client = signed_in(Role.ANALYST)
    files = {
        "households": written(households, tmp_path, "ruta", "csv"),
        "persons": written(persons, tmp_path, "art", "csv"),
    }
    first = upload(client, name="Desa", **files)
    fields = mapping_form(client, first)
    assert fields["households__household_id"] == ""  # no name to guess it from
    fields |= {
        "households__household_id": "NO_RUTA",
        "households__consumption_pc": "PENGELUARAN_KAP",
        "persons__household_id": "NO_RUTA",
        "persons__age": "UMR_THN",
        "save_as": "Format desa",
    }
    assert imported(client, first, fields).state == UploadState.IMPORTED
    saved = SavedMapping.objects.get(name="Format desa")
    assert saved.content["persons"]["columns"]["UMR_THN"] == "age"
    assert AuditEvent.objects.filter(action="mapping_saved").count() == 1

    other = signed_in(Role.KEPALA)  # another user, the next month's files
    second = upload(other, name="Desa bulan depan", **files)
    page = other.get(f"/datasets/uploads/{second.pk}/").content.decode()
    assert '<option value="Format desa">' in page  # offered in the chooser
    again = mapping_form(other, second, "?mapping=Format+desa")
    assert again["households__household_id"] == "NO_RUTA" and again["persons__age"] == "UMR_THN"
    done = imported(other, second, again)
    assert done.state == UploadState.IMPORTED and done.version.mapping_name == "Format desa"
    ages = pq.read_table(services.folder_of(done.version) / "persons.parquet")["age"]
    assert ages.to_pylist() == persons["UMR_THN"].tolist()


def test_a_column_chosen_twice_is_refused_in_the_form(root, tmp_path) -> None:
    households, persons = demo_frames()
    client = signed_in(Role.ANALYST)
    made = upload(
        client,
        households=written(households, tmp_path, "rt", "csv"),
        persons=written(persons, tmp_path, "art", "csv"),
    )
    fields = mapping_form(client, made) | {"households__weight": "consumption_pc"}
    response = client.post(f"/datasets/uploads/{made.pk}/", fields)
    assert response.status_code == 400
    assert "consumption_pc" in response.content.decode() and not DatasetVersion.objects.exists()
    made.refresh_from_db()
    assert made.state == UploadState.UPLOADED


# The validation report in the page


def test_a_wrong_column_fails_the_import_with_each_cell_in_the_report(root, tmp_path) -> None:
    households, persons = demo_frames()
    client = signed_in(Role.ANALYST)
    made = upload(
        client,
        households=written(households, tmp_path, "rt", "csv"),
        persons=written(persons, tmp_path, "anggota", "csv"),
    )
    fields = mapping_form(client, made) | {"persons__age": "sex"}  # M/F is not an age
    fields["persons__sex"] = ""
    done = imported(client, made, fields)
    assert done.state == UploadState.FAILED and done.version is None
    assert not DatasetVersion.objects.exists() and not Dataset.objects.exists()
    assert leftovers(root) == []
    assert services.inside(done.folder).exists()  # kept, to be mapped again

    page = client.get(f"/datasets/uploads/{made.pk}/").content.decode()
    shown = problems_in(page)
    ages = [p for p in shown if p["key"] == "type"]
    assert len(ages) == min(len(persons), 50)  # the report's first page
    first = ages[0]  # the file as its sender named it, the column as the file calls it
    assert (first["file"], first["row"], first["value"]) == ("anggota.csv", "1", persons["sex"][0])
    assert first["column"].startswith("sex →") and first["rule"].startswith("bukan nilai")
    assert f">{len(persons):,}<".replace(",", ".") in page  # every one counted (id format)
    assert done.report["counts"]["type"] == len(persons)


def test_an_unknown_region_code_is_reported_at_its_row(root, tmp_path) -> None:
    households, persons = demo_frames()
    households.loc[6, "village_code"] = "34.01.01.9999"  # no such desa
    client = signed_in(Role.KEPALA)
    made = upload(
        client,
        households=written(households, tmp_path, "rumah_tangga", "xlsx"),
        persons=written(persons, tmp_path, "anggota", "xlsx"),
    )
    done = imported(client, made, mapping_form(client, made))
    assert done.state == UploadState.FAILED and not DatasetVersion.objects.exists()
    shown = problems_in(client.get(f"/datasets/uploads/{made.pk}/").content.decode())
    unknown = [p for p in shown if p["key"] == "region_unknown"]
    assert unknown and unknown[0]["file"] == "rumah_tangga.xlsx"
    assert unknown[0]["row"] == "7" and unknown[0]["value"] == "34.01.01.9999"
    assert unknown[0]["column"].startswith("village_code")
    csv_text = client.get(f"/datasets/uploads/{made.pk}/report.csv").content.decode("utf-8-sig")
    assert "rumah_tangga.xlsx,7,village_code,34.01.01.9999,region_unknown," in csv_text


def test_the_report_is_in_indonesian_and_english(root, tmp_path) -> None:
    households, persons = demo_frames()
    households.loc[0, "consumption_pc"] = -5
    client = signed_in(Role.ANALYST)
    made = upload(
        client,
        households=written(households, tmp_path, "rt", "csv"),
        persons=written(persons, tmp_path, "art", "csv"),
    )
    imported(client, made, mapping_form(client, made))
    page = client.get(f"/datasets/uploads/{made.pk}/", HTTP_ACCEPT_LANGUAGE="id")
    indonesian = problems_in(page.content.decode())
    client.post("/i18n/setlang/", {"language": "en"})
    english = problems_in(client.get(f"/datasets/uploads/{made.pk}/").content.decode())
    assert [p["key"] for p in indonesian] == ["range"] == [p["key"] for p in english]
    assert indonesian[0]["rule"].startswith("di luar rentang")
    assert english[0]["rule"].startswith("outside the allowed range")
    assert indonesian[0]["row"] == "1" and indonesian[0]["value"] == "-5.0"  # as in the file


# Versions: who, when, checksum; the import as a job with its progress


def test_a_second_upload_is_the_next_version_with_its_uploader_and_checksum(root, tmp_path) -> None:
    households, persons = demo_frames()
    first = signed_in(Role.ANALYST)
    one = imported(
        first,
        made := upload(
            first,
            name="Sleman",
            households=written(households, tmp_path, "a", "parquet"),
            persons=written(persons, tmp_path, "b", "parquet"),
        ),
        mapping_form(first, made),
    ).version
    fewer_households, fewer_persons = demo_frames(limit=40)
    second = signed_in(Role.KEPALA)
    response = post_files(
        second,
        {"dataset": one.dataset.pk},
        households=written(fewer_households, tmp_path, "c", "csv"),
        persons=written(fewer_persons, tmp_path, "d", "csv"),
    )
    made = Upload.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    two = imported(second, made, mapping_form(second, made)).version
    assert (one.dataset, one.number, two.dataset, two.number) == (one.dataset, 1, one.dataset, 2)
    assert (two.households, two.persons) == (40, len(fewer_persons))
    assert one.uploaded_by == first.user and two.uploaded_by == second.user
    assert two.uploaded_at >= one.uploaded_at and one.checksum != two.checksum
    assert services.current_version() == two
    page = first.get(f"/datasets/{one.dataset.pk}/").content.decode()
    for version, client in ((one, first), (two, second)):
        assert version.checksum[:12] in page and client.user.username in page
    events = AuditEvent.objects.filter(action="dataset_imported").order_by("pk")
    assert [e.user for e in events] == [first.user, second.user]


def test_the_import_waits_as_a_job_with_a_progress_bar(root, tmp_path, settings) -> None:
    settings.TASKS = DATABASE_TASKS
    households, persons = demo_frames()
    client = signed_in(Role.ANALYST)
    made = upload(
        client,
        households=written(households, tmp_path, "rt", "csv"),
        persons=written(persons, tmp_path, "art", "csv"),
    )
    response = client.post(f"/datasets/uploads/{made.pk}/", mapping_form(client, made))
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert '<progress max="100" value="0.0">' in page and 'data-state="queued"' in page
    assert 'id="mapping-form"' not in page  # not twice at once
    job = Job.objects.get(kind="dataset.import")
    assert job.owner == client.user and job.state == "queued"
    work_off()
    job.refresh_from_db()
    assert job.state == "done" and job.progress == 1.0, job.error
    version = DatasetVersion.objects.get()
    assert job.result["version"] == version.pk and job.result["checksum"] == version.checksum
    after = client.get(f"/datasets/uploads/{made.pk}/")
    assert after.status_code == 302 and after["Location"] == f"/datasets/versions/{version.pk}/"


# The pages at a glance


def test_a_versions_page_counts_its_households_by_kabupaten(root) -> None:
    version = services.register(tiny(), name="Registri DIY").version
    households, persons = demo_frames()
    expected = households["regency_code"].value_counts()  # counted here, from the files
    client = signed_in(Role.OFFICER)
    page = client.get(f"/datasets/versions/{version.pk}/").content.decode()
    rows = re.findall(r'<tr data-code="([^"]+)"><td>[^<]*</td><td class="n">([^<]+)</td>', page)
    assert {code: int(n.replace(".", "")) for code, n in rows} == expected.to_dict()
    names = registry()
    figure = re.search(r'<figure class="chart" id="by-regency">(.*?)</figure>', page, re.S)
    for code in expected.index:
        assert html.escape(names.name(code)) in figure.group(1)
    tile = re.search(r'data-count="(\d+)">([^<]+)<', page)
    assert tile.groups() == (str(len(households)), f"{len(households):,}".replace(",", "."))
    size = f"{len(persons) / len(households):.1f}".replace(".", ",")
    assert f"{size} per rumah tangga" in page


def test_the_list_says_which_version_is_in_use_and_what_waits(root, tmp_path) -> None:
    version = services.register(tiny(), name="Registri DIY").version
    analyst = signed_in(Role.ANALYST)
    upload(analyst, name="Menunggu", households=written(demo_frames()[0], tmp_path, "a", "csv"))
    page = analyst.get("/datasets/").content.decode()
    current = re.search(r'id="tile-current".*?data-count="(\d+)"', page, re.S)
    assert int(current.group(1)) == version.households
    waiting = re.search(r'id="tile-waiting".*?data-count="(\d+)"', page, re.S)
    assert waiting.group(1) == "1" and "Menunggu" in page
    officer = signed_in(Role.OFFICER).get("/datasets/").content.decode()
    assert 'id="tile-waiting"' not in officer and "Menunggu" not in officer  # not an uploader
