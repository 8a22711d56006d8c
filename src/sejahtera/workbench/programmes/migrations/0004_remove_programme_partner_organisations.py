"""Drops the names once 0003_partners has linked them: a migration of its own, so that
on PostgreSQL the column goes after the links are committed."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("programmes", "0003_partners")]

    operations = [
        migrations.RemoveField(model_name="programme", name="partner_organisations"),
    ]
