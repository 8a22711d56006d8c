"""Which grievances a user sees, and how much of the person behind them (who may do what is in
:mod:`sejahtera.workbench.core.policy`, ``grievance.*``).

- a role with ``grievance.view_sensitive`` (kepala, officers, auditors) sees every grievance;
- the other roles see the grievances that are not sensitive, a partner (without
  ``programme.view_all``) only those on the programmes it sees;
- the public sees one grievance's status, through its tracking code.

Personal data (name, NIK, phone, address) is masked on every page. The roles allowed
``personal_data.reveal`` may reveal it for one grievance, and each reveal is audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from sejahtera.workbench.core.policy import allowed
from sejahtera.workbench.core.privacy import initials, mask_nik, mask_phone
from sejahtera.workbench.grievances.models import Grievance
from sejahtera.workbench.programmes.access import visible_programmes


def visible(user: User | AnonymousUser) -> QuerySet[Grievance]:
    """The grievances ``user`` may see."""
    grievances = Grievance.objects.select_related("programme", "region", "assigned_to")
    if allowed(user, "grievance.view_sensitive"):
        return grievances
    if not allowed(user, "grievance.view"):
        return grievances.none()
    if allowed(user, "programme.view_all"):
        return grievances.filter(sensitive=False)
    return grievances.filter(sensitive=False, programme__in=visible_programmes(user))


def load(user: User | AnonymousUser, pk: int) -> Grievance:
    """The grievance ``pk``: 404 when there is none, 403 when the user may not see it."""
    grievance = get_object_or_404(Grievance, pk=pk)
    if not visible(user).filter(pk=pk).exists():
        raise PermissionDenied
    return grievance


PERSONAL_FIELDS = ("name", "nik", "phone", "address")  # the complainant's, as a reveal shows


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
