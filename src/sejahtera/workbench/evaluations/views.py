"""The evaluation page: pick a dataset version or an uploaded table, a design and its variables
from the table's columns; the run is a background job; the report is shown in the page
(conclusion first) and downloaded as HTML, its estimates as CSV or XLSX. Officers and auditors
read; the head and analysts run; a partner is refused (``evaluation.view`` is the office's).
Every run, upload and download is audited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from sejahtera.errors import SejahteraError
from sejahtera.evaluate.result import table_number
from sejahtera.i18n import Language, p_value
from sejahtera.workbench.core import audit, jobs
from sejahtera.workbench.core.models import JobState
from sejahtera.workbench.core.pages import refused
from sejahtera.workbench.core.policy import allowed, requires
from sejahtera.workbench.datasets.limits import body_refused, limit, too_large
from sejahtera.workbench.evaluations import downloads
from sejahtera.workbench.evaluations.forms import (
    SourceForm,
    TableForm,
    VariablesForm,
    described,
)
from sejahtera.workbench.evaluations.models import Design, Evaluation, EvaluationInput
from sejahtera.workbench.evaluations.runs import start_run
from sejahtera.workbench.evaluations.sources import Source, TableRefused, keep, source

NAV = "evaluations/_nav.html"


def language() -> Language:
    return "en" if (get_language() or "id").startswith("en") else "id"


def _crumbs() -> list[tuple[str, str]]:
    return [(reverse("evaluations:list"), _("Evaluation"))]


@require_GET
@requires("evaluation.view")
def evaluation_list(request: HttpRequest) -> HttpResponse:
    found = Evaluation.objects.select_related("dataset__dataset", "table", "owner", "job")
    found = found.defer("reports", "readings", "result")  # each report is tens of kB
    rows = [(e, downloads.main_row(e)) for e in found[:200]]
    return render(request, "evaluations/list.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
@requires("evaluation.run")
def evaluation_create(request: HttpRequest) -> HttpResponse:
    """Step one (GET without a valid source and design): choose them. Step two: the design's
    variables from the table's columns; a valid POST makes the evaluation and starts its run."""
    given = request.POST if request.method == "POST" else request.GET
    step = SourceForm(given if {"source", "design"} & set(given) else None)
    if not step.is_bound or not step.is_valid():
        status = 400 if request.method == "POST" else 200
        return _page(request, step, None, None, status)
    try:
        chosen = source(step.cleaned_data["source"])
    except (SejahteraError, OSError):
        message = _("The files of this dataset or table cannot be read: nothing can be run on it.")
        detail = _("Ask the administrator to check the data folder, or choose other data.")
        back = reverse("evaluations:create")
        return refused(request, message, back, detail=detail, nav=NAV)
    assert chosen is not None  # the form's choices are the sources that exist
    design = step.cleaned_data["design"]
    form = VariablesForm(request.POST if request.method == "POST" else None, source=chosen,
                         design=design)  # fmt: skip
    if request.method != "POST":
        return _page(request, step, chosen, form)
    if not form.is_valid():
        return _page(request, step, chosen, form, 400)
    found = create(request, chosen, design, form)
    return redirect("evaluations:detail", pk=found.pk)


def create(request: HttpRequest, chosen: Source, design: str, form: VariablesForm) -> Evaluation:
    """The evaluation ``form`` describes, made and its run started (the page and the API)."""
    variables = form.arguments()
    title = form.chosen_title() or _("%(design)s: %(outcome)s") % {
        "design": Design(design).label,
        "outcome": variables["outcome"],
    }
    found = Evaluation.objects.create(
        title=title,
        design=design,
        dataset=chosen.dataset,
        table=chosen.table,
        variables=variables,
        owner=request.user,
    )
    start_run(request, found, reverse("evaluations:detail", args=[found.pk]))
    found.refresh_from_db()
    return found


def _page(
    request: HttpRequest,
    step: SourceForm,
    chosen: Source | None,
    form: VariablesForm | None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "step": step,
        "chosen": chosen,
        "form": form,
        "design": step.cleaned_data.get("design") if chosen else None,
        "crumbs": _crumbs(),
    }
    return render(request, "evaluations/new.html", context, status=status)


@csrf_exempt  # checked by csrf_protect below, once the size limit is in place
@require_http_methods(["GET", "POST"])
@requires("evaluation.run")
def table_upload(request: HttpRequest) -> HttpResponse:
    """A table file to evaluate: kept with its columns, then on to choosing the design. A file
    over the size limit is refused as it arrives, as a dataset's is."""
    if request.method == "POST":
        if too_large(request):
            back = reverse("evaluations:upload")
            return refused(request, body_refused(), back, status=413)
        limit(request)
    return _table_upload(request)


def _audited(request: HttpRequest) -> Callable[[EvaluationInput], object]:
    """The audit event of a kept table, written in the transaction that keeps it."""
    return lambda table: audit.record(
        request, "evaluation_table_uploaded", table, name=table.name, size=table.size
    )


@csrf_protect
def _table_upload(request: HttpRequest) -> HttpResponse:
    posted = request.method == "POST"
    form = TableForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and getattr(request, "upload_refused", ""):
        form.add_error(None, request.upload_refused)
        form.errors.pop("file", None)  # the file was dropped for its size, not left out
    elif request.method == "POST" and form.is_valid():
        try:
            table = keep(form.cleaned_data["file"], request.user, _audited(request))
        except (SejahteraError, TableRefused) as problem:
            form.add_error("file", str(problem))
        else:
            return redirect(f"{reverse('evaluations:create')}?source=table:{table.pk}")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "crumbs": _crumbs()}
    return render(request, "evaluations/upload.html", context, status=status)


def _load(pk: int) -> Evaluation:
    return get_object_or_404(
        Evaluation.objects.select_related("dataset__dataset", "table", "owner", "job"), pk=pk
    )


@never_cache
@require_GET
@requires("evaluation.view")
def evaluation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    found = _load(pk)
    code = language()
    context = {
        "evaluation": found,
        "crumbs": _crumbs(),
        "may_run": allowed(request.user, "evaluation.run"),
        "running": found.job is not None and not found.job.finished,
        **jobs.shown(request.user, found.job),
    }
    if found.job and found.job.state == JobState.FAILED:
        context["failed"] = found.job.error
    if found.has_result:
        main = downloads.main_row(found)
        context |= {
            "reading": found.readings.get(code) or {},
            "main": _shown(main, code) if main else None,
            "checks": [_shown(row, code) for row in downloads.checks(found, code)],
            "variables": described(found.variables, lambda v: table_number(v, code)),
            # The core's report and its SVG pictures, escaped where they were drawn.
            "figures": [mark_safe(f) for f in downloads.figures(found, code)],
            "report": mark_safe(downloads.report_body(found, code)),
        }
    return render(request, "evaluations/detail.html", context)


def _shown(row: dict[str, Any], code: Language) -> dict[str, Any]:
    """A tidy row with its numbers written as the report writes them (the reader's decimal
    convention, p-values as ``< 0,001``)."""

    def number(name: str) -> str:
        value = row.get(name)
        return "–" if value is None else table_number(float(value), code)

    p = row.get("p_value")
    return row | {
        "shown_estimate": number("estimate"),
        "shown_low": number("ci_low"),
        "shown_high": number("ci_high"),
        "shown_p": "–" if p is None else p_value(float(p), code),
        "shown_n": number("n"),
    }


@require_GET
@requires("evaluation.view")
def evaluation_download(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """The report (HTML, in the page's language) or the estimates (CSV, XLSX), audited."""
    found = _load(pk)
    if not found.has_result or kind not in downloads.FORMATS:
        back = reverse("evaluations:detail", args=[pk])
        return refused(request, _("This evaluation has no report yet."), back, status=404, nav=NAV)
    code = language()
    if kind == "html":
        content: bytes = downloads.report_of(found, code).encode("utf-8")
        name = f"evaluation-{found.pk}-{code}.html"
    elif kind == "csv":
        content, name = downloads.estimates_csv(found), f"evaluation-{found.pk}-estimates.csv"
    else:
        content, name = downloads.estimates_xlsx(found), f"evaluation-{found.pk}-estimates.xlsx"
    audit.record(request, "evaluation_downloaded", found, format=kind)
    response = HttpResponse(content, content_type=downloads.FORMATS[kind])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
