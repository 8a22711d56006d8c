"""The studio over the REST API: ``POST /api/scenarios`` runs a scenario on a dataset version as
a job and answers ``{"job": JOB_ID, "scenario": ID}``; ``GET /api/jobs/JOB_ID`` then gives its
state, progress and, once done, the report with the keys of ``sejahtera simulate --reform …
--json``. ``GET /api/scenarios`` lists the scenarios the token's user may see.

A request is checked whole before anything is stored (each value against its parameter's unit,
each rule by the formula checker, the reform as a run applies it): a mistake answers 400 naming
the field, and nothing is made."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from sejahtera.errors import SejahteraError
from sejahtera.rules.overlay import check_formula, check_value
from sejahtera.rules.ruleset import shipped_rulesets
from sejahtera.workbench.core import audit
from sejahtera.workbench.core.api import REFUSED, Invalid, Refused, require
from sejahtera.workbench.datasets.models import DatasetVersion
from sejahtera.workbench.scenarios import levers
from sejahtera.workbench.scenarios.access import visible_scenarios
from sejahtera.workbench.scenarios.forms import overlay_of, reformed, years
from sejahtera.workbench.scenarios.models import DEFAULT_PERIOD, DEFAULT_RULESET, Scenario
from sejahtera.workbench.scenarios.runs import start_run

router = Router(tags=["scenarios"])


class ScenarioIn(Schema):
    dataset: int  # a dataset version's id (GET /api/datasets)
    ruleset: str = DEFAULT_RULESET
    period: str = DEFAULT_PERIOD
    changes: dict[str, Any] = Field(default_factory=dict)  # {"pkh.max_desil": 5}
    templates: list[str] = Field(default_factory=list)  # ["lansia-daerah"]
    formulas: dict[str, str] = Field(default_factory=dict)  # {"sembako_eligible": "desil <= 3"}
    name: str = ""
    description: str = ""


class Started(Schema):
    job: int
    scenario: int


class ScenarioOut(Schema):
    id: int
    name: str
    description: str
    dataset: int
    ruleset: str
    period: str
    changes: dict[str, Any]
    templates: list[str]
    formulas: dict[str, str]
    state: str
    published: bool
    job: int | None
    dataset_checksum: str
    ruleset_version: str
    ran_at: datetime | None


def checked(payload: ScenarioIn) -> dict[str, Any]:
    """The scenario's fields, every one checked; 400 naming the first that is wrong."""
    if payload.ruleset not in shipped_rulesets():
        raise HttpError(400, f"ruleset: '{payload.ruleset}' is not a shipped ruleset")
    if payload.period not in dict(years()):
        allowed = ", ".join(dict(years()))
        raise HttpError(400, f"period: '{payload.period}' is not one of {allowed}")
    version = DatasetVersion.objects.filter(pk=payload.dataset).first()
    if version is None:
        raise HttpError(400, f"dataset: there is no dataset version {payload.dataset}")
    shipped = levers.shipped_templates(payload.ruleset)
    unknown = [name for name in payload.templates if name not in shipped]
    if unknown:
        raise HttpError(
            400, f"templates: unknown {', '.join(unknown)}; known: {', '.join(shipped)}"
        )
    rules = levers.rules_with(payload.ruleset, tuple(payload.templates))
    changes = {}
    for path, value in payload.changes.items():
        try:
            shown = check_value(rules, path, value)
        except SejahteraError as error:
            raise HttpError(400, f"changes.{path}: {error}") from None
        changes[path] = None if shown == float("inf") else shown
    for variable, formula in payload.formulas.items():
        try:
            problem = check_formula(rules, variable, formula)
        except SejahteraError as error:
            raise HttpError(400, f"formulas.{variable}: {error}") from None
        if problem is not None:
            raise HttpError(
                400,
                f"formulas.{variable}: line {problem.line}, column {problem.column}: "
                f"{problem.message}",
            )
    name = payload.name.strip()[:120] or f"API {datetime.now():%Y-%m-%d %H:%M}"
    overlay = overlay_of(name, payload.period, changes, tuple(payload.templates), payload.formulas)
    try:
        reformed(levers.rules_with(payload.ruleset), overlay)
    except SejahteraError as error:
        raise HttpError(400, f"reform: {error}") from None
    return {
        "name": name,
        "description": payload.description,
        "dataset": version,
        "ruleset": payload.ruleset,
        "period": payload.period,
        "changes": changes,
        "templates": list(payload.templates),
        "formulas": dict(payload.formulas),
    }


@router.post("", response={202: Started, 400: Refused, **REFUSED, 422: Invalid})
def create(request: HttpRequest, payload: ScenarioIn) -> Status:
    """Save the scenario and run it as a job (``GET /api/jobs/{job}`` follows it)."""
    require(request, "scenario.run")
    fields = checked(payload)
    with transaction.atomic():
        made = Scenario.objects.create(owner=request.user, **fields)
        audit.record(request, "scenario_created", made, changes=sorted(made.changes), api=True)
    job = start_run(request, made, reverse("scenarios:detail", args=[made.pk]))
    return Status(202, {"job": job.pk, "scenario": made.pk})


@router.get("", response={200: list[ScenarioOut], **REFUSED})
def scenarios(request: HttpRequest) -> list[dict[str, Any]]:
    """The scenarios the token's user may see (a partner: the published ones)."""
    require(request, "scenario.view")
    return [
        {
            "id": s.pk,
            "name": s.name,
            "description": s.description,
            "dataset": s.dataset_id,
            "ruleset": s.ruleset,
            "period": s.period,
            "changes": s.changes,
            "templates": s.templates,
            "formulas": s.formulas,
            "state": s.state,
            "published": s.published,
            "job": s.job_id,
            "dataset_checksum": s.dataset_checksum,
            "ruleset_version": s.ruleset_version,
            "ran_at": s.ran_at,
        }
        for s in visible_scenarios(request.user).defer(*Scenario.HEAVY)
    ]
