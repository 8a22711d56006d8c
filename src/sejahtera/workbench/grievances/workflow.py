"""Every change to a grievance: intake, assignment, status changes, appeal and escalation.

Each change is one transaction that writes the grievance, a :class:`GrievanceEvent` and an audit
event together, then notifies after commit. A change names the version it started from: when the
grievance has moved on since (someone else saved first), nothing is written and
:class:`~sejahtera.workbench.core.locking.StaleVersion` is raised with the grievance as it now is.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext

from sejahtera.workbench.core import audit
from sejahtera.workbench.core.locking import StaleVersion
from sejahtera.workbench.grievances import notify
from sejahtera.workbench.grievances.models import (
    BECOMES_ASSIGNED,
    OPEN,
    Grievance,
    GrievanceEvent,
    Status,
    due_date,
)


def _actor(request: HttpRequest | None) -> AbstractBaseUser | None:
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def submit(request: HttpRequest | None, grievance: Grievance) -> Grievance:
    """Save a new grievance (public form or officer entry), then notify: a failing notifier
    cannot lose it, the grievance is committed first."""
    with transaction.atomic():
        grievance.entered_by = _actor(request)
        grievance.save()
        GrievanceEvent.objects.create(
            grievance=grievance,
            at=grievance.received_at,
            status=Status.RECEIVED,
            by=_actor(request),
        )
        audit.record(
            request,
            "grievance_created",
            grievance,
            code=grievance.code,
            channel=grievance.channel,
            category=grievance.category,
            sensitive=grievance.sensitive,
        )
        notify.after_commit_received(grievance)
    return grievance


def _change(
    request: HttpRequest | None,
    grievance: Grievance,
    version: int,
    changes: dict[str, object],
    *,
    action: str,
    note: str = "",
    public_message: str = "",
    **detail: object,
) -> Grievance:
    before = grievance.status
    with transaction.atomic():
        updated = Grievance.objects.filter(pk=grievance.pk, version=version).update(
            **changes, version=F("version") + 1, updated_at=timezone.now()
        )
        if not updated:
            raise StaleVersion(Grievance.objects.get(pk=grievance.pk))
        grievance.refresh_from_db()
        event = GrievanceEvent.objects.create(
            grievance=grievance,
            status=grievance.status,
            note=note,
            public_message=public_message,
            by=_actor(request),
        )
        audit.record(
            request,
            action,
            grievance,
            code=grievance.code,
            status_before=before,
            status=grievance.status,
            version=grievance.version,
            **detail,
        )
        if grievance.status != before or public_message:
            notify.after_commit_status_changed(grievance, event)
    return grievance


def assign(
    request: HttpRequest | None,
    grievance: Grievance,
    version: int,
    to: AbstractBaseUser,
    note: str = "",
) -> Grievance:
    changes: dict[str, object] = {"assigned_to": to}
    if grievance.status in BECOMES_ASSIGNED:
        changes["status"] = Status.ASSIGNED
    return _change(
        request,
        grievance,
        version,
        changes,
        action="grievance_assigned",
        note=note,
        assigned_to=to.get_username(),
    )


def change_status(
    request: HttpRequest | None,
    grievance: Grievance,
    version: int,
    status: Status,
    note: str,
    public_message: str = "",
) -> Grievance:
    """Move to ``status``, which the caller has checked is in ``grievance.next_statuses()``."""
    changes: dict[str, object] = {"status": status}
    if status == Status.RESOLVED:
        changes["resolved_at"] = timezone.now()
    elif status == Status.ESCALATED:
        changes["escalated_at"] = timezone.now()
    return _change(
        request,
        grievance,
        version,
        changes,
        action="grievance_status_changed",
        note=note,
        public_message=public_message,
    )


def appeal(request: HttpRequest | None, grievance: Grievance, version: int, note: str) -> Grievance:
    """The person does not accept the resolution: the grievance opens again, with a new due
    date from today."""
    now = timezone.now()
    return _change(
        request,
        grievance,
        version,
        {
            "status": Status.APPEALED,
            "due_at": due_date(grievance.category, now),
            "escalated_at": None,
        },
        action="grievance_appealed",
        note=note,
    )


def due_for_escalation(now: datetime | None = None) -> QuerySet[Grievance]:
    """Open grievances past their due date, not escalated since they were received or appealed."""
    return Grievance.objects.filter(
        status__in=OPEN, due_at__lt=now or timezone.now(), escalated_at__isnull=True
    ).order_by("due_at")


def escalate_overdue(now: datetime | None = None) -> list[Grievance]:
    """Escalate every grievance :func:`due_for_escalation`; one being edited at that moment
    waits for the next run."""
    now = now or timezone.now()
    escalated = []
    for grievance in due_for_escalation(now):
        try:
            _change(
                None,
                grievance,
                grievance.version,
                {"status": Status.ESCALATED, "escalated_at": now},
                action="grievance_escalated",
                note=gettext("The due date passed (service level: %(days)s days).")
                % {"days": grievance.sla_days},
                by="escalate_grievances",
                due_at=grievance.due_at.isoformat(),
            )
        except StaleVersion:
            continue
        escalated.append(grievance)
    return escalated
