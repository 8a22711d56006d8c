"""Datasets in the browser: the datasets and their versions, uploading files, mapping their
columns, the import as a background job, and the validation report.

Every page that shows rows of data (an upload's preview, a version's first households) is
written to the audit log, and shows personal columns masked; a version's rows are revealed only
to the roles allowed ``personal_data.reveal``, each time audited.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sejahtera.data.schema import TABLES
from sejahtera.workbench.core import audit, jobs, tables
from sejahtera.workbench.core.pages import refused
from sejahtera.workbench.core.policy import allowed, requires
from sejahtera.workbench.core.privacy import record_view
from sejahtera.workbench.datasets import reports, services, uploads
from sejahtera.workbench.datasets.figures import households_by_regency
from sejahtera.workbench.datasets.forms import MappingForm, UploadForm, guess, saved_mapping
from sejahtera.workbench.datasets.importing import IMPORT
from sejahtera.workbench.datasets.limits import body_refused, limit, too_large
from sejahtera.workbench.datasets.models import (
    Dataset,
    DatasetVersion,
    SavedMapping,
    Upload,
    UploadState,
)
from sejahtera.workbench.datasets.rows import first_rows

NAV = "datasets/_nav.html"
REPORT_PAGE = 50  # problems per page


@require_GET
@requires("dataset.view")
def dataset_list(request: HttpRequest) -> HttpResponse:
    current = services.current_version()
    listed = [
        (dataset, dataset.versions.order_by("-number").first()) for dataset in Dataset.objects.all()
    ]
    waiting = Upload.objects.exclude(state=UploadState.IMPORTED).select_related("owner")
    context = {
        "datasets": listed,
        "current": current,
        "versions": DatasetVersion.objects.count(),
        "waiting": list(waiting[:20]) if allowed(request.user, "dataset.upload") else [],
        "waiting_count": waiting.count(),
        "may_upload": allowed(request.user, "dataset.upload"),
    }
    return render(request, "datasets/dataset_list.html", context)


@require_GET
@requires("dataset.view")
def dataset_detail(request: HttpRequest, pk: int) -> HttpResponse:
    dataset = get_object_or_404(Dataset, pk=pk)
    versions = dataset.versions.select_related("uploaded_by").order_by("-number")
    context = {
        "dataset": dataset,
        "versions": versions,
        "current": services.current_version(),
        "may_upload": allowed(request.user, "dataset.upload"),
    }
    return render(request, "datasets/dataset_detail.html", context)


def _version(pk: int) -> DatasetVersion:
    return get_object_or_404(DatasetVersion.objects.select_related("dataset", "uploaded_by"), pk=pk)


@never_cache
@require_GET
@requires("dataset.view")
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _version_page(request, _version(pk), revealed=False)


@never_cache
@require_POST
@requires("personal_data.reveal")
def version_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version(pk)
    if not allowed(request.user, "dataset.view"):
        raise PermissionDenied
    record_view(request, version, "reveal", fields=sorted(uploads.PERSONAL_SCHEMA))
    return _version_page(request, version, revealed=True)


def _version_page(request: HttpRequest, version: DatasetVersion, revealed: bool) -> HttpResponse:
    rows = first_rows(version, revealed=revealed)
    audit.record(request, "dataset_rows_viewed", version, rows=len(rows.rows), revealed=revealed)
    page = tables.paginate(request, reports.rows(version.report), REPORT_PAGE)
    context = {
        "version": version,
        "dataset": version.dataset,
        "current": services.current_version(),
        "mapping": _mapping_rows(version.mapping),
        "problems": page,
        "counts": reports.counts(version.report),
        "total": reports.total(version.report),
        "rows": rows,
        "areas": households_by_regency(version),
        "household_size": version.persons / version.households if version.households else None,
        "revealed": revealed,
        "may_reveal": allowed(request.user, "personal_data.reveal") and bool(rows.masked),
    }
    return render(request, "datasets/version_detail.html", context)


def _mapping_rows(mapping: dict[str, Any] | None) -> list[tuple[str, str, str]]:
    """(table, source column, schema column) of a mapping's columns."""
    found = []
    for table in TABLES:
        section = (mapping or {}).get(table) or {}
        for source, target in (section.get("columns") or {}).items():
            found.append((table, str(source), str(target)))
    return found


@require_GET
@requires("dataset.view")
def version_report(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version(pk)
    audit.record(request, "dataset_report_downloaded", version)
    name = f"report-{version.dataset.pk}-v{version.number}.csv"
    return _csv(reports.as_csv(version.report), name)


def _csv(text: str, name: str) -> HttpResponse:
    response = HttpResponse("\ufeff" + text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# Uploading


@csrf_exempt  # checked by csrf_protect below, once the size limit is in place
@require_http_methods(["GET", "POST"])
@requires("dataset.upload")
def upload(request: HttpRequest) -> HttpResponse:
    """GET: the form. POST: the files are stored (nothing is imported yet), then the page to
    map their columns. A file over the size limit is refused as it arrives."""
    if request.method == "POST":
        if too_large(request):
            return _refused_size(request)
        limit(request)
    return _upload(request)


@csrf_protect
def _upload(request: HttpRequest) -> HttpResponse:
    chosen = request.GET.get("dataset", "")
    initial = {"dataset": chosen} if chosen.isdigit() else None
    form = UploadForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST":
        if getattr(request, "upload_refused", ""):
            form.add_error(None, request.upload_refused)
        elif form.is_valid():
            data = form.cleaned_data
            files = {"households": data["households"]}
            if data.get("persons"):
                files["persons"] = data["persons"]
            try:
                stored = uploads.store(
                    files,
                    owner=request.user,
                    dataset=data["dataset"],
                    dataset_name=data["new_name"],
                    reference_date=data.get("reference_date"),
                    audited=lambda made: audit.record(
                        request, "dataset_uploaded", made, files=_names(made)
                    ),
                )
            except uploads.UploadRefused as exc:
                form.add_error(None, str(exc))
            else:
                return redirect("datasets:upload_detail", pk=stored.pk)
        status = 400
    else:
        status = 200
    context = {"form": form, "limit_mb": _limit_mb()}
    return render(request, "datasets/upload.html", context, status=status)


def _refused_size(request: HttpRequest) -> HttpResponse:
    return refused(request, body_refused(), reverse("datasets:upload"), status=413, nav=NAV)


def _limit_mb() -> int:
    from django.conf import settings

    return settings.UPLOAD_MAX_BYTES // (1024 * 1024)


def _names(upload_: Upload) -> dict[str, str]:
    return {table: item["original"] for table, item in uploads.files_of(upload_).items()}


def _load_upload(pk: int) -> Upload:
    return get_object_or_404(Upload.objects.select_related("dataset", "owner", "version"), pk=pk)


@never_cache
@require_http_methods(["GET", "POST"])
@requires("dataset.upload")
def upload_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The mapping form beside the files' first rows; POST starts the import (a job)."""
    upload_ = _load_upload(pk)
    if upload_.state == UploadState.IMPORTED and upload_.version_id:
        return redirect("datasets:version", pk=upload_.version_id)
    job = jobs.latest(upload_, IMPORT)
    running = job is not None and not job.finished
    try:
        sources = _sources(upload_)
    except uploads.UploadRefused as exc:
        back = reverse("datasets:upload")
        return refused(request, str(exc), back, status=400, nav=NAV)
    base = saved_mapping(request.GET.get("mapping", ""))
    start = base.content if base else upload_.mapping
    chosen = {t: guess(sources[t], t, start) for t in TABLES}
    form = MappingForm(
        request.POST if request.method == "POST" else None,
        sources=sources,
        chosen=chosen,
        base=start,
        initial={"save_as": base.name if base else upload_.mapping_name},
    )
    if request.method == "POST":
        if running or upload_.state == UploadState.IMPORTED:
            message = _("This upload is being imported already.")
            return refused(request, message, request.path, nav=NAV)
        if form.is_valid():
            return _start_import(request, upload_, form)
    preview = uploads.preview(upload_, start or {t: {"columns": {}} for t in TABLES}, chosen=chosen)
    audit.record(request, "dataset_rows_viewed", upload_, rows=uploads.PREVIEW_ROWS)
    problems = reports.rows(upload_.report, _names_by_file(upload_), _sources_of(upload_))
    may_reveal = allowed(request.user, "personal_data.reveal") and bool(reports.personal(problems))
    context = {
        "reveal_url": reverse("datasets:upload_problems_reveal", args=[pk]) if may_reveal else "",
        "upload": upload_,
        "files": uploads.files_of(upload_),
        "form": form,
        "tables": [(t, form.table_fields(t)) for t in TABLES],
        "saved": SavedMapping.objects.all(),
        "chosen_mapping": base.name if base else "",
        "preview": preview,
        "problems": tables.paginate(request, problems, REPORT_PAGE),
        "counts": reports.counts(upload_.report),
        "total": reports.total(upload_.report),
        "running": running,
        **jobs.shown(request.user, job),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "datasets/upload_detail.html", context, status=status)


def _sources(upload_: Upload) -> dict[str, list[str]]:
    """Each table's source columns: its own file's, or the one file's for both."""
    folder = services.inside(upload_.folder)
    files = uploads.files_of(upload_)
    columns = {t: uploads.columns_of(folder / f["stored"], f["original"]) for t, f in files.items()}
    return {t: columns.get(t, columns["households"]) for t in TABLES}


def _start_import(request: HttpRequest, upload_: Upload, form: MappingForm) -> HttpResponse:
    content = form.content()
    name = form.cleaned_data["save_as"]
    if name:
        with transaction.atomic():  # the mapping and its audit event, or neither
            SavedMapping.objects.update_or_create(
                name=name, defaults={"content": content, "created_by": request.user}
            )
            audit.record(request, "mapping_saved", upload_, name=name)
    Upload.objects.filter(pk=upload_.pk).update(mapping=content, mapping_name=name)
    arguments = {
        "upload": upload_.pk,
        "mapping": content,
        "mapping_name": name,
        "reference_date": upload_.reference_date.isoformat() if upload_.reference_date else "",
    }
    title = _("Import of %(dataset)s") % {"dataset": upload_.dataset_name}
    link = reverse("datasets:upload_detail", args=[upload_.pk])
    jobs.start(request, IMPORT, title, arguments, subject=upload_, link=link)
    return redirect(link)


@require_GET
@requires("dataset.upload")
def upload_report(request: HttpRequest, pk: int) -> HttpResponse:
    upload_ = _load_upload(pk)
    audit.record(request, "dataset_report_downloaded", upload_)
    text = reports.as_csv(upload_.report, _names_by_file(upload_), _sources_of(upload_))
    return _csv(text, f"report-upload-{upload_.pk}.csv")


@never_cache
@require_POST
@requires("personal_data.reveal")
def upload_problems_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The personal values of a failed import's problems (a NIK with a format error) unmasked,
    for the roles that may see personal data; the audit log names each cell shown."""
    upload_ = _load_upload(pk)
    names, sources = _names_by_file(upload_), _sources_of(upload_)
    shown = reports.personal(reports.rows(upload_.report, names, sources, revealed=True))
    cells = [{"file": row.file, "row": row.row, "column": row.column} for row in shown]
    if cells:
        record_view(
            request, upload_, "reveal", fields=sorted({c["column"] for c in cells}), cells=cells
        )
    context = {"upload": upload_, "problems": shown}
    return render(request, "datasets/problems_revealed.html", context)


def _names_by_file(upload_: Upload) -> dict[str, str]:
    """Each stored file's name as its sender called it."""
    return {item["stored"]: item["original"] for item in uploads.files_of(upload_).values()}


def _sources_of(upload_: Upload) -> reports.Sources:
    return reports.sources_of(uploads.files_of(upload_), upload_.mapping)
