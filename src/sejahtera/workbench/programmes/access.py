"""Which programmes, cycles and change requests a user sees (who may change them is in
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
from sejahtera.workbench.programmes.models import ChangeRequest, Cycle, Programme


def partner_organisation(user: User | AnonymousUser) -> str:
    """The organisation a partner speaks for ("" when its profile names none)."""
    profile = getattr(user, "profile", None)
    return profile.organisation.strip() if profile is not None else ""


def visible_programmes(user: User | AnonymousUser) -> QuerySet[Programme]:
    """Every programme for a role with ``programme.view_all``; a partner's own otherwise."""
    if allowed(user, "programme.view_all"):
        return Programme.objects.all()
    organisation = partner_organisation(user) if allowed(user, "programme.view") else ""
    if not organisation:
        return Programme.objects.none()
    # SQLite cannot look inside a JSON list, and the programme table is small.
    return Programme.objects.filter(
        pk__in=[
            pk
            for pk, partners in Programme.objects.values_list("pk", "partner_organisations")
            if isinstance(partners, list) and organisation in partners
        ]
    )


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
