"""Evaluations over the REST API: ``POST /api/evaluations`` runs a design on a dataset version
or an uploaded table as a job and answers ``{"job": JOB_ID, "evaluation": ID}``;
``GET /api/jobs/JOB_ID`` then gives its state, progress and, once done, the result (the keys
of ``sejahtera evaluate … --json``, with ``checks``). ``GET /api/evaluations`` lists them,
``GET /api/evaluations/ID`` gives one with its result and every estimate. ``POST
/api/evaluations/tables`` uploads a table file to evaluate (``GET`` lists them, with the
columns a request may name).

A request is checked by the page's own form (each variable a column of the table, of a kind the
design can use): a mistake answers 400 naming the field, and nothing is made."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, File, Router, Schema, Status
from ninja.decorators import decorate_view
from ninja.errors import HttpError
from ninja.files import UploadedFile

from sejahtera.errors import SejahteraError
from sejahtera.workbench.core import audit
from sejahtera.workbench.core.api import REFUSED, Invalid, Refused, require
from sejahtera.workbench.datasets.limits import limited
from sejahtera.workbench.evaluations.forms import TableForm, VariablesForm
from sejahtera.workbench.evaluations.models import Evaluation, EvaluationInput
from sejahtera.workbench.evaluations.sources import TableRefused, keep, source
from sejahtera.workbench.evaluations.views import create

router = Router(tags=["evaluations"])


class EvaluationIn(Schema):
    dataset: int | None = None  # a dataset version's id (GET /api/datasets), or
    table: int | None = None  # an uploaded table's id (the evaluation page's uploads)
    design: Literal["did", "match", "rdd"]
    title: str = ""
    # The design's variables, columns of the table: outcome, treatment, post, unit, time,
    # cluster, covariates (a list), weights (DiD); outcome, treatment, covariates, method
    # (nn|ipw|aipw), estimand (att|ate), weights (matching); outcome, running, cutoff, side
    # (below|above), treatment (fuzzy), weights (RDD).
    variables: dict[str, Any] = Field(default_factory=dict)


class Started(Schema):
    job: int
    evaluation: int


class EvaluationOut(Schema):
    id: int
    title: str
    design: str
    dataset: int | None = Field(None, alias="dataset_id")
    table: int | None = Field(None, alias="table_id")
    variables: dict[str, Any]
    state: str
    job: int | None = Field(None, alias="job_id")
    data_checksum: str
    created_at: datetime
    ran_at: datetime | None


class EvaluationResult(EvaluationOut):
    result: dict[str, Any] | None  # CheckedEvaluation.to_dict()
    estimates: list[dict[str, Any]]  # CheckedEvaluation.tidy(): CHECKED_COLUMNS


@router.post("", response={202: Started, 400: Refused, **REFUSED, 422: Invalid})
def start(request: HttpRequest, payload: EvaluationIn) -> Status:
    """Run a design on a dataset version or an uploaded table (one of the two) as a job (202:
    accepted, ``GET /api/jobs/{job}`` follows it, as for a scenario)."""
    require(request, "evaluation.run")
    if (payload.dataset is None) == (payload.table is None):
        raise HttpError(400, "give one of dataset (a version's id) or table (a table's id)")
    if payload.dataset is not None:
        key, missing = f"dataset:{payload.dataset}", f"dataset: no version {payload.dataset}"
    else:
        key, missing = f"table:{payload.table}", f"table: no uploaded table {payload.table}"
    chosen = source(key)
    if chosen is None:
        raise HttpError(400, missing)
    data = {"title": payload.title, **payload.variables}
    form = VariablesForm(data, source=chosen, design=payload.design)
    if not form.is_valid():
        problems = "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in form.errors.items()
        )
        raise HttpError(400, problems)
    found = create(request, chosen, payload.design, form)
    assert found.job_id is not None
    return Status(202, {"job": found.job_id, "evaluation": found.pk})


@router.get("", response={200: list[EvaluationOut], **REFUSED, 422: Invalid})
def evaluations(request: HttpRequest, limit: int = 100) -> list[Evaluation]:
    """The office's evaluations, newest first."""
    require(request, "evaluation.view")
    found = Evaluation.objects.defer("reports", "readings", "result", "estimates")
    return list(found[: max(1, min(limit, 1000))])


class ColumnOut(Schema):
    name: str
    kind: Literal["number", "flag", "text"]


class TableOut(Schema):
    id: int
    name: str
    size: int
    checksum: str  # SHA-256 of the file
    columns: list[ColumnOut]
    uploaded_at: datetime


@router.get("/tables", response={200: list[TableOut], **REFUSED})
def tables(request: HttpRequest) -> list[EvaluationInput]:
    """The uploaded tables, newest first, each with its columns and their kinds."""
    require(request, "evaluation.view")
    return list(EvaluationInput.objects.all())


@router.post(
    "/tables", response={201: TableOut, 400: Refused, **REFUSED, 413: Refused, 422: Invalid}
)
@decorate_view(limited)
def upload_table(request: HttpRequest, file: File[UploadedFile]) -> Status[EvaluationInput]:
    """Upload a table file (CSV, Excel, Parquet, Stata, SPSS) to evaluate; one the workbench
    cannot read is refused (400) and kept nowhere."""
    require(request, "evaluation.run")
    form = TableForm(files={"file": file})
    if not form.is_valid():
        raise HttpError(400, " ".join(form.errors["file"]))

    def audited(table: EvaluationInput) -> None:  # in the transaction that keeps the table
        audit.record(request, "evaluation_table_uploaded", table, name=table.name, size=table.size)

    try:
        table = keep(form.cleaned_data["file"], request.user, audited)
    except (SejahteraError, TableRefused) as problem:
        raise HttpError(400, str(problem)) from None
    return Status(201, table)


# After /tables: a path not matched so far is an evaluation's (a number, or 422 naming the
# field; Django's ``int`` converter would answer a negative number with its HTML 404 page).
@router.get("/{evaluation_id}", response={200: EvaluationResult, **REFUSED, 404: Refused})
def evaluation(request: HttpRequest, evaluation_id: int) -> Evaluation:
    """One evaluation with its result and every estimate (empty until its run is done)."""
    require(request, "evaluation.view")
    return get_object_or_404(Evaluation, pk=evaluation_id)
