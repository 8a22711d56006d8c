"""Every change to a reported actual: submission, correction, verification, approval and
rejection.

Who does what is in :mod:`sejahtera.workbench.core.policy` (``actual.*``): a programme officer,
or a partner on its own programmes, submits an actual and may correct it while it is submitted or
rejected (a corrected rejected actual is submitted again); an analyst or officer verifies it; the
kepala approves it, and an approved actual is locked for good; a reviewer may reject a submitted
or verified actual, saying why. Maker-checker: nobody verifies, approves or rejects an actual they
submitted.

Each change is one conditional ``UPDATE`` naming the version it started from and the statuses it
may start from, with its audit event in the same transaction: when someone else saved first
:class:`~sejahtera.workbench.core.locking.StaleVersion` is raised, when the actual is approved
:class:`~.models.Locked`, when its status does not allow the step :class:`WrongStatus`; nothing
is written in each case.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Final

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sejahtera.workbench.core import audit
from sejahtera.workbench.core.locking import StaleVersion
from sejahtera.workbench.monev.models import (
    EDITABLE,
    LOCKED,
    Actual,
    Locked,
    MonevError,
    Status,
)

# The fields a reporter fills in.
REPORTED: Final = ("period", "region", "value", "source", "note")


class WrongStatus(MonevError):
    pass


def submit(request: HttpRequest, actual: Actual) -> Actual:
    """Save a new actual as submitted by the request's user."""
    with transaction.atomic():
        actual.status = Status.SUBMITTED
        actual.submitted_by = request.user
        actual.submitted_at = timezone.now()
        actual.save()
        audit.record(request, "actual_submitted", actual, **_described(actual))
    return actual


def correct(request: HttpRequest, actual: Actual, version: int, changes: dict[str, object]) -> None:
    """Change what was reported; a rejected actual goes back to submitted."""
    fields = {name: changes[name] for name in REPORTED if name in changes}
    stamps = {
        "status": Status.SUBMITTED,
        "review_note": "",
        "submitted_by": request.user,
        "submitted_at": timezone.now(),
    }
    with transaction.atomic():
        _update(actual, version, EDITABLE, {**fields, **stamps})
        audit.record(request, "actual_changed", actual, fields=sorted(fields))


def verify(request: HttpRequest, actual: Actual, version: int) -> None:
    _not_the_maker(request, actual)
    with transaction.atomic():
        changes = {
            "status": Status.VERIFIED,
            "verified_by": request.user,
            "verified_at": timezone.now(),
        }
        _update(actual, version, (Status.SUBMITTED,), changes)
        audit.record(request, "actual_verified", actual, **_described(actual))


def approve(request: HttpRequest, actual: Actual, version: int) -> None:
    _not_the_maker(request, actual)
    with transaction.atomic():
        changes = {
            "status": Status.APPROVED,
            "approved_by": request.user,
            "approved_at": timezone.now(),
        }
        _update(actual, version, (Status.VERIFIED,), changes)
        audit.record(request, "actual_approved", actual, **_described(actual))


def reject(request: HttpRequest, actual: Actual, version: int, reason: str) -> None:
    _not_the_maker(request, actual)
    with transaction.atomic():
        changes = {"status": Status.REJECTED, "review_note": reason}
        _update(actual, version, (Status.SUBMITTED, Status.VERIFIED), changes)
        audit.record(request, "actual_rejected", actual, reason=reason, **_described(actual))


def _not_the_maker(request: HttpRequest, actual: Actual) -> None:
    if actual.submitted_by_id is not None and actual.submitted_by_id == request.user.pk:
        raise PermissionDenied(_("Someone other than the person who submitted it must review it."))


def _update(
    actual: Actual, version: int, allowed: Iterable[str], changes: dict[str, object]
) -> None:
    """Write ``changes`` if the actual is still at ``version`` and in an ``allowed`` status;
    raise otherwise, writing nothing."""
    saved = Actual.objects.filter(pk=actual.pk, version=version, status__in=list(allowed)).update(
        version=F("version") + 1, **changes
    )
    if saved:
        for name, value in changes.items():
            setattr(actual, name, value)
        actual.version = version + 1
        return
    current = Actual.objects.get(pk=actual.pk)
    if current.status == Status.APPROVED:
        raise Locked(LOCKED)
    if current.version != version:
        raise StaleVersion(current)
    raise WrongStatus(
        _("This step is not possible while the actual is %(status)s.")
        % {"status": current.get_status_display().lower()}
    )


def _described(actual: Actual) -> dict[str, object]:
    return {
        "indicator": actual.indicator.code,
        "period": actual.period,
        "region": actual.region_id or "",
        "value": str(Decimal(actual.value)),
        "status": actual.status,
    }
