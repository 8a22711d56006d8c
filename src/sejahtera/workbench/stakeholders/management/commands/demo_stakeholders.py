"""``sejahtera manage demo_stakeholders``: the stakeholders of the DI Yogyakarta demo."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from sejahtera.workbench.stakeholders import demo


class Command(BaseCommand):
    help = "Add the demo organisations, contacts and engagements (synthetic; safe to rerun)."

    def handle(self, *args: object, **options: object) -> None:
        loaded = demo.load()
        self.stdout.write(
            f"Pemangku kepentingan demo / demo stakeholders: {loaded.organisations} "
            f"organisations, {loaded.contacts} contacts, {loaded.engagements} engagements "
            f"in {loaded.programmes} programmes"
        )
