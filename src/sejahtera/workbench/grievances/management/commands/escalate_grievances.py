"""``sejahtera manage escalate_grievances``: escalate every open grievance past its due date.

Meant for cron, for instance every hour, with the workbench's environment (``SEJAHTERA_ENV``,
``DATABASE_URL``, ``SEJAHTERA_SECRET_KEY``)::

    0 * * * *  cd /srv/sejahtera && .venv/bin/sejahtera manage escalate_grievances

Each escalation is one status change (history, audit log, notification); running it again
escalates nothing twice. ``--dry-run`` lists what would be escalated.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from sejahtera.workbench.grievances.workflow import due_for_escalation, escalate_overdue


class Command(BaseCommand):
    help = "Escalate open grievances past their due date (run it from cron, e.g. hourly)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="List the grievances, change nothing."
        )

    def handle(self, *args: object, **options: object) -> None:
        if options["dry_run"]:
            overdue = due_for_escalation()
            for grievance in overdue.order_by("due_at"):
                due = timezone.localtime(grievance.due_at)
                self.stdout.write(f"{grievance.tracking_code} due {due:%Y-%m-%d %H:%M}")
            self.stdout.write(f"{overdue.count()} grievance(s) would be escalated")
            return
        escalated = escalate_overdue()
        for grievance in escalated:
            self.stdout.write(f"{grievance.tracking_code} escalated")
        self.stdout.write(f"{len(escalated)} grievance(s) escalated")
