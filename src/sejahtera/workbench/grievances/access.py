"""Who sees which grievance, and how much of the person behind it.

- kepala and officers see and handle every grievance, sensitive ones included;
- auditors see every grievance and change nothing;
- analysts see the grievances that are not sensitive;
- a partner sees the grievances, not sensitive, on programmes that name its organisation;
- the public sees one grievance's status, through its tracking code.

Personal data (name, NIK, phone, address) is masked on every page. The roles in
``SEES_PERSONAL_DATA`` may reveal it for one grievance, and each reveal is audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from sejahtera.workbench.core.privacy import initials, mask_nik, mask_phone
from sejahtera.workbench.core.roles import (
    ANALYST,
    AUDITOR,
    KEPALA,
    OFFICER,
    PARTNER,
    SEES_PERSONAL_DATA,
    role_of,
)
from sejahtera.workbench.grievances.models import Grievance
from sejahtera.workbench.programmes.partners import partner_organisation, partner_programme_ids

HANDLERS = (KEPALA, OFFICER)  # take in, assign, change the status, record an appeal
READERS = (KEPALA, OFFICER, AUDITOR, ANALYST, PARTNER)
SEES_SENSITIVE = frozenset({KEPALA, OFFICER, AUDITOR})


def visible(request: HttpRequest) -> QuerySet[Grievance]:
    """The grievances the signed-in user may see."""
    role = role_of(request)
    grievances = Grievance.objects.select_related("programme", "region", "assigned_to")
    if role in SEES_SENSITIVE:
        return grievances
    if role == ANALYST:
        return grievances.filter(sensitive=False)
    if role == PARTNER:
        return grievances.filter(
            sensitive=False,
            programme_id__in=partner_programme_ids(partner_organisation(request) or ""),
        )
    return grievances.none()


def load(request: HttpRequest, pk: int) -> Grievance:
    """The grievance ``pk``: 404 when there is none, 403 when the user may not see it."""
    grievance = get_object_or_404(Grievance, pk=pk)
    if not visible(request).filter(pk=pk).exists():
        raise PermissionDenied
    return grievance


def may_reveal(request: HttpRequest) -> bool:
    return role_of(request) in SEES_PERSONAL_DATA


@dataclass(frozen=True)
class PersonalData:
    """What a page shows of the person: everything when revealed, else a masked form."""

    name: str
    nik: str
    phone: str
    address: str
    revealed: bool
    anonymous: bool  # the person gave no name, NIK, phone or address
    address_hidden: bool


def personal_data(grievance: Grievance, *, revealed: bool = False) -> PersonalData:
    anonymous = not any((grievance.name, grievance.nik, grievance.phone, grievance.address))
    if revealed:
        return PersonalData(
            name=grievance.name,
            nik=grievance.nik,
            phone=grievance.phone,
            address=grievance.address,
            revealed=True,
            anonymous=anonymous,
            address_hidden=False,
        )
    return PersonalData(
        name=initials(grievance.name),
        nik=mask_nik(grievance.nik) if grievance.nik else "",
        phone=mask_phone(grievance.phone) if grievance.phone else "",
        address="",
        revealed=False,
        anonymous=anonymous,
        address_hidden=bool(grievance.address),
    )
