"""What the other pages and jobs need of datasets: the version the office works on, a version
by id, its folder, and registering a complete ``sejahtera/v1`` folder as a new version.

A version's folder lives under ``settings.DATASETS_ROOT`` (``SEJAHTERA_DATASETS``)::

    versions/<hex>/      one folder per version, never changed once its row exists
    staging/<hex>/       being copied or imported; moved into versions/ with the row, or removed
    uploads/<hex>/       files received in the browser or the API, waiting to be imported

The row and the folder appear together: the folder is renamed into ``versions/`` inside the
transaction that creates the row, and removed again if that transaction fails.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from sejahtera.data.dataset import MANIFEST, Manifest
from sejahtera.data.dataset import Dataset as DataFolder
from sejahtera.workbench.datasets.models import Dataset, DatasetVersion, Upload

VERSIONS, STAGING, UPLOADS = "versions", "staging", "uploads"
STALE_SECONDS = 24 * 3600  # a staging folder this old belongs to work that was killed


def root() -> Path:
    """The datasets folder (``settings.DATASETS_ROOT``)."""
    return Path(settings.DATASETS_ROOT)


def area(name: str) -> Path:
    """``versions``, ``staging`` or ``uploads`` under the root, made when missing."""
    folder = root() / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def inside(relative: str) -> Path:
    """``relative`` (as stored in a row) resolved under the root; anything that would leave
    the root is refused rather than followed."""
    base = root().resolve()
    path = (base / relative).resolve()
    if relative.startswith("/") or ".." in Path(relative).parts or base not in path.parents:
        raise ValueError(f"not a folder under the datasets root: {relative!r}")
    return path


def folder_of(version: DatasetVersion) -> Path:
    """The ``sejahtera/v1`` folder of ``version`` (open it with ``sejahtera.data.dataset``)."""
    return inside(version.folder)


def default_dataset() -> Dataset | None:
    """The dataset the office works on: the one marked default, else the first registered."""
    return Dataset.objects.filter(is_default=True).first() or Dataset.objects.order_by("pk").first()


def current_version() -> DatasetVersion | None:
    """The newest version of the default dataset (None before any is registered)."""
    dataset = default_dataset()
    if dataset is None:
        return None
    return dataset.versions.select_related("dataset").order_by("-number").first()


def version(pk: int) -> DatasetVersion:
    """The version ``pk`` (``DatasetVersion.DoesNotExist`` when there is none)."""
    return DatasetVersion.objects.select_related("dataset", "uploaded_by").get(pk=pk)


def with_checksum(checksum: str) -> DatasetVersion | None:
    """The version whose ``dataset.json`` has this SHA-256 (a cycle's ``dataset_checksum``)."""
    return DatasetVersion.objects.filter(checksum=checksum).order_by("pk").first()


def checksum_of(folder: Path) -> str:
    """SHA-256 of the folder's ``dataset.json``, which records the SHA-256 of each data file."""
    return hashlib.sha256((folder / MANIFEST).read_bytes()).hexdigest()


@dataclass(frozen=True)
class Registered:
    version: DatasetVersion
    created: bool  # False: a version with the same checksum was already registered


@dataclass(frozen=True)
class Provenance:
    """Where a version came from: who, the files as they were called, the mapping, the report."""

    user: Any = None
    source_files: tuple[str, ...] = ()
    mapping_name: str = ""
    mapping: dict[str, Any] | None = None
    report: dict[str, Any] | None = None


def register(
    folder: str | Path,
    *,
    name: str | None = None,
    description: str = "",
    default: bool = False,
    provenance: Provenance | None = None,
    audited: Callable[[DatasetVersion], object] | None = None,
) -> Registered:
    """Copy the dataset folder ``folder`` into the datasets root as a new version of the
    dataset ``name`` (its manifest's name by default, made when missing). Registering the same
    data again (the same checksum) returns the version already there. ``audited(version)``
    writes the audit event of a new version in the transaction that makes it."""
    data = DataFolder.open(folder)  # checks every file against its checksum
    existing = with_checksum(checksum_of(data.path))
    if existing is not None:
        return Registered(existing, created=False)
    staging = area(STAGING) / uuid.uuid4().hex
    try:
        shutil.copytree(data.path, staging)
        dataset = dataset_named(name or data.manifest.name, data.manifest.region_code, description)
        made = add_version(
            staging, dataset, provenance or Provenance(), default=default, audited=audited
        )
    finally:
        abandon(staging)
    return Registered(made, created=True)


def dataset_named(name: str, region_code: str = "", description: str = "") -> Dataset:
    """The dataset called ``name``, made when missing (``description`` only for a new one)."""
    dataset, _ = Dataset.objects.get_or_create(
        name=name[:200], defaults={"region_code": region_code, "description": description}
    )
    return dataset


def add_version(
    staging: Path,
    dataset: Dataset,
    provenance: Provenance,
    *,
    default: bool = False,
    audited: Callable[[DatasetVersion], object] | None = None,
) -> DatasetVersion:
    """Make the complete ``sejahtera/v1`` folder ``staging`` the next version of ``dataset``:
    the row is created (and audited by ``audited(version)``) and the folder moved under
    ``versions/`` in one transaction; when that fails, the folder is removed and no row
    remains."""
    data = DataFolder.open(staging)
    manifest = data.manifest
    target = area(VERSIONS) / staging.name
    moved = False
    try:
        with transaction.atomic():
            made = _next_version(locked_dataset(dataset), staging, manifest, provenance)
            if audited is not None:
                audited(made)
            if default or not Dataset.objects.filter(is_default=True).exists():
                Dataset.objects.filter(is_default=True).update(is_default=False)
                Dataset.objects.filter(pk=dataset.pk).update(is_default=True)
            staging.rename(target)
            os.utime(target)  # sweep() measures a folder's age from here
            moved = True
    except BaseException:
        if moved:  # the row was not committed: the folder goes back to be removed
            target.rename(staging)
        raise
    return made


def abandon(staging: Path) -> None:
    """Remove what work that wrote ``staging`` leaves behind, unless it became a version: the
    staging folder, and its copy under ``versions/`` when the transaction that moved it there
    was rolled back later (by the caller's own transaction, after :func:`add_version`)."""
    shutil.rmtree(staging, ignore_errors=True)
    moved = f"{VERSIONS}/{staging.name}"
    if not DatasetVersion.objects.filter(folder=moved).exists():
        shutil.rmtree(root() / moved, ignore_errors=True)


def locked_dataset(dataset: Dataset) -> Dataset:
    """``dataset`` locked until the transaction ends, so two versions never get one number."""
    return Dataset.objects.select_for_update().get(pk=dataset.pk)


def _next_version(
    dataset: Dataset, staging: Path, manifest: Manifest, provenance: Provenance
) -> DatasetVersion:
    last = dataset.versions.aggregate(last=Max("number"))["last"] or 0
    if not dataset.region_code and manifest.region_code:
        dataset.region_code = manifest.region_code
        dataset.save(update_fields=["region_code"])
    return DatasetVersion.objects.create(
        dataset=dataset,
        number=last + 1,
        uploaded_by=provenance.user,
        checksum=checksum_of(staging),
        households=manifest.households,
        persons=manifest.persons,
        reference_date=_date(manifest.reference_date),
        synthetic=manifest.synthetic,
        schema_version=manifest.schema,
        folder=f"{VERSIONS}/{staging.name}",
        source_files=list(provenance.source_files),
        mapping_name=provenance.mapping_name[:200],
        mapping=provenance.mapping,
        report=provenance.report,
    )


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def sweep_at_start(**_signal: Any) -> int:
    """At a worker's start (``core.jobs.worker_starting``, after the jobs a killed worker left
    running were ended): remove the staging folders made before every job still running began
    (so by work that was killed, with the personal data it was reading), the upload folders no
    row names (older than a minute: a request may be storing one), and what :func:`sweep`
    removes. The number of folders removed."""
    from sejahtera.workbench.core.models import Job, JobState

    now = time.time()
    running = Job.objects.filter(state=JobState.RUNNING, started_at__isnull=False)
    oldest = running.order_by("started_at").values_list("started_at", flat=True).first()
    before = oldest.timestamp() if oldest else now
    kept = set(Upload.objects.values_list("folder", flat=True))
    removed = 0
    for name, limit in ((STAGING, before), (UPLOADS, now - 60)):
        for entry in area(name).iterdir():
            with contextlib.suppress(OSError):
                if f"{name}/{entry.name}" in kept or entry.stat().st_mtime >= limit:
                    continue
                shutil.rmtree(entry)
                removed += 1
    return removed + sweep(now)


def sweep(now: float | None = None) -> int:
    """Remove what work that was killed left behind: staging folders and upload folders no row
    names (older than a day), and version folders no row names (a minute after they were
    moved there). The number of folders removed."""
    now = time.time() if now is None else now
    removed = 0
    kept = set(Upload.objects.values_list("folder", flat=True))
    for name in (STAGING, UPLOADS):
        for entry in area(name).iterdir():
            with contextlib.suppress(OSError):
                if f"{name}/{entry.name}" in kept or now - entry.stat().st_mtime <= STALE_SECONDS:
                    continue
                shutil.rmtree(entry)
                removed += 1
    named = set(DatasetVersion.objects.values_list("folder", flat=True))
    for entry in area(VERSIONS).iterdir():
        if f"{VERSIONS}/{entry.name}" not in named and now - entry.stat().st_mtime > 60:
            shutil.rmtree(entry, ignore_errors=True)
            removed += 1
    return removed
