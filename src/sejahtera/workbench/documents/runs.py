"""The planning documents' background jobs (core/jobs.py): ``documents.rpkd`` writes the RPKD
chapter from a dataset version as ``sejahtera rpkd`` does; ``documents.lp2kd`` gathers the
year's records (:mod:`.gather`) and writes the LP2KD as ``sejahtera lp2kd`` does. The file is
written under a temporary name while the job works, then, in its last step, named and the
making audited; a job that fails or is cancelled leaves no file. Its owner (or, for the office's
staff, anyone who sees the job) downloads it from the page (:mod:`.views`, audited)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from sejahtera.report.planning.document import PlanningDocument
from sejahtera.workbench.core import audit
from sejahtera.workbench.core.jobs import JobError, Progress, keep_file, kind
from sejahtera.workbench.datasets import services
from sejahtera.workbench.datasets.models import DatasetVersion

RPKD, LP2KD = "documents.rpkd", "documents.lp2kd"
KINDS = (RPKD, LP2KD)
FORMATS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def folder() -> Path:
    """Where made documents wait for their download: ``documents/`` in the data folder."""
    return Path(settings.DATA_FOLDER) / "documents"


def checked_folder(pk: int | None, checksum: str) -> tuple[DatasetVersion, Path] | None:
    """The version ``pk``'s folder, refused when its data changed since the form was sent."""
    if pk is None:
        return None
    version = DatasetVersion.objects.select_related("dataset").filter(pk=pk).first()
    if version is None:
        raise JobError(_("This dataset version no longer exists: nothing was written."))
    path = services.folder_of(version)
    if version.checksum != checksum or services.checksum_of(path) != checksum:
        raise JobError(
            _(
                "The data of %(version)s have changed since the document was asked for: nothing "
                "was written. Ask again."
            )
            % {"version": version}
        )
    return version, path


def _keep(
    progress: Progress, document: PlanningDocument, form: str, about: dict[str, Any]
) -> dict[str, Any]:
    if form not in FORMATS:
        raise JobError(_("Documents are written as DOCX, XLSX or PDF."))
    progress.step(0.8, _("Writing the file"))

    def audited(_written: object) -> None:
        audit.record(
            None,
            "document_made",
            None,
            user=progress.owner,
            kind=document.kind,
            format=form,
            job=progress.job.pk,
            **about,
        )

    name = keep_file(progress, folder(), form, document.write, audited)[0]
    return {
        "file": name,
        "format": form,
        "kind": document.kind,
        "title": document.title,
        "tables": len(document.tables()),
        **about,
    }


@kind(RPKD)
def rpkd_job(progress: Progress, arguments: dict[str, Any]) -> dict[str, Any]:
    """The RPKD chapter of the version ``version`` (whose checksum must still be ``checksum``)
    for the year ``year``, in ``language``, as ``format``."""
    from sejahtera.report.planning.rpkd import rpkd_chapter

    progress.step(0.05, _("Checking the data"))
    found = checked_folder(arguments["version"], arguments["checksum"])
    assert found is not None
    version, path = found
    progress.step(0.1, _("Measuring poverty and programme coverage"))
    document = rpkd_chapter(
        path,
        rules=arguments.get("rules", "indonesia"),
        period=int(arguments["year"]),
        language_code=arguments["language"],
    )
    about = {
        "year": int(arguments["year"]),
        "language": arguments["language"],
        "version": version.pk,
        "checksum": version.checksum,
    }
    return _keep(progress, document, arguments["format"], about)


@kind(LP2KD)
def lp2kd_job(progress: Progress, arguments: dict[str, Any]) -> dict[str, Any]:
    """The LP2KD of the year ``year`` from the records its owner sees, with the poverty
    condition from the version ``version`` when given."""
    from sejahtera.report.planning.lp2kd import lp2kd_report
    from sejahtera.workbench.documents.gather import lp2kd_input

    progress.step(0.05, _("Gathering programmes, realisation, indicators and consultations"))
    with translation.override(arguments["language"]):  # the meetings' kinds, as the document
        given = lp2kd_input(progress.owner, arguments)
    found = checked_folder(arguments.get("version"), arguments.get("checksum", ""))
    if found is not None:
        progress.step(0.2, _("Measuring poverty and programme coverage"))
    document = lp2kd_report(
        given, data=found[1] if found else None, language_code=arguments["language"]
    )
    about = {
        "year": given.year,
        "language": arguments["language"],
        "version": found[0].pk if found else None,
        "checksum": found[0].checksum if found else "",
        "pagu_rp": sum(p.pagu_rp for p in given.programmes),
        "paid_rp": sum(p.paid_rp for p in given.programmes),
    }
    return _keep(progress, document, arguments["format"], about)
