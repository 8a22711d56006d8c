"""``sejahtera manage worker``: run the workbench's background jobs (``core/jobs.py``) as they
are queued, until stopped. Ctrl-C or SIGTERM lets the job in hand finish first (a second Ctrl-C
stops it at once). On starting, it ends the jobs that a worker of this machine left running when
it was killed (``core.jobs.recover``): failed, or cancelled if someone asked, with nothing
written. Then the apps may prepare what their jobs read (``core.jobs.worker_starting``).

With ``SEJAHTERA_TASKS=database`` (the default) this is the database backend's worker
(django-tasks-db) on the workbench's own database, SQLite or PostgreSQL: run as many as the
machine allows, each takes one job at a time. With ``immediate`` jobs run inside the request that
starts them and the command has nothing to do.
"""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django_tasks import task_backends
from django_tasks_db import DatabaseBackend

from sejahtera.workbench.core.jobs import recover, worker_starting


class Command(BaseCommand):
    help = "Run the background jobs as they are queued, until Ctrl-C."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch", action="store_true", help="Run the jobs waiting now, then stop."
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="Seconds between looks at an empty queue (default 1).",
        )

    def handle(self, *, batch: bool, interval: float, verbosity: int, **options: Any) -> None:
        if not isinstance(task_backends["default"], DatabaseBackend):
            self.stdout.write("SEJAHTERA_TASKS=immediate: jobs run in the request, no worker.")
            return
        if ended := recover():
            self.stdout.write(f"{ended} job(s) left running by a stopped worker were ended.")
        worker_starting.send(sender=self.__class__)
        call_command(
            "db_worker",
            batch=batch,
            interval=interval,
            startup_delay=False,
            reload=False,
            verbosity=verbosity,
            stdout=self.stdout,
            stderr=self.stderr,
        )
