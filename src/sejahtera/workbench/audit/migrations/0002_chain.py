"""The audit log becomes a hash chain: two columns, and the events already there sealed in the
order they were written (by id), in this migration's one transaction."""

from django.db import migrations, models

from sejahtera.workbench.audit import chain

BATCH = 1000


def seal_existing(apps, schema_editor) -> None:
    events = apps.get_model("audit", "AuditEvent")._default_manager.using(
        schema_editor.connection.alias
    )
    chain.lock(schema_editor.connection.alias)
    previous, after = chain.GENESIS, 0
    while True:
        rows = list(events.filter(id__gt=after).order_by("id").values(*chain.FIELDS)[:BATCH])
        if not rows:
            return
        sealed = []
        for row in rows:
            digest = chain.digest_of(row, previous)
            sealed.append(events.model(id=row["id"], previous_digest=previous, digest=digest))
            previous = digest
        events.bulk_update(sealed, ["previous_digest", "digest"])
        after = rows[-1]["id"]


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="previous_digest",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="digest",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.RunPython(seal_existing, migrations.RunPython.noop),
    ]
