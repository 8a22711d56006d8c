"""Decision records over the REST API, read only: ``GET /api/decisions`` lists the records (every
version), ``GET /api/decisions/{id}`` gives one with its options and their simulated figures,
the criteria and weights, the appraisal (normalised values, scores, ranking), each criterion's
weight range, the stakeholders' stances, the linked consultations and the decision. Figures are
as the page computes them (:mod:`.scoring`); rates are fractions, money Rupiah a year."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from sejahtera.workbench.core.api import REFUSED, Refused, require
from sejahtera.workbench.decisions import scoring
from sejahtera.workbench.decisions.models import Decision

router = Router(tags=["decisions"])


class DecisionOut(Schema):
    id: int
    number: int  # the version of the record (an amendment is number + 1)
    amends: int | None  # the id of the version it amends
    title: str
    period: str
    dataset: int | None
    status: str  # draft, submitted, decided
    prepared_by: str
    submitted_by: str | None
    decided_by: str | None
    decided_at: datetime | None
    chosen: int | None  # an option's id
    rationale: str
    programme: str | None  # the code of the draft programme made from it


class Detail(DecisionOut):
    problem: str
    options: list[dict[str, Any]]  # id, kind, title, description, scenario, ruleset_version
    criteria: list[dict[str, Any]]  # id, name, source, measure, higher_is_better, weight, share
    values: dict[str, dict[str, float | None]]  # option id → criterion id → raw value
    appraisal: dict[str, Any] | None  # normalised, scores, ranking, missing; None with problem
    problem_with_appraisal: str
    weight_ranges: list[dict[str, Any]]  # criterion, weight, low, high, below, above
    stances: list[dict[str, Any]]  # organisation, stance, note
    consultations: list[dict[str, Any]]  # consultation, title, date, note


def summary(found: Decision) -> dict[str, Any]:
    def name(user: Any) -> str | None:
        return user.get_username() if user is not None else None

    return {
        "id": found.pk,
        "number": found.number,
        "amends": found.predecessor_id,
        "title": found.title,
        "period": found.period,
        "dataset": found.dataset_id,
        "status": found.status,
        "prepared_by": found.prepared_by.get_username(),
        "submitted_by": name(found.submitted_by),
        "decided_by": name(found.decided_by),
        "decided_at": found.decided_at,
        "chosen": found.chosen_id,
        "rationale": found.rationale,
        "programme": found.programme.code if found.programme else None,
    }


RELATED = ("prepared_by", "submitted_by", "decided_by", "programme")


@router.get("", response={200: list[DecisionOut], **REFUSED})
def decisions(request: HttpRequest) -> list[dict[str, Any]]:
    """Every decision record of the office, every version, newest first."""
    require(request, "decision.view")
    return [summary(d) for d in Decision.objects.select_related(*RELATED)]


@router.get("/{decision_id}", response={200: Detail, **REFUSED, 404: Refused})
def decision(request: HttpRequest, decision_id: int) -> dict[str, Any]:
    """One record with its appraisal, as its page shows it."""
    require(request, "decision.view")
    found = Decision.objects.select_related(*RELATED).filter(pk=decision_id).first()
    if found is None:
        raise HttpError(404, "not found")
    appraised = scoring.appraised(found)
    result = appraised.result
    return {
        **summary(found),
        "problem": found.problem,
        "options": [
            {
                "id": o.pk,
                "kind": o.kind,
                "title": o.label,
                "description": o.about,
                "scenario": o.scenario_id,
                "ruleset_version": (o.snapshot or {}).get("ruleset_version"),
            }
            for o in appraised.options
        ],
        "criteria": [
            {
                "id": c.pk,
                "name": c.label,
                "source": c.source,
                "measure": c.measure,
                "higher_is_better": c.higher_is_better,
                "weight": float(c.weight),
                "share": result.weights[str(c.pk)] if result else None,
            }
            for c in appraised.criteria
        ],
        "values": _nested(appraised.values),
        "appraisal": None
        if result is None
        else {
            "normalised": _nested(result.normalised),
            "scores": result.scores,
            "ranking": [int(k) for k in result.ranking],
            "missing": sorted([int(o), int(c)] for o, c in result.missing),
        },
        "problem_with_appraisal": appraised.problem,
        "weight_ranges": [
            {
                "criterion": span["criterion"].pk,
                "weight": span["weight"],
                "low": span["low"],
                "high": span["high"],
                "below": span["below"].pk if span["below"] else None,
                "above": span["above"].pk if span["above"] else None,
            }
            for span in scoring.ranges(appraised)
        ],
        "stances": [
            {"organisation": p.organisation.name, "stance": p.position, "note": p.note}
            for p in found.positions.select_related("organisation")
        ],
        "consultations": [
            {
                "consultation": link.consultation_id,
                "title": link.consultation.title,
                "date": link.consultation.date.isoformat(),
                "note": link.note,
            }
            for link in found.consultations.select_related("consultation")
        ],
    }


def _nested(cells: dict[tuple[str, str], Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for (option, criterion), value in cells.items():
        out.setdefault(option, {})[criterion] = value
    return out
