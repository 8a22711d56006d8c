"""Datasets in the workbench (the datasets app): versions registered from dataset folders, the
version the office works on, and each version's folder under the datasets root."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

from sejahtera.errors import SejahteraError
from sejahtera.synth import SynthOptions, synthesise
from sejahtera.workbench.audit.models import AuditEvent
from sejahtera.workbench.datasets import services
from sejahtera.workbench.datasets.models import Dataset, DatasetVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(settings, tmp_path: Path) -> Path:
    settings.DATASETS_ROOT = tmp_path / "datasets"
    return settings.DATASETS_ROOT


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic DI Yogyakarta of 300 households."""
    return synthesise(SynthOptions("34", 300, seed=3), tmp_path_factory.mktemp("s") / "diy").path


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
    chosen = services.register(tmp_path / "other", name="C", default=True)
    assert not chosen.created  # the same data as B: B's version, and nothing changes
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


def leftovers(root: Path) -> list[Path]:
    """What is inside versions/ and staging/ under the datasets root."""
    return [p for area in ("versions", "staging") for p in (root / area).glob("**/*")]
