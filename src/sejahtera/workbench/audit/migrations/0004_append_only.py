"""The audit log becomes append-only in the database: triggers refuse UPDATE and DELETE on its
table but for sealing a new event and unlinking a removed account (audit/guard.py)."""

from django.db import migrations

from sejahtera.workbench.audit import guard


def install(apps, schema_editor) -> None:
    guard.install(schema_editor.connection)


def remove(apps, schema_editor) -> None:
    guard.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_suppressed")]

    operations = [migrations.RunPython(install, remove)]
