"""Who sees and changes what in the programme pages.

- everyone with a role reads the programmes it may see; a partner only those whose
  ``partner_organisations`` name its ``Profile.organisation``, read-only;
- kepala and programme officers create cycles, generate and freeze lists, record payments and
  decide change requests (never their own);
- analysts and programme officers propose change requests;
- auditors read everything and change nothing.

``load_*`` answers 404 for a record that does not exist and 403 for one the user may not see.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from sejahtera.workbench.core.roles import ANALYST, KEPALA, OFFICER, SEES_PERSONAL_DATA, role_of
from sejahtera.workbench.programmes.models import ChangeRequest, Cycle, Programme
from sejahtera.workbench.programmes.partners import visible_programmes

EDITORS = (KEPALA, OFFICER)  # programmes and their budgets
RUNNERS = (KEPALA, OFFICER)  # cycles, generation, freezing, payments
MAKERS = (ANALYST, OFFICER)  # propose changes to a frozen list
CHECKERS = (KEPALA, OFFICER)  # approve or reject them (not their own)


def load_programme(request: HttpRequest, code: str) -> Programme:
    programme = get_object_or_404(Programme, code=code)
    if not visible_programmes(request).filter(pk=programme.pk).exists():
        raise PermissionDenied
    return programme


def load_cycle(request: HttpRequest, pk: int) -> Cycle:
    cycle = get_object_or_404(Cycle.objects.select_related("programme"), pk=pk)
    if not visible_programmes(request).filter(pk=cycle.programme_id).exists():
        raise PermissionDenied
    return cycle


def load_change(request: HttpRequest, pk: int) -> ChangeRequest:
    change = get_object_or_404(ChangeRequest.objects.select_related("cycle__programme"), pk=pk)
    load_cycle(request, change.cycle_id)
    return change


def may(request: HttpRequest, roles: tuple[str, ...]) -> bool:
    return role_of(request) in roles


def may_reveal(request: HttpRequest) -> bool:
    return role_of(request) in SEES_PERSONAL_DATA
