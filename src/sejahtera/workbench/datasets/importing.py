"""Importing an upload as a background job (``dataset.import``): the core importer
(``sejahtera.data.importer``, the same as ``sejahtera data import``) reads, maps, coerces and
validates the files and writes a ``sejahtera/v1`` folder under ``staging/``; only then, in the
job's last step, the version's row is created and the folder moved under ``versions/``
(:func:`services.add_version`). A failed, stopped or cancelled import leaves no row and no
folder; the upload keeps its files, the mapping tried and the report, to be mapped again.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from sejahtera.data.importer import ImportFailed, import_dataset
from sejahtera.data.mapping import Mapping, mapping_of
from sejahtera.errors import ProblemReport, SejahteraError
from sejahtera.workbench.core import audit
from sejahtera.workbench.core.jobs import JobError, Progress, kind
from sejahtera.workbench.datasets import reports, services, uploads
from sejahtera.workbench.datasets.models import DatasetVersion, Upload, UploadState
from sejahtera.workbench.datasets.reports import report_json
from sejahtera.yamlfile import parse_yaml

IMPORT = "dataset.import"  # the kind of background job


def mapping_for(upload: Upload, content: dict[str, Any], name: str) -> Mapping:
    """The core's mapping from ``content`` (a ``sejahtera-mapping/v1`` as JSON) with each
    table's file set to the upload's: the persons file, or the one file for both tables (a
    person-level file from which the households are taken)."""
    files = uploads.files_of(upload)
    households = files["households"]["stored"]
    persons = files.get("persons", files["households"])["stored"]
    content = json.loads(json.dumps(content))  # a copy, plain JSON
    for table, stored in (("households", households), ("persons", persons)):
        section = content.get(table)
        if isinstance(section, dict):
            section["file"] = stored
            section.pop("sheet", None)
    content["name"] = name or _("mapping")
    text = json.dumps(content, indent=2, ensure_ascii=False)  # JSON is YAML: lines kept
    shown = name or _("the mapping")
    return mapping_of(parse_yaml(text, shown), shown)


@kind(IMPORT)
def import_upload(progress: Progress, arguments: dict[str, Any]) -> dict[str, Any]:
    upload = Upload.objects.select_related("dataset").get(pk=arguments["upload"])
    Upload.objects.filter(pk=upload.pk).update(state=UploadState.IMPORTING)
    staging = services.area(services.STAGING) / uuid.uuid4().hex
    try:
        version = _import(progress, upload, arguments, staging)
    except ImportFailed as failed:
        _failed(upload, report=report_json(failed.report))
        raise JobError(_summary(failed, upload)) from None
    except SejahteraError as exc:
        _failed(upload, error=str(exc))
        raise
    except BaseException:
        _failed(upload, error=_("The import stopped before it ended; nothing was written."))
        raise
    finally:
        services.abandon(staging)  # unless it became the version's folder
    uploads.discard(upload)
    return {
        "version": version.pk,
        "dataset": version.dataset_id,
        "number": version.number,
        "households": version.households,
        "persons": version.persons,
        "checksum": version.checksum,
        "link": reverse("datasets:version", args=[version.pk]),
    }


def _import(
    progress: Progress, upload: Upload, arguments: dict[str, Any], staging: Any
) -> DatasetVersion:
    progress.step(0.02, _("Reading the mapping"))
    name = arguments.get("mapping_name", "")
    mapping = mapping_for(upload, arguments["mapping"], name)
    originals = [f["original"] for f in uploads.files_of(upload).values()]
    import_dataset(
        services.inside(upload.folder),
        mapping,
        staging,
        name=upload.dataset_name,
        reference_date=arguments.get("reference_date") or None,
        progress=lambda fraction, message: progress.step(0.05 + 0.85 * fraction, message),
        source_label=", ".join(originals),
    )
    with progress.last_step(0.95, _("Saving the new version")):
        dataset = upload.dataset or services.dataset_named(upload.dataset_name)
        version = services.add_version(
            staging,
            dataset,
            services.Provenance(
                user=progress.owner,
                source_files=tuple(originals),
                mapping_name=name,
                mapping=arguments["mapping"],
                report=report_json(ProblemReport()),
            ),
        )
        Upload.objects.filter(pk=upload.pk).update(
            state=UploadState.IMPORTED, version=version, report=None, error=""
        )
        audit.record(
            None,
            "dataset_imported",
            version,
            user=progress.owner,
            upload=upload.pk,
            dataset=dataset.name,
            number=version.number,
            checksum=version.checksum,
        )
    return version


def _summary(failed: ImportFailed, upload: Upload) -> str:
    """The job's error: how many problems, and where the first is (the page, and
    ``GET /api/jobs/{id}``, say it without the report)."""
    names = {f["stored"]: f["original"] for f in uploads.files_of(upload).values()}
    first = reports.rows(report_json(failed.report), names)[:1]
    if not first:
        return str(failed)
    row = first[0]
    return _(
        "%(summary)s The first: %(file)s, row %(row)s, column %(column)s, value «%(value)s»: "
        "%(rule)s."
    ) % {
        "summary": str(failed),
        "file": row.file,
        "row": "–" if row.row is None else row.row,
        "column": row.column,
        "value": row.value,
        "rule": row.message,
    }


def _failed(upload: Upload, *, report: dict[str, Any] | None = None, error: str = "") -> None:
    """The upload's state after an import that wrote nothing: its report or its message."""
    with transaction.atomic():
        Upload.objects.filter(pk=upload.pk).update(
            state=UploadState.FAILED, report=report, error=error[:2000]
        )
