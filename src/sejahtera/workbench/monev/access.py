"""Who sees and changes what in the monitoring pages.

- kepala, analysts and programme officers see every programme and edit results frameworks,
  indicators and targets; auditors see everything and change nothing;
- a partner sees only the programmes that list its organisation among their partners, and of
  their actuals only the approved ones and those it submitted itself;
- who submits, verifies, approves and rejects actuals is in :mod:`.workflow`.

Every ``load_*`` helper answers 404 for a record that does not exist and 403 for one the user
may not see.
"""

from __future__ import annotations

from typing import Final

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from sejahtera.workbench.core.roles import ANALYST, KEPALA, OFFICER, PARTNER, role_of
from sejahtera.workbench.monev.models import Actual, Indicator, ResultNode, Status, Target
from sejahtera.workbench.programmes.models import Programme
from sejahtera.workbench.programmes.partners import visible_programmes

EDITORS: Final = (KEPALA, ANALYST, OFFICER)


def may_edit(request: HttpRequest) -> bool:
    return role_of(request) in EDITORS


def visible_actuals(request: HttpRequest, indicator: Indicator) -> QuerySet[Actual]:
    actuals = indicator.actuals.select_related("region", "submitted_by")
    if role_of(request) != PARTNER:
        return actuals
    return actuals.filter(Q(status=Status.APPROVED) | Q(submitted_by=request.user))


def _check(request: HttpRequest, programme_id: int) -> None:
    if not visible_programmes(request).filter(pk=programme_id).exists():
        raise PermissionDenied


def load_programme(request: HttpRequest, code: str) -> Programme:
    programme = get_object_or_404(Programme, code=code)
    _check(request, programme.pk)
    return programme


def load_result(request: HttpRequest, pk: int) -> ResultNode:
    result = get_object_or_404(ResultNode.objects.select_related("programme"), pk=pk)
    _check(request, result.programme_id)
    return result


def load_indicator(request: HttpRequest, pk: int) -> Indicator:
    indicator = get_object_or_404(Indicator.objects.select_related("result__programme"), pk=pk)
    _check(request, indicator.result.programme_id)
    return indicator


def load_target(request: HttpRequest, pk: int) -> Target:
    target = get_object_or_404(Target.objects.select_related("indicator__result"), pk=pk)
    _check(request, target.indicator.result.programme_id)
    return target


def load_actual(request: HttpRequest, pk: int) -> Actual:
    actual = get_object_or_404(Actual.objects.select_related("indicator__result"), pk=pk)
    _check(request, actual.indicator.result.programme_id)
    if not visible_actuals(request, actual.indicator).filter(pk=pk).exists():
        raise PermissionDenied
    return actual
