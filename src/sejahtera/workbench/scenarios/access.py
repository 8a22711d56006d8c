"""Which scenarios a user sees (who may build, run and publish them is in
:mod:`sejahtera.workbench.core.policy`).

A role with ``scenario.view_all`` (the office) sees every scenario; a partner sees the
published ones only, and their results. ``load_scenario`` answers 404 for a scenario that does
not exist and 403 for one the user may not see.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from sejahtera.workbench.core.policy import allowed
from sejahtera.workbench.scenarios.models import Scenario


def visible_scenarios(user: User | AnonymousUser) -> QuerySet[Scenario]:
    if allowed(user, "scenario.view_all"):
        return Scenario.objects.all()
    if allowed(user, "scenario.view"):
        return Scenario.objects.filter(published=True)
    return Scenario.objects.none()


def load_scenario(user: User | AnonymousUser, pk: int) -> Scenario:
    found = get_object_or_404(
        Scenario.objects.select_related("dataset__dataset", "owner", "job"), pk=pk
    )
    if not visible_scenarios(user).filter(pk=found.pk).exists():
        raise PermissionDenied
    return found
