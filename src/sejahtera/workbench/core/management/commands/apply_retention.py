"""``sejahtera manage apply_retention``: blank the personal data of records past their retention
period (``core/retention.py``; the periods are ``SEJAHTERA_RETENTION_*_YEARS``).

Meant for cron, for instance every night, with the workbench's environment::

    30 1 * * *  cd /srv/sejahtera && .venv/bin/sejahtera manage apply_retention

One audit event ``retention_applied`` holds the counts; running it again blanks nothing twice.
``--dry-run`` lists what it would blank and changes nothing.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from sejahtera.workbench.core import retention


class Command(BaseCommand):
    help = "Blank the personal data of records past their retention period (run it from cron)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be blanked, change nothing."
        )

    def handle(self, *args: object, **options: object) -> None:
        dry_run = bool(options["dry_run"])
        found = retention.apply(dry_run=dry_run)
        for kind, date in found.cutoffs.items():
            self.stdout.write(f"{kind}: records from before {date} are past their period")
        for code in found.grievances:
            self.stdout.write(f"grievance {code}")
        for pk in found.participants:
            self.stdout.write(f"participant {pk}")
        counts = found.counts()
        verb = "would be blanked" if dry_run else "blanked"
        self.stdout.write(
            f"{counts['grievance']} grievance(s) and {counts['participant']} participant(s) {verb}"
        )
