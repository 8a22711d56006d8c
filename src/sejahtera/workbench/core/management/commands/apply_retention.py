"""``sejahtera manage apply_retention``: blank the personal data of records past their retention
period (``core/retention.py``; the periods are ``SEJAHTERA_RETENTION_*_YEARS``).

Meant for cron, for instance every night, with the workbench's environment::

    30 1 * * *  cd /srv/sejahtera && .venv/bin/sejahtera manage apply_retention

One audit event ``retention_applied`` holds the counts; running it again blanks nothing twice.
``--dry-run`` lists what it would blank and changes nothing. Messages in the command's language
(``sejahtera --lang en manage …``, or ``SEJAHTERA_LANG``; Indonesian by default).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from sejahtera.i18n import text
from sejahtera.workbench.consultations.models import Participant
from sejahtera.workbench.core import retention
from sejahtera.workbench.grievances.models import format_code


class Command(BaseCommand):
    help = "Blank the personal data of records past their retention period (run it from cron)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be blanked, change nothing."
        )

    def handle(self, *args: object, **options: object) -> None:
        dry_run = bool(options["dry_run"])
        found = retention.apply(dry_run=dry_run)
        self.stdout.write(text("retention.cutoffs", **found.cutoffs))
        for code in found.grievances:
            self.stdout.write(text("retention.grievance", code=format_code(code)))
        titles = dict(
            Participant.objects.filter(pk__in=found.participants).values_list(
                "pk", "consultation__title"
            )
        )
        for pk in found.participants:
            self.stdout.write(text("retention.participant", pk=pk, consultation=titles[pk]))
        counts = found.counts()
        done = "retention.would_blank" if dry_run else "retention.blanked"
        self.stdout.write(
            text(done, grievances=counts["grievance"], participants=counts["participant"])
        )
