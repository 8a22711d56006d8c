"""Which programmes, cycles and change and cycle requests a user sees (who may change them is in
:mod:`sejahtera.workbench.core.policy`).

A role with ``programme.view_all`` sees every programme; a partner sees the programmes whose
partners include its organisation, and nothing of the others. Every app that shows programme
data asks :func:`visible_programmes`. ``load_*`` answers 404 for a record that does not exist and
403 for one the user may not see.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from sejahtera.workbench.core.policy import allowed
from sejahtera.workbench.core.roles import organisation_of
from sejahtera.workbench.programmes.models import ChangeRequest, Cycle, CycleRequest, Programme


def visible_programmes(user: User | AnonymousUser) -> QuerySet[Programme]:
    """Every programme for a role with ``programme.view_all``; otherwise those whose partners
    include the user's organisation."""
    if allowed(user, "programme.view_all"):
        return Programme.objects.all()
    organisation = organisation_of(user) if allowed(user, "programme.view") else None
    if organisation is None:
        return Programme.objects.none()
    return Programme.objects.filter(partners=organisation)


def load_programme(user: User | AnonymousUser, code: str) -> Programme:
    programme = get_object_or_404(Programme, code=code)
    if not visible_programmes(user).filter(pk=programme.pk).exists():
        raise PermissionDenied
    return programme


def load_cycle(user: User | AnonymousUser, pk: int) -> Cycle:
    cycle = get_object_or_404(Cycle.objects.select_related("programme"), pk=pk)
    if not visible_programmes(user).filter(pk=cycle.programme_id).exists():
        raise PermissionDenied
    return cycle


def load_change(user: User | AnonymousUser, pk: int) -> ChangeRequest:
    change = get_object_or_404(ChangeRequest.objects.select_related("cycle__programme"), pk=pk)
    load_cycle(user, change.cycle_id)
    return change


def load_request(user: User | AnonymousUser, pk: int) -> CycleRequest:
    made = get_object_or_404(CycleRequest.objects.select_related("cycle", "maker"), pk=pk)
    load_cycle(user, made.cycle_id)
    return made
