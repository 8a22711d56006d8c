"""``sejahtera manage rotate_keys``: every encrypted personal column (``core/crypto.py``)
encrypted again with the newest key of ``SEJAHTERA_FIELD_KEYS``, and every lookup hash made
again with it, in one transaction (a failure changes nothing). Afterwards the older keys may be
removed from ``SEJAHTERA_FIELD_KEYS``. Audited (the counts, never a value)."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from sejahtera.workbench.core import audit
from sejahtera.workbench.core.crypto import configured_keys, encrypt_rows, encrypted_fields


class Command(BaseCommand):
    help = "Encrypt the personal columns again with the newest key of SEJAHTERA_FIELD_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        keys = len(configured_keys())
        rotated: dict[str, int] = {}
        with transaction.atomic():
            for model in apps.get_models():
                fields, hashes = encrypted_fields(model)
                if fields:
                    encrypt_rows(connection, model, fields, hashes, back=False)
                    rotated[model._meta.label] = model._base_manager.count()
            audit.record(None, "field_keys_rotated", keys=keys, rows=rotated)
        for label, count in rotated.items():
            self.stdout.write(f"{label}: {count} row(s) encrypted with the newest key")
        self.stdout.write(f"{keys} key(s) configured; the older ones may now be removed.")
