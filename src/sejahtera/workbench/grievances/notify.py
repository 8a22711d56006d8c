"""Telling people about grievances: the complainant (their tracking code, a new status) and the
office (a new grievance).

Notification comes after the grievance is saved and committed, and can never undo it: a notifier
that fails is logged and the next one still runs. The shipped :class:`LogNotifier` only writes to
the log; an SMS or e-mail gateway is another :class:`Notifier`, added with :func:`register` (from
the ``ready()`` of the app that provides it), the same way as the shipped one.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

from django.db import transaction

if TYPE_CHECKING:
    from sejahtera.workbench.grievances.models import Grievance, GrievanceEvent

log = logging.getLogger(__name__)


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


_notifiers: list[Notifier] = [LogNotifier()]


def register(notifier: Notifier) -> None:
    _notifiers.append(notifier)


def unregister(notifier: Notifier) -> None:
    _notifiers.remove(notifier)


def _each(call: str, *args: object) -> None:
    for notifier in list(_notifiers):
        try:
            getattr(notifier, call)(*args)
        except Exception:  # a notifier must never lose or block a grievance
            log.exception("notifier %s failed (%s)", type(notifier).__name__, call)


def after_commit_received(grievance: Grievance) -> None:
    """Notify once the current transaction has committed (at once outside one)."""
    transaction.on_commit(lambda: _each("received", grievance))


def after_commit_status_changed(grievance: Grievance, event: GrievanceEvent) -> None:
    transaction.on_commit(lambda: _each("status_changed", grievance, event))
