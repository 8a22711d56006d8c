"""``sejahtera manage register_dataset PATH [--name NAME] [--description TEXT] [--default]``:
a ``sejahtera/v1`` folder (from ``sejahtera synth`` or ``sejahtera data import``) becomes a
version of a dataset in the workbench.

The folder is checked against its checksums and copied under the datasets root, so later
changes to PATH do not change the version. Registering the same data again does nothing (the
checksum is already known), so ``make run`` can call it on every start; it also removes what
stopped work left under the datasets root (``services.sweep``). Audited.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sejahtera.errors import SejahteraError
from sejahtera.workbench.core import audit
from sejahtera.workbench.datasets import services


class Command(BaseCommand):
    help = "Register a sejahtera/v1 dataset folder as a version (idempotent by checksum)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--name", default=None, help="the dataset (default: its manifest's)")
        parser.add_argument("--description", default="", help="for a new dataset")
        parser.add_argument(
            "--default", action="store_true", help="make it the dataset the office works on"
        )

    def handle(self, *args: object, **options: Any) -> None:
        folder = str(options["path"])
        try:
            registered = services.register(
                options["path"],
                name=options["name"],
                description=options["description"],
                default=options["default"],
                audited=lambda made: audit.record(None, "dataset_registered", made, folder=folder),
            )
        except SejahteraError as exc:
            raise CommandError(str(exc)) from None
        version = registered.version
        swept = services.sweep()
        if swept:
            self.stdout.write(f"{swept} folder(s) left by stopped work removed")
        if registered.created:
            said = "terdaftar / registered"
        else:
            said = "sudah terdaftar / already registered"
        self.stdout.write(
            f"{version.dataset.name} v{version.number} ({version.households} households, "
            f"sha256 {version.checksum[:12]}…): {said}"
        )
