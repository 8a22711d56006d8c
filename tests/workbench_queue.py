"""The workbench tests' queue: the database backend (jobs wait in the database until a worker
takes them) and a worker that runs what is waiting, then stops."""

from __future__ import annotations

import signal
from unittest import mock

from django.core.management import call_command

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def work_off() -> None:
    """``sejahtera manage worker --batch``: run every waiting job in this thread, inside the
    test's transaction, then stop. The worker would close a connection it finds inside a
    transaction (as a stale one), and it takes over Ctrl-C: neither is let happen here."""
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    worker = "django_tasks_db.management.commands.db_worker"
    try:
        with mock.patch(f"{worker}.close_old_connections", lambda: None):
            call_command("worker", "--batch", verbosity=0)
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)
