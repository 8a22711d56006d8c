"""A cycle's beneficiary list as its page and its exports show it: searched, filtered, sorted
and masked the same way in both.

- **Search** finds a household by its whole identifier (never by a part of it: the page masks
  identifiers, and a partial match would let anyone spell one out), or the households of every
  kecamatan and desa/kelurahan whose name contains the words.
- **Filters**: kabupaten/kota, kecamatan, desil, an amount range, and the change state (added or
  amended by an approved change request, unchanged, or with a request pending).
- **Masking**: identifiers show their last four characters unless the page was revealed (which
  is audited); an export is always masked.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from sejahtera.data.regions import registry
from sejahtera.workbench.core.privacy import mask_nik
from sejahtera.workbench.programmes.models import (
    Beneficiary,
    ChangeKind,
    ChangeRequest,
    ChangeStatus,
    Cycle,
)


class ChangeState(models.TextChoices):
    UNCHANGED = "unchanged", _("As generated")
    ADDED = "added", _("Added by a change")
    AMENDED = "amended", _("Amount changed")
    PENDING = "pending", _("Change pending")


class Sort(models.TextChoices):
    AREA = "area", _("Area, then household")
    HOUSEHOLD = "household", _("Household")
    DESIL = "desil", _("Desil, poorest first")
    DESIL_DESC = "-desil", _("Desil, richest first")
    AMOUNT = "amount", _("Amount, smallest first")
    AMOUNT_DESC = "-amount", _("Amount, largest first")


ORDER = {
    Sort.AREA: ("region_code", "district_code", "village_code", "household_id"),
    Sort.HOUSEHOLD: ("household_id",),
    Sort.DESIL: ("desil", "household_id"),
    Sort.DESIL_DESC: ("-desil", "household_id"),
    Sort.AMOUNT: ("amount_rp", "household_id"),
    Sort.AMOUNT_DESC: ("-amount_rp", "household_id"),
}


@dataclass(frozen=True)
class ListFilter:
    """What a user asked of a list; the empty filter is the whole list by area."""

    search: str = ""
    regency: str = ""
    district: str = ""
    desil: int | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    change: str = ""
    sort: str = Sort.AREA

    def to_dict(self) -> dict[str, Any]:
        """Plain data (for a job's arguments and the audit log): only what was asked."""
        given = {name: value for name, value in asdict(self).items() if value not in ("", None)}
        return {name: str(v) if isinstance(v, Decimal) else v for name, v in given.items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ListFilter:
        money = {n: Decimal(data[n]) for n in ("amount_min", "amount_max") if data.get(n)}
        return cls(**{**data, **money})


def listed(cycle: Cycle, chosen: ListFilter) -> QuerySet[Beneficiary]:
    """The beneficiaries of ``cycle`` that ``chosen`` asks for, each annotated with its change
    state (``added``, ``amended``, ``pending``), in the order asked."""
    requests = ChangeRequest.objects.filter(
        cycle=OuterRef("cycle"), household_id=OuterRef("household_id")
    )
    approved = requests.filter(status=ChangeStatus.APPROVED)
    rows = cycle.beneficiaries.annotate(
        added=Exists(approved.filter(kind=ChangeKind.ADD)),
        amended=Exists(approved.filter(kind=ChangeKind.AMEND)),
        pending=Exists(requests.filter(status=ChangeStatus.PENDING)),
    )
    if chosen.search:
        rows = rows.filter(_search(chosen.search))
    if chosen.regency:
        rows = rows.filter(region_code=chosen.regency)
    if chosen.district:
        rows = rows.filter(district_code=chosen.district)
    if chosen.desil is not None:
        rows = rows.filter(desil=chosen.desil)
    if chosen.amount_min is not None:
        rows = rows.filter(amount_rp__gte=chosen.amount_min)
    if chosen.amount_max is not None:
        rows = rows.filter(amount_rp__lte=chosen.amount_max)
    if chosen.change == ChangeState.ADDED:
        rows = rows.filter(added=True)
    elif chosen.change == ChangeState.AMENDED:
        rows = rows.filter(amended=True)
    elif chosen.change == ChangeState.PENDING:
        rows = rows.filter(pending=True)
    elif chosen.change == ChangeState.UNCHANGED:
        rows = rows.filter(added=False, amended=False)
    return rows.order_by(*ORDER[Sort(chosen.sort)])


def _search(words: str) -> Q:
    districts, villages = areas_named(words)
    return (
        Q(household_id=words.strip())
        | Q(district_code__in=districts)
        | Q(village_code__in=villages)
    )


def areas_named(words: str) -> tuple[list[str], list[str]]:
    """The kecamatan and the desa/kelurahan whose name contains ``words`` (any case)."""
    wanted = " ".join(words.split()).casefold()
    if not wanted:
        return [], []
    names = _area_names()
    return (
        [code for code, name in names["district"] if wanted in name],
        [code for code, name in names["village"] if wanted in name],
    )


@cache
def _area_names() -> dict[str, list[tuple[str, str]]]:
    regions = registry()
    return {
        level: [(r.code, r.name.casefold()) for r in regions.at_level(level)]  # type: ignore[arg-type]
        for level in ("district", "village")
    }


def area_name(code: str) -> str:
    """A region's name as the registry has it; the code itself when it has none; "" for none."""
    if not code:
        return ""
    regions = registry()
    return regions.name(code) if code in regions else code


@dataclass(frozen=True)
class Row:
    """A beneficiary as the page and the exports show it: names, not codes."""

    household: str  # masked unless revealed
    regency: str
    district: str
    village: str
    desil: int | None
    amount_rp: Decimal
    change: str  # a ChangeState label
    area_code: str  # the finest code known, for joining with other data


def change_state(beneficiary: Beneficiary) -> ChangeState:
    if getattr(beneficiary, "pending", False):
        return ChangeState.PENDING
    if getattr(beneficiary, "added", False):
        return ChangeState.ADDED
    if getattr(beneficiary, "amended", False):
        return ChangeState.AMENDED
    return ChangeState.UNCHANGED


def rows(beneficiaries: Iterator[Beneficiary], *, revealed: bool = False) -> Iterator[Row]:
    """Each beneficiary as shown: its identifier masked unless ``revealed``."""
    for b in beneficiaries:
        yield Row(
            household=b.household_id if revealed else mask_nik(b.household_id),
            regency=area_name(b.region_code),
            district=area_name(b.district_code),
            village=area_name(b.village_code),
            desil=b.desil,
            amount_rp=b.amount_rp,
            change=str(change_state(b).label),
            area_code=b.village_code or b.district_code or b.region_code,
        )
