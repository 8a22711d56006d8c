"""API tokens expire (core/tokens.py): a token made before gets the default period from the day
it was made, so one older than that stops working."""

from datetime import timedelta

from django.db import migrations, models

DAYS = 90  # tokens.DAYS when this migration was written


def expire_existing(apps, schema_editor) -> None:
    tokens = apps.get_model("core", "ApiToken")._default_manager.using(
        schema_editor.connection.alias
    )
    for token in tokens.filter(expires__isnull=True):
        token.expires = token.created + timedelta(days=DAYS)
        token.save(update_fields=["expires"])


class Migration(migrations.Migration):
    dependencies = [("core", "0008_job_worker")]

    operations = [
        migrations.AddField(
            model_name="apitoken", name="expires", field=models.DateTimeField(null=True)
        ),
        migrations.RunPython(expire_existing, migrations.RunPython.noop),
        migrations.AlterField(model_name="apitoken", name="expires", field=models.DateTimeField()),
    ]
