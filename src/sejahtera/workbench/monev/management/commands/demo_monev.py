"""``sejahtera manage demo_monev``: the results frameworks, indicators, targets and actuals of
the DI Yogyakarta demo."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from sejahtera.workbench.monev import demo


class Command(BaseCommand):
    help = "Add the demo results frameworks, indicators, targets and actuals (safe to rerun)."

    def handle(self, *args: object, **options: object) -> None:
        loaded = demo.load()
        self.stdout.write(
            f"Monev demo: {loaded.results} results, {loaded.indicators} indicators, "
            f"{loaded.targets} targets, {loaded.actuals} actuals"
        )
