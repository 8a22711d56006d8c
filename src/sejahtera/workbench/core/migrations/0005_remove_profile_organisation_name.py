"""Drops the names once 0004_profile_organisation has linked them: a migration of its own, so that
on PostgreSQL the column goes after the links are committed."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("core", "0004_profile_organisation")]

    operations = [
        migrations.RemoveField(model_name="profile", name="organisation_name"),
    ]
