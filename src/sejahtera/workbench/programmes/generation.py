"""Generating, freezing and changing a cycle's beneficiary list.

:func:`compute` reads a dataset and runs the programme's ruleset for the cycle's period;
:func:`write` then writes one :class:`~.models.Beneficiary` per household whose benefit is above
zero, all in one transaction, recording the dataset's checksum and the version of the ruleset
actually run (:func:`~sejahtera.rules.ruleset.ruleset_version`: Sejahtera's version and a digest
of the ruleset's files). The
cycle page does both in a background job (:func:`generate_job`, kind ``cycle.generate``) that
reports each step and writes only at the end, so a failed or cancelled generation changes
nothing. A frozen (or closed)
cycle is never generated again: after :func:`freeze`, only an approved change request
(:func:`apply_change`) alters the list, so later changes to the registry leave it as it was.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sejahtera.data.dataset import MANIFEST, Dataset
from sejahtera.errors import SejahteraError
from sejahtera.rules.ruleset import load_ruleset, ruleset_version
from sejahtera.simulate.engine import Simulation
from sejahtera.workbench.core import audit
from sejahtera.workbench.core.jobs import JobError, Progress, kind
from sejahtera.workbench.programmes.declared import ruleset_of
from sejahtera.workbench.programmes.models import (
    Beneficiary,
    ChangeKind,
    ChangeRequest,
    Cycle,
    CycleStatus,
)

GENERATE = "cycle.generate"  # the kind of background job
LISTED = ["household_id", "regency_code", "district_code", "village_code", "desil"]


class Step(Protocol):
    def step(self, fraction: float, message: str) -> None: ...


class CycleError(JobError):
    """A cycle action that cannot be done; the message (translated) says why and what to do."""


def dataset_checksum(dataset: Dataset) -> str:
    """The SHA-256 of the dataset's manifest, which lists the checksum of every file."""
    return hashlib.sha256((dataset.path / MANIFEST).read_bytes()).hexdigest()


def _code(value: object) -> str:
    return "" if value is None or value != value else str(value)


def _amount(value: float) -> Decimal:
    return Decimal(round(float(value)))


class _Silent:
    """Progress reported nowhere (a list generated directly, as the demo does)."""

    def step(self, fraction: float, message: str) -> None:
        pass


@dataclass(frozen=True)
class Computed:
    """A cycle's list as the rules give it, not yet written."""

    dataset_path: str
    checksum: str
    ruleset: str
    ruleset_version: str  # of the rules run: software version + digest of the ruleset's files
    chosen: pd.DataFrame  # household_id, regency, district, village codes, desil of each
    amounts: np.ndarray  # the benefit of each, in Rupiah


def check_generable(cycle: Cycle, dataset_path: str | Path | None) -> None:
    """Refuse (:class:`CycleError`) a list that cannot be generated: a frozen or closed cycle,
    or no dataset."""
    if not cycle.editable_list:
        raise CycleError(
            _(
                "This cycle is %(status)s: its list cannot be generated again. "
                "Change it through a change request."
            )
            % {"status": cycle.get_status_display()}
        )
    if not dataset_path:
        raise CycleError(_("No dataset is configured: start the workbench with --dataset."))


def compute(
    cycle: Cycle, dataset_path: str | Path | None, progress: Step | None = None
) -> Computed:
    """Run the programme's ruleset over the dataset for the cycle's period; nothing is written."""
    progress = progress or _Silent()
    cycle = Cycle.objects.select_related("programme").get(pk=cycle.pk)
    check_generable(cycle, dataset_path)
    ruleset_name = ruleset_of(cycle.programme)
    try:
        progress.step(0.05, _("Opening the dataset"))
        dataset = Dataset.open(dataset_path)  # type: ignore[arg-type]
        progress.step(0.1, _("Reading the rules"))
        ruleset = load_ruleset(ruleset_name)
        version = ruleset_version(ruleset)
        if cycle.benefit not in ruleset.variables:
            raise CycleError(
                _("The ruleset %(ruleset)s has no variable %(name)s.")
                % {"ruleset": ruleset_name, "name": cycle.benefit}
            )
        progress.step(0.2, _("Reading households and persons"))
        households = dataset.households()
        persons = dataset.persons()
        progress.step(0.4, _("Applying the rules to every household"))
        simulation = Simulation(ruleset, persons, households, cycle.period)
        benefit = simulation.calculate(cycle.benefit)
        entity = ruleset.variables[cycle.benefit].entity
        if entity != "household":  # a household's list line: its members' or families' total
            group = simulation.household_of if entity == "person" else simulation.family_household
            benefit = np.bincount(group, weights=benefit, minlength=len(households))
    except SejahteraError as exc:
        raise CycleError(str(exc)) from exc
    progress.step(0.8, _("Choosing the beneficiaries"))
    return Computed(
        dataset_path=str(dataset_path),
        checksum=dataset_checksum(dataset),
        ruleset=ruleset_name,
        ruleset_version=version,
        chosen=households.loc[benefit > 0].reindex(columns=LISTED),  # areas may be missing
        amounts=benefit[benefit > 0],
    )


@transaction.atomic
def write(cycle: Cycle, computed: Computed, version: int | None = None) -> int:
    """Replace the list of a draft or generated ``cycle`` with ``computed``, in one transaction;
    the number of beneficiaries. With ``version``: only if the cycle still has it (nobody froze
    it or generated it again meanwhile)."""
    cycle = Cycle.objects.select_for_update().select_related("programme").get(pk=cycle.pk)
    check_generable(cycle, computed.dataset_path)
    if version is not None and cycle.version != version:
        raise CycleError(
            _(
                "The cycle changed while its list was being generated (someone froze it or "
                "generated it again), so nothing was written. Open the cycle and generate the "
                "list again if it is still needed."
            )
        )
    cycle.beneficiaries.all().delete()
    Beneficiary.objects.bulk_create(
        (
            Beneficiary(
                cycle=cycle,
                household_id=str(row.household_id),
                region_code=str(row.regency_code),
                district_code=_code(row.district_code),
                village_code=_code(row.village_code),
                desil=None if row.desil != row.desil else int(row.desil),
                amount_rp=_amount(amount),
            )
            for row, amount in zip(
                computed.chosen.itertuples(index=False), computed.amounts, strict=True
            )
        ),
        batch_size=2000,
    )
    Cycle.objects.filter(pk=cycle.pk).update(
        status=CycleStatus.GENERATED,
        dataset_path=computed.dataset_path,
        dataset_checksum=computed.checksum,
        ruleset=computed.ruleset,
        ruleset_version=computed.ruleset_version,
        generated_at=timezone.now(),
        version=cycle.version + 1,
    )
    return len(computed.chosen)


def generate(cycle: Cycle, dataset_path: str | Path | None) -> int:
    """(Re)write the list of a draft or generated ``cycle`` at once (the demo; the pages use
    the background job :func:`generate_job`); the number of beneficiaries."""
    return write(cycle, compute(cycle, dataset_path))


@kind(GENERATE)
def generate_job(progress: Progress, arguments: dict[str, Any]) -> dict[str, Any]:
    """The background job the cycle page starts: compute the list, reporting each step, then
    write it and audit it in one transaction, if the cycle is still as it was queued."""
    cycle = Cycle.objects.select_related("programme").get(pk=arguments["cycle"])
    computed = compute(cycle, arguments["dataset"], progress)
    with progress.last_step(0.9, _("Writing the list")):
        count = write(cycle, computed, version=arguments["version"])
        cycle.refresh_from_db()
        audit.record(
            None,
            "cycle_generated",
            cycle,
            user=progress.owner,
            beneficiaries=count,
            dataset_checksum=cycle.dataset_checksum,
            ruleset=cycle.ruleset,
            ruleset_version=cycle.ruleset_version,
            approved_ruleset_version=cycle.programme.ruleset_version,
            cycle_request=arguments.get("cycle_request"),
            requested_by=arguments.get("requested_by"),
        )
    return {"cycle": cycle.pk, "beneficiaries": count}


def freeze(cycle: Cycle, version: int) -> bool:
    """Freeze a generated cycle if it still has ``version``; False if someone changed it."""
    if cycle.status != CycleStatus.GENERATED:
        raise CycleError(_("Only a generated list can be frozen."))
    return bool(
        Cycle.objects.filter(pk=cycle.pk, version=version, status=CycleStatus.GENERATED).update(
            status=CycleStatus.FROZEN, frozen_at=timezone.now(), version=version + 1
        )
    )


def apply_change(change: ChangeRequest) -> None:
    """Make the approved ``change`` to its frozen list (inside the caller's transaction)."""
    listed = change.cycle.beneficiaries.filter(household_id=change.household_id)
    if change.kind == ChangeKind.ADD:
        if listed.exists():
            raise CycleError(_("This household is already on the list."))
        Beneficiary.objects.create(
            cycle=change.cycle,
            household_id=change.household_id,
            region_code=change.region_code,
            amount_rp=change.amount_rp,
        )
    elif not listed.exists():
        raise CycleError(_("This household is not on the list."))
    elif change.kind == ChangeKind.REMOVE:
        listed.delete()
    else:
        listed.update(amount_rp=change.amount_rp)
