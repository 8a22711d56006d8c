"""Which results, indicators, targets and actuals a user sees (who may change them is in
:mod:`sejahtera.workbench.core.policy`).

- a role sees the monitoring of the programmes it sees
  (:func:`~sejahtera.workbench.programmes.access.visible_programmes`);
- a role with ``actual.view_all`` sees every actual; a partner only the approved ones and those
  it submitted itself.

Every ``load_*`` helper answers 404 for a record that does not exist and 403 for one the user
may not see.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from sejahtera.workbench.core.policy import allowed
from sejahtera.workbench.monev.models import Actual, Indicator, ResultNode, Status, Target
from sejahtera.workbench.programmes.access import visible_programmes


def visible_actuals(user: User | AnonymousUser, indicator: Indicator) -> QuerySet[Actual]:
    actuals = indicator.actuals.select_related("region", "submitted_by")
    if allowed(user, "actual.view_all"):
        return actuals
    return actuals.filter(Q(status=Status.APPROVED) | Q(submitted_by=user.pk))


def _check(user: User | AnonymousUser, programme_id: int) -> None:
    if not visible_programmes(user).filter(pk=programme_id).exists():
        raise PermissionDenied


def load_result(user: User | AnonymousUser, pk: int) -> ResultNode:
    result = get_object_or_404(ResultNode.objects.select_related("programme"), pk=pk)
    _check(user, result.programme_id)
    return result


def load_indicator(user: User | AnonymousUser, pk: int) -> Indicator:
    indicator = get_object_or_404(Indicator.objects.select_related("result__programme"), pk=pk)
    _check(user, indicator.result.programme_id)
    return indicator


def load_target(user: User | AnonymousUser, pk: int) -> Target:
    target = get_object_or_404(Target.objects.select_related("indicator__result"), pk=pk)
    _check(user, target.indicator.result.programme_id)
    return target


def load_actual(user: User | AnonymousUser, pk: int) -> Actual:
    actual = get_object_or_404(Actual.objects.select_related("indicator__result"), pk=pk)
    _check(user, actual.indicator.result.programme_id)
    if not visible_actuals(user, actual.indicator).filter(pk=pk).exists():
        raise PermissionDenied
    return actual


def may_correct(user: User | AnonymousUser, actual: Actual) -> bool:
    """Whether ``user`` may correct ``actual`` (its status aside): a role with
    ``actual.correct_others`` any actual, one with only ``actual.submit`` its own."""
    if allowed(user, "actual.correct_others"):
        return True
    return allowed(user, "actual.submit") and actual.submitted_by_id == user.pk
