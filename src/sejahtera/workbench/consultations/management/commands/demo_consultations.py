"""``sejahtera manage demo_consultations``: the consultations of the DI Yogyakarta demo."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from sejahtera.workbench.consultations import demo


class Command(BaseCommand):
    help = "Add the demo consultations with their inputs and follow-ups (synthetic; safe to rerun)."

    def handle(self, *args: object, **options: object) -> None:
        loaded = demo.load()
        self.stdout.write(
            f"Konsultasi demo / demo consultations: {loaded.consultations} consultations, "
            f"{loaded.follow_ups} follow-up actions"
        )
