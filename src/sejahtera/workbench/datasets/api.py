"""The datasets router of the REST API: ``GET /api/datasets`` lists the versions (each row's
``id`` is the version's, which the other endpoints take as ``dataset``), ``POST /api/datasets``
uploads files and starts their import, answering ``{"job": JOB_ID}`` (follow it at
``GET /api/jobs/{job_id}``)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.decorators import decorate_view
from ninja.errors import HttpError
from ninja.files import UploadedFile

from sejahtera.errors import SejahteraError
from sejahtera.workbench.core import audit, jobs
from sejahtera.workbench.core.api import REFUSED, Invalid, Refused, require
from sejahtera.workbench.datasets import services, uploads
from sejahtera.workbench.datasets.importing import IMPORT, mapping_for
from sejahtera.workbench.datasets.limits import limited
from sejahtera.workbench.datasets.models import Dataset, DatasetVersion, SavedMapping, Upload

router = Router(tags=["datasets"])
NO_FILE = File(None)  # an optional file (``File[UploadedFile] | None`` would not be read)


class VersionOut(Schema):
    id: int  # the version's id
    dataset: str  # the dataset's name
    dataset_id: int
    version: int  # 1, 2, … within the dataset
    checksum: str  # SHA-256 of the version's dataset.json
    households: int
    persons: int
    reference_date: date | None
    synthetic: bool
    uploaded_at: datetime
    current: bool  # the version the office works on


class Started(Schema):
    job: int  # follow it at GET /api/jobs/{job}


@router.get("", response={200: list[VersionOut], **REFUSED})
def datasets(request: HttpRequest) -> list[dict[str, Any]]:
    """Every version of every dataset, the newest first."""
    require(request, "dataset.view")
    current = services.current_version()
    found = DatasetVersion.objects.select_related("dataset").order_by("-uploaded_at", "-pk")
    return [
        {
            "id": v.pk,
            "dataset": v.dataset.name,
            "dataset_id": v.dataset_id,
            "version": v.number,
            "checksum": v.checksum,
            "households": v.households,
            "persons": v.persons,
            "reference_date": v.reference_date,
            "synthetic": v.synthetic,
            "uploaded_at": v.uploaded_at,
            "current": current is not None and v.pk == current.pk,
        }
        for v in found
    ]


@router.post("", response={202: Started, 400: Refused, **REFUSED, 413: Refused, 422: Invalid})
@decorate_view(limited)
def upload(
    request: HttpRequest,
    households: File[UploadedFile],
    dataset: Form[str],
    mapping: Form[str],
    persons: UploadedFile | None = NO_FILE,
    reference_date: Form[str] = "",
) -> Status[dict[str, int]]:
    """Upload a household file (and a person file, unless the household file has one row per
    person) as the next version of the dataset named ``dataset`` (made when new).
    ``mapping`` is a saved mapping's name or a ``sejahtera-mapping/v1`` as JSON. The import
    runs as a job; a file that cannot be read, or a mapping that is not one, is refused (400)
    and kept nowhere; a file over the size limit is refused (413) as it arrives."""
    require(request, "dataset.upload")
    if getattr(request, "upload_refused", ""):
        raise HttpError(413, request.upload_refused)
    content, name = _mapping(mapping)
    when = _date(reference_date)
    files = {"households": households} | ({"persons": persons} if persons else {})
    if not dataset.strip():
        raise HttpError(400, _("Name the dataset (dataset=…)."))
    existing = Dataset.objects.filter(name=dataset.strip()).first()

    def checked(made: Upload) -> None:  # in the transaction that keeps the upload
        mapping_for(made, content, name)  # checked now, not only in the job
        audit.record(request, "dataset_uploaded", made, files=_names(made), api=True)
        made.mapping, made.mapping_name = content, name
        made.save(update_fields=["mapping", "mapping_name"])

    try:
        stored = uploads.store(
            files, owner=request.user, dataset=existing, dataset_name=dataset.strip(),
            reference_date=when, audited=checked,
        )  # fmt: skip
    except (uploads.UploadRefused, SejahteraError) as exc:  # nothing kept
        raise HttpError(400, str(exc)) from None
    arguments = {
        "upload": stored.pk,
        "mapping": content,
        "mapping_name": name,
        "reference_date": when.isoformat() if when else "",
    }
    title = _("Import of %(dataset)s") % {"dataset": stored.dataset_name}
    link = f"/datasets/uploads/{stored.pk}/"
    job = jobs.start(request, IMPORT, title, arguments, subject=stored, link=link)
    return Status(202, {"job": job.pk})


def _names(stored: Any) -> dict[str, str]:
    return {table: item["original"] for table, item in uploads.files_of(stored).items()}


def _mapping(given: str) -> tuple[dict[str, Any], str]:
    """A saved mapping by name, or the mapping given as JSON (its ``name`` if it has one)."""
    text = given.strip()
    if text.startswith("{"):
        try:
            content = json.loads(text)
        except json.JSONDecodeError as exc:
            message = _("The mapping is not valid JSON: %(error)s") % {"error": exc}
            raise HttpError(400, message) from None
        return content, str(content.get("name") or "")
    saved = SavedMapping.objects.filter(name=text).first()
    if saved is None:
        raise HttpError(400, _("No saved mapping is called %(name)s.") % {"name": text})
    return saved.content, saved.name


def _date(text: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        message = _("The reference date %(value)s is not a date: write YYYY-MM-DD.")
        raise HttpError(400, message % {"value": text}) from None
