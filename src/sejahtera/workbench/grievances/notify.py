"""Telling people about grievances: the complainant (their tracking code, a new status) and the
office (a new grievance).

Notification comes after the grievance is saved and committed, and can never undo or delay it:
the commit queues one background task (Django's Tasks framework, the worker of
``sejahtera manage worker``) and the complainant has the tracking code at once, however slow or
broken a gateway is. The task hands the notification to each notifier in turn; one that fails is
logged with its traceback and the next one still runs. A failed notifier is tried again by a
later task, :data:`RETRY_MINUTES` apart, then given up (an error in the log); every notification
sent is logged too, and the queue's table records each task's outcome. The queue holds only ids:
the task reads the grievance from the database.

The shipped :class:`LogNotifier` only writes to the log; an SMS, e-mail or WhatsApp gateway is
another :class:`Notifier`, added with :func:`register` (from the ``ready()`` of the app that
provides it, so the worker has it too), the same way as the shipped one.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol

from django.db import transaction
from django.utils import timezone
from django_tasks import task

if TYPE_CHECKING:
    from sejahtera.workbench.grievances.models import Grievance, GrievanceEvent

log = logging.getLogger(__name__)

# Minutes before each further try of a failed notifier: three more tries within the hour.
RETRY_MINUTES = (1, 5, 30)


class Notifier(Protocol):
    def received(self, grievance: Grievance) -> None:
        """A grievance was saved (any channel)."""

    def status_changed(self, grievance: Grievance, event: GrievanceEvent) -> None:
        """A grievance's status changed; ``event`` holds the public message."""


class LogNotifier:
    """Writes one line per notification, with the code and category only: no personal data."""

    def received(self, grievance: Grievance) -> None:
        log.info(
            "grievance %s received (%s, %s)",
            grievance.code,
            grievance.category,
            grievance.channel,
        )

    def status_changed(self, grievance: Grievance, event: GrievanceEvent) -> None:
        log.info("grievance %s is now %s", grievance.code, event.status)


# Each notifier by name (its class's path; #2, #3… for a second one of the same class), the
# same in every process when registered in ``ready()``: a queued task names the notifiers it is
# for, so a retry goes only to those that failed.
_notifiers: dict[str, Notifier] = {}


def register(notifier: Notifier) -> str:
    """Send every later notification to ``notifier`` too; its name in queued tasks."""
    base = f"{type(notifier).__module__}.{type(notifier).__qualname__}"
    name, number = base, 1
    while name in _notifiers:
        number += 1
        name = f"{base}#{number}"
    _notifiers[name] = notifier
    return name


def unregister(notifier: Notifier) -> None:
    for name, registered in list(_notifiers.items()):
        if registered is notifier:
            del _notifiers[name]


register(LogNotifier())


def after_commit_received(grievance: Grievance) -> None:
    """Queue the notification once the current transaction has committed (at once outside
    one)."""
    pk = grievance.pk
    transaction.on_commit(lambda: _queue("received", pk, None, list(_notifiers), 1))


def after_commit_status_changed(grievance: Grievance, event: GrievanceEvent) -> None:
    pk, event_pk = grievance.pk, event.pk
    transaction.on_commit(lambda: _queue("status_changed", pk, event_pk, list(_notifiers), 1))


def _queue(
    call: str, grievance_id: int, event_id: int | None, names: list[str], attempt: int
) -> None:
    """Queue :func:`deliver`; a queue that cannot take it is logged, never the request's
    failure (the grievance is saved already)."""
    try:
        delivery = deliver
        if attempt > 1:
            if not deliver.get_backend().supports_defer:  # the immediate backend: no waiting
                _give_up(call, grievance_id, names, attempt - 1)
                return
            wait = timedelta(minutes=RETRY_MINUTES[attempt - 2])
            delivery = deliver.using(run_after=timezone.now() + wait)
        delivery.enqueue(call, grievance_id, event_id, names, attempt)
    except Exception:  # a notification must never lose or block a grievance
        log.exception("the notification %s of grievance %s could not be queued", call, grievance_id)


def _give_up(call: str, grievance_id: int, names: list[str], attempts: int) -> None:
    log.error(
        "notification %s of grievance %s given up after %d attempt(s): %s",
        call,
        grievance_id,
        attempts,
        ", ".join(names),
    )


@task()
def deliver(
    call: str, grievance_id: int, event_id: int | None, names: list[str], attempt: int
) -> dict[str, Any]:
    """The worker's side: hand the notification ``call`` to each notifier of ``names``; queue a
    later try for those that failed. What was sent and what failed, for the queue's record."""
    from sejahtera.workbench.grievances.models import Grievance, GrievanceEvent

    grievance = Grievance.objects.filter(pk=grievance_id).first()
    event = GrievanceEvent.objects.filter(pk=event_id).first() if event_id else None
    if grievance is None or (event_id and event is None):
        log.warning("notification %s of grievance %s: it no longer exists", call, grievance_id)
        return {"sent": [], "failed": []}
    arguments = (grievance,) if event is None else (grievance, event)
    sent, failed = [], []
    for name in names:
        notifier = _notifiers.get(name)
        if notifier is None:
            log.warning(
                "notification %s of grievance %s: no notifier %s", call, grievance.code, name
            )
            continue
        try:
            getattr(notifier, call)(*arguments)
        except Exception:  # a notifier must never stop the next one
            failed.append(name)
            log.exception(
                "notifier %s failed (%s) for grievance %s, attempt %d",
                type(notifier).__name__,
                call,
                grievance.code,
                attempt,
            )
        else:
            sent.append(name)
            log.info("notification %s of grievance %s sent by %s", call, grievance.code, name)
    if failed and attempt <= len(RETRY_MINUTES):
        _queue(call, grievance_id, event_id, failed, attempt + 1)
    elif failed:
        _give_up(call, grievance_id, failed, attempt)
    return {"sent": sent, "failed": failed}
