"""The studio's background jobs (core/jobs.py): running a scenario, budget mode and explaining a
household. Each does what the command line does, on a dataset version of the datasets app:

- ``scenario.run``: the scenario's reform written as a file (rules/overlay.py) and run as
  ``sejahtera simulate DATA --rules R --reform FILE --json`` runs it; the job's result is that
  report, and the scenario keeps it with the dataset's checksum, the ruleset's version and the
  reform file;
- ``scenario.budget``: ``sejahtera budget DATA --rules R --extra AMOUNT --json``;
- ``scenario.explain``: one household under the status quo and the scenario
  (simulate/explain.py), personal data masked.

A dataset version's folder is never changed once registered and its files were checked then,
so it is opened without reading every file again; its manifest's checksum is compared with the
version's.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
from django.db import connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sejahtera.data.dataset import Dataset as DataFolder
from sejahtera.data.frame import household_frame
from sejahtera.i18n import speaking
from sejahtera.rules.ruleset import Ruleset, load_ruleset, ruleset_version
from sejahtera.simulate.scenario import Start, assumptions, scenario
from sejahtera.workbench.core import audit
from sejahtera.workbench.core.jobs import JobError, Progress, json_safe, kind
from sejahtera.workbench.core.privacy import initials, mask_nik
from sejahtera.workbench.datasets.models import DatasetVersion
from sejahtera.workbench.datasets.services import checksum_of, current_version, folder_of
from sejahtera.workbench.scenarios.forms import overlay_for
from sejahtera.workbench.scenarios.forms import reformed as reformed_of
from sejahtera.workbench.scenarios.models import (
    DEFAULT_PERIOD,
    DEFAULT_RULESET,
    Scenario,
    ScenarioState,
)

RUN, BUDGET, EXPLAIN = "scenario.run", "scenario.budget", "scenario.explain"
logger = logging.getLogger(__name__)


# What a worker process keeps of the last dataset version it ran on, by the version's checksum:
# its frames (at a million households reading the files takes longer than a run) and the status
# quo computed on them for each ruleset and year (:class:`Start`), which every scenario on that
# version is compared with. Runs only read them. One version is kept. The lock makes a run that
# arrives while the worker is still preparing (:func:`prepare`) wait for it, not read again.
_KEPT: dict[str, dict[object, Any]] = {}
_KEEPING = threading.RLock()


def read_version(version: DatasetVersion) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The persons and households (with what their members tell) of a dataset version, as
    ``sejahtera simulate`` reads a dataset folder."""
    folder = folder_of(version)
    if checksum_of(folder) != version.checksum:
        raise JobError(
            _("The files of dataset version %(version)s have changed since it was registered.")
            % {"version": version}
        )
    with _KEEPING:
        kept = _KEPT.get(version.checksum)
        if kept is None:
            data = DataFolder.open(folder, verify=False)
            persons = data.persons()
            _KEPT.clear()
            frames = (persons, household_frame(data, persons))
            kept = _KEPT[version.checksum] = {"frames": frames}
        return kept["frames"]


def status_quo(version: DatasetVersion, ruleset: str, rules: Ruleset, period: str) -> Start:
    """The status quo of ``rules`` on the version in ``period``, computed once per worker."""
    with _KEEPING:
        persons, households = read_version(version)
        key = (ruleset, ruleset_version(rules), str(period))
        kept = _KEPT[version.checksum]
        if key not in kept:
            kept[key] = Start(rules, persons, households, period)
        return kept[key]


def prepare(**_: Any) -> threading.Thread | None:
    """Read the current dataset version and compute its status quo under the default ruleset
    and year, in a thread, as the worker starts (``core.jobs.worker_starting``): the first
    scenario run then takes as long as the next ones. Nothing to prepare before any version is
    registered; a failure here is only logged, the run that needs it will say what is wrong."""
    version = current_version()
    if version is None:
        return None

    def work() -> None:
        try:
            status_quo(version, DEFAULT_RULESET, load_ruleset(DEFAULT_RULESET), DEFAULT_PERIOD)
        except Exception:
            logger.exception("preparing dataset version %s for scenario runs failed", version)
        finally:
            connections.close_all()

    thread = threading.Thread(target=work, name="scenario-prepare", daemon=True)
    thread.start()
    return thread


def scaled(progress: Progress, low: float, high: float) -> Callable[[float, str], None]:
    """The core's progress (0–1) reported between ``low`` and ``high`` of the job's."""
    return lambda fraction, message: progress.step(low + (high - low) * fraction, message)


@kind(RUN)
def run_scenario(progress: Progress, arguments: dict[str, Any]) -> dict[str, Any]:
    """Run the scenario as ``sejahtera simulate --reform`` would, keep its report."""
    found = Scenario.objects.select_related("dataset__dataset").get(pk=arguments["scenario"])
    try:
        return _run(progress, found, arguments["version"])
    except Exception:
        Scenario.objects.filter(pk=found.pk, version=arguments["version"]).update(
            state=ScenarioState.FAILED, job=progress.job
        )
        raise


def _run(progress: Progress, found: Scenario, version: int) -> dict[str, Any]:
    progress.step(0.02, _("Reading the rules and the scenario's reform"))
    rules = load_ruleset(found.ruleset)
    overlay = overlay_for(found)
    reformed = reformed_of(rules, overlay)
    reform_text = overlay.text(rules)  # the file the reform was read from
    progress.step(0.06, _("Reading the dataset"))
    persons, households = read_version(found.dataset)
    overlay.check_inputs(rules, {*persons.columns, *households.columns})
    progress.step(0.1, _("Computing the status quo"))
    start = status_quo(found.dataset, found.ruleset, rules, found.period)
    result = scenario(
        rules,
        persons,
        households,
        found.period,
        reform=reformed,
        progress=scaled(progress, 0.15, 0.9),
        start=start,
    )
    report = json_safe(result.to_dict())
    said = {}
    for code in ("id", "en"):
        with speaking(code):
            said[code] = [*assumptions(reformed, result.period), *result.notes]
    with progress.last_step(0.95, _("Saving the result")):
        saved = Scenario.objects.filter(pk=found.pk, version=version).update(
            state=ScenarioState.DONE,
            job=progress.job,
            result=report,
            dataset_checksum=found.dataset.checksum,
            ruleset_version=ruleset_version(rules),
            reform_text=reform_text,
            assumptions=said,
            ran_at=timezone.now(),
        )
        if not saved:
            raise JobError(
                _(
                    "The scenario was changed while it ran, so this result was not kept. "
                    "Run it again."
                )
            )
        audit.record(
            None,
            "scenario_run",
            found,
            user=progress.owner,
            dataset=found.dataset_id,
            dataset_checksum=found.dataset.checksum,
            ruleset=found.ruleset,
            period=found.period,
        )
    return report


def start_run(request: Any, found: Scenario, link: str, here: bool = False) -> Any:
    """Queue the scenario's run (audited by the jobs), marking it running; ``here``: run it in
    this process now (a management command). The run itself records its end on the scenario (a
    job run at once, as in the tests, has ended by the time ``jobs.start`` returns)."""
    from sejahtera.workbench.core import jobs

    with transaction.atomic():
        Scenario.objects.filter(pk=found.pk).update(state=ScenarioState.RUNNING)
        job = jobs.start(
            request,
            RUN,
            _("Scenario “%(name)s”") % {"name": found.name},
            {"scenario": found.pk, "version": found.version},
            subject=found,
            link=link,
            queue=not here,
        )
        Scenario.objects.filter(pk=found.pk).update(job=job)
    return jobs.run_here(job) if here else job


@kind(BUDGET)
def run_budget(progress: Progress, arguments: dict[str, Any]) -> dict[str, Any]:
    """``sejahtera budget DATA --rules R --extra AMOUNT --json``: the shipped options searched
    and ranked, each option's frontier; an option out of reach says what its cheapest step
    costs."""
    from sejahtera.simulate.options import DEFAULT_OPTIONS, solve_extra

    progress.step(0.05, _("Reading the dataset"))
    version = DatasetVersion.objects.select_related("dataset").get(pk=arguments["dataset"])
    persons, households = read_version(version)
    rules = load_ruleset(arguments.get("ruleset") or "indonesia")
    progress.step(0.2, _("Trying every option's cut-offs and amounts"))
    found = solve_extra(
        rules,
        persons,
        households,
        float(arguments["extra_rp"]),
        DEFAULT_OPTIONS,
        arguments["period"],
    )
    report = json_safe(found.to_dict())
    for option in report["ranking"]:
        costs = [p["net_cost_rp"] for p in option["points"] if (p["net_cost_rp"] or 0) > 0]
        option["cheapest_rp"] = min(costs) if costs else None
    with progress.last_step(0.95, _("Saving the result")):
        audit.record(
            None,
            "budget_run",
            version,
            user=progress.owner,
            extra_rp=float(arguments["extra_rp"]),
            period=arguments["period"],
        )
    return report


@kind(EXPLAIN)
def run_explain(progress: Progress, arguments: dict[str, Any]) -> dict[str, Any]:
    """One household under the status quo and the scenario, personal data masked."""
    from sejahtera.simulate.explain import explain
    from sejahtera.workbench.scenarios.explained import kept_bilingual

    found = Scenario.objects.select_related("dataset").get(pk=arguments["scenario"])
    progress.step(0.05, _("Reading the dataset"))
    persons, households = read_version(found.dataset)
    progress.step(0.3, _("Computing the status quo"))
    rules = load_ruleset(found.ruleset)
    overlay = overlay_for(found)
    reformed = reformed_of(rules, overlay)
    overlay.check_inputs(rules, {*persons.columns, *households.columns})
    start = status_quo(found.dataset, found.ruleset, rules, found.period)
    progress.step(0.7, _("Computing the scenario for this household"))
    found_out = explain(start, arguments["household"], reformed).to_dict()
    explained = json_safe(kept_bilingual(found_out))
    explained["masked"] = masked(persons, households, arguments["household"])
    with progress.last_step(0.95, _("Saving the result")):
        audit.record(
            None,
            "household_explained",
            found,
            user=progress.owner,
            household=arguments["household"],
        )
    return explained


def masked(persons: pd.DataFrame, households: pd.DataFrame, household: str) -> dict[str, Any]:
    """The personal data the dataset holds for the household, masked: names as initials, NIK
    as its last four digits, no address."""
    members = persons[persons["household_id"].astype(str) == str(household)]
    out: dict[str, Any] = {"members": []}
    for _row, person in members.iterrows():
        out["members"].append(
            {
                "name": initials(str(person["name"]))
                if "name" in person and pd.notna(person["name"])
                else "",
                "nik": mask_nik(str(person["nik"]))
                if "nik" in person and pd.notna(person["nik"])
                else "",
            }
        )
    out["address"] = "***" if "address" in households.columns else ""
    return out


def template_folder() -> Path:
    return Path(str(resources.files("sejahtera").joinpath("rulesets")))
