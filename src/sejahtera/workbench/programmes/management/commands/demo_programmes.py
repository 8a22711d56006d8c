"""``sejahtera manage demo_programmes``: the programmes of the DI Yogyakarta demo."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from sejahtera.workbench.programmes import demo


class Command(BaseCommand):
    help = "Add the demo programmes, budgets, a frozen cycle and payments (safe to rerun)."

    def handle(self, *args: object, **options: object) -> None:
        loaded = demo.load()
        self.stdout.write(
            f"Program demo / demo programmes: {loaded.programmes} programmes, "
            f"{loaded.budgets} budgets"
        )
        if loaded.beneficiaries is None:
            self.stdout.write(
                "Tidak ada dataset (SEJAHTERA_DATASET): siklus tidak dibuat / "
                "no dataset configured: no cycle generated"
            )
        else:
            self.stdout.write(
                f"Siklus / cycle: {loaded.beneficiaries} beneficiaries, {loaded.payments} payments"
            )
