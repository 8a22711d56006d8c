"""The evaluation page's background job (core/jobs.py), kind ``evaluation.run``: the design run
as ``sejahtera evaluate did|match|rdd DATA … --report FILE`` runs it, on the same DATA (a
dataset version's folder, or the uploaded table file), through the same core functions
(:mod:`sejahtera.evaluate.robustness`), with the robustness checks; the report rendered by the
same code (:mod:`sejahtera.report.evaluation`), once per language.

The evaluation keeps the result only in the job's last step, so a run that fails or is
cancelled leaves it without one (and marked failed). Every run is audited with what it ran on.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from sejahtera.data.dataset import sha256
from sejahtera.evaluate.robustness import (
    CheckedEvaluation,
    evaluate_did,
    evaluate_match,
    evaluate_rdd,
)
from sejahtera.i18n import Language
from sejahtera.workbench.core import audit, jobs
from sejahtera.workbench.core.jobs import JobError, Progress, json_safe, kind
from sejahtera.workbench.core.models import Job
from sejahtera.workbench.datasets.services import checksum_of
from sejahtera.workbench.evaluations.models import Design, Evaluation, EvaluationState
from sejahtera.workbench.evaluations.sources import path_of

RUN = "evaluation.run"
LANGUAGES = ("id", "en")


def evaluate(evaluation: Evaluation) -> CheckedEvaluation:
    """The design on the evaluation's data with its variables: what the command computes with
    ``--report`` (the checks included)."""
    data = path_of(evaluation)
    chosen = dict(evaluation.variables)
    weights = chosen.get("weights")
    if evaluation.design == Design.DID:
        return evaluate_did(
            data, chosen["outcome"], chosen["treatment"], chosen["post"],
            unit=chosen.get("unit"), time=chosen.get("time"), cluster=chosen.get("cluster"),
            covariates=chosen.get("covariates", []), weights=weights,
        )  # fmt: skip
    if evaluation.design == Design.MATCH:
        return evaluate_match(
            data, chosen["outcome"], chosen["treatment"], chosen["covariates"],
            method=chosen.get("method", "nn"), estimand=chosen.get("estimand", "att"),
            weights=weights,
        )  # fmt: skip
    return evaluate_rdd(
        data, chosen["outcome"], chosen["running"], float(chosen["cutoff"]),
        side=chosen.get("side", "below"), treatment=chosen.get("treatment"),
        bandwidth=chosen.get("bandwidth"), weights=weights,
    )  # fmt: skip


def reading(checked: CheckedEvaluation, code: Language) -> dict[str, Any]:
    """What the page shows first, in language ``code``: the conclusion's lines (as the report
    writes them), whether a caveat is severe (the method's assumptions fail), the caveats."""
    main = checked.main
    lines = main.interpretation(code).split("\n")
    return {
        "conclusion": [line for line in lines if line and not line.startswith("- ")],
        "severe": any(c.severe for c in main.caveats),
        "caveats": [c.text(code) for c in main.caveats],
    }


def checksum(evaluation: Evaluation) -> str:
    """The SHA-256 of what the evaluation runs on (a version's ``dataset.json``, a table's file);
    a JobError if it is no longer what was registered or uploaded."""
    path = path_of(evaluation)
    if evaluation.dataset is not None:
        found, expected = checksum_of(path), evaluation.dataset.checksum
    else:
        assert evaluation.table is not None
        found = sha256(path) if path.is_file() else ""
        expected = evaluation.table.checksum
    if found != expected:
        raise JobError(
            _(
                "The data of “%(source)s” have changed or gone since they were registered: "
                "nothing was run."
            )
            % {"source": evaluation.source}
        )
    return found


@kind(RUN)
def run_evaluation(progress: Progress, arguments: dict[str, Any]) -> dict[str, Any]:
    """Run the evaluation and keep its result and report; mark it failed if anything stops it."""
    found = Evaluation.objects.select_related("dataset__dataset", "table").get(
        pk=arguments["evaluation"]
    )
    try:
        return _run(progress, found)
    except BaseException:
        Evaluation.objects.filter(pk=found.pk).update(state=EvaluationState.FAILED)
        raise


def _run(progress: Progress, found: Evaluation) -> dict[str, Any]:
    from sejahtera.report.evaluation import evaluation_page

    progress.step(0.05, _("Checking the data"))
    digest = checksum(found)
    progress.step(0.1, _("Estimating the effect and its robustness checks"))
    checked = evaluate(found)
    progress.step(0.85, _("Writing the report"))
    reports = {
        code: evaluation_page(checked.main, checked.report_checks(), code) for code in LANGUAGES
    }
    readings = {code: reading(checked, code) for code in LANGUAGES}
    result = json_safe(checked.to_dict())
    estimates = json_safe(checked.tidy().to_dict(orient="records"))
    with progress.last_step(0.95, _("Saving the result")):
        Evaluation.objects.filter(pk=found.pk).update(
            state=EvaluationState.DONE,
            result=result,
            estimates=estimates,
            reports=reports,
            readings=readings,
            data_checksum=digest,
            ran_at=timezone.now(),
        )
        audit.record(
            None,
            "evaluation_run",
            found,
            user=progress.owner,
            design=found.design,
            source=_source_key(found),
            data_checksum=digest,
            variables=found.variables,
        )
    return {"evaluation": found.pk, **result}


def _source_key(found: Evaluation) -> str:
    return f"dataset:{found.dataset_id}" if found.dataset_id else f"table:{found.table_id}"


def start_run(request: HttpRequest, found: Evaluation, link: str) -> Job:
    """Queue the run of ``found`` (a new evaluation, running until its job ends; the jobs audit
    it queued and ended), and audit the request that asked for it. The job may run at once (the
    immediate backend), so the evaluation is complete before it starts."""
    with transaction.atomic():
        job = jobs.start(
            request,
            RUN,
            _("Evaluation “%(title)s”") % {"title": found.title},
            {"evaluation": found.pk},
            subject=found,
            link=link,
        )
        Evaluation.objects.filter(pk=found.pk).update(job=job)
        audit.record(
            request,
            "evaluation_requested",
            found,
            design=found.design,
            source=_source_key(found),
            variables=found.variables,
            job=job.pk,
        )
    return job
