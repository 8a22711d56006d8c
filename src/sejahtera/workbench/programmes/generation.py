"""Generating, freezing and changing a cycle's beneficiary list.

:func:`generate` reads a dataset, runs the programme's ruleset for the cycle's period and writes
one :class:`~.models.Beneficiary` per household whose benefit is above zero, all in one
transaction, recording the dataset's checksum and the ruleset's version. A frozen (or closed)
cycle is never generated again: after :func:`freeze`, only an approved change request
(:func:`apply_change`) alters the list, so later changes to the registry leave it as it was.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import numpy as np
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import sejahtera
from sejahtera.data.dataset import MANIFEST, Dataset
from sejahtera.errors import SejahteraError
from sejahtera.rules.ruleset import load_ruleset
from sejahtera.simulate.engine import Simulation
from sejahtera.workbench.programmes.models import (
    Beneficiary,
    ChangeKind,
    ChangeRequest,
    Cycle,
    CycleStatus,
)

DEFAULT_RULESET = "indonesia"


class CycleError(Exception):
    """A cycle action that cannot be done; the message (translated) says why and what to do."""


def dataset_checksum(dataset: Dataset) -> str:
    """The SHA-256 of the dataset's manifest, which lists the checksum of every file."""
    return hashlib.sha256((dataset.path / MANIFEST).read_bytes()).hexdigest()


def _amount(value: float) -> Decimal:
    return Decimal(round(float(value)))


@transaction.atomic
def generate(cycle: Cycle, dataset_path: str | Path | None) -> int:
    """(Re)write the list of a draft or generated ``cycle``; the number of beneficiaries."""
    cycle = Cycle.objects.select_for_update().select_related("programme").get(pk=cycle.pk)
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
    ruleset_name = cycle.programme.ruleset or DEFAULT_RULESET
    try:
        dataset = Dataset.open(dataset_path)
        ruleset = load_ruleset(ruleset_name)
        if cycle.benefit not in ruleset.variables:
            raise CycleError(
                _("The ruleset %(ruleset)s has no variable %(name)s.")
                % {"ruleset": ruleset_name, "name": cycle.benefit}
            )
        households = dataset.households()
        simulation = Simulation(ruleset, dataset.persons(), households, cycle.period)
        benefit = simulation.calculate(cycle.benefit)
        entity = ruleset.variables[cycle.benefit].entity
        if entity != "household":  # a household's list line: its members' or families' total
            group = simulation.household_of if entity == "person" else simulation.family_household
            benefit = np.bincount(group, weights=benefit, minlength=len(households))
    except SejahteraError as exc:
        raise CycleError(str(exc)) from exc
    chosen = households.loc[benefit > 0, ["household_id", "regency_code", "desil"]]
    amounts = benefit[benefit > 0]
    cycle.beneficiaries.all().delete()
    Beneficiary.objects.bulk_create(
        (
            Beneficiary(
                cycle=cycle,
                household_id=str(row.household_id),
                region_code=str(row.regency_code),
                desil=None if row.desil != row.desil else int(row.desil),
                amount_rp=_amount(amount),
            )
            for row, amount in zip(chosen.itertuples(index=False), amounts, strict=True)
        ),
        batch_size=2000,
    )
    Cycle.objects.filter(pk=cycle.pk).update(
        status=CycleStatus.GENERATED,
        dataset_path=str(dataset_path),
        dataset_checksum=dataset_checksum(dataset),
        ruleset=ruleset_name,
        ruleset_version=cycle.programme.ruleset_version or sejahtera.__version__,
        generated_at=timezone.now(),
        version=cycle.version + 1,
    )
    return len(chosen)


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
