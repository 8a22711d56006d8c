"""A partner account's organisation becomes a link to an organisation (it was a name): each name
is matched to an organisation, or one is made; what was matched is printed and audited."""

import django.db.models.deletion
from django.db import migrations, models

from sejahtera.workbench.stakeholders.linking import Linker


def link_organisations(apps, schema_editor):
    linker = Linker(apps.get_model("stakeholders", "Organisation"))
    for profile in apps.get_model("core", "Profile").objects.select_related("user"):
        if profile.organisation_name.strip():
            profile.organisation = linker.organisation(
                profile.organisation_name, f"account {profile.user.username}"
            )
            profile.save(update_fields=["organisation"])
    linker.record(apps.get_model("audit", "AuditEvent"), "account_organisations_linked")


def organisation_names(apps, schema_editor):
    for profile in apps.get_model("core", "Profile").objects.select_related("organisation"):
        profile.organisation_name = profile.organisation.name if profile.organisation else ""
        profile.save(update_fields=["organisation_name"])


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("core", "0003_delete_auditevent"),
        ("stakeholders", "0001_initial"),
    ]

    operations = [
        migrations.RenameField(
            model_name="profile", old_name="organisation", new_name="organisation_name"
        ),
        migrations.AddField(
            model_name="profile",
            name="organisation",
            field=models.ForeignKey(
                blank=True,
                help_text="For partner organisations.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="profiles",
                to="stakeholders.organisation",
                verbose_name="organisation",
            ),
        ),
        migrations.RunPython(link_organisations, organisation_names),
    ]
