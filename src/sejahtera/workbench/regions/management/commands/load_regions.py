"""``sejahtera manage load_regions [CODE]``: the region hierarchy from the shipped registry."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from sejahtera.workbench.regions.models import load_registry


class Command(BaseCommand):
    help = "Load Kemendagri regions (all, or those inside CODE) from the shipped registry."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", nargs="?", default="")

    def handle(self, *args: object, **options: object) -> None:
        count = load_registry(str(options["code"]))
        self.stdout.write(f"{count} wilayah / regions")
