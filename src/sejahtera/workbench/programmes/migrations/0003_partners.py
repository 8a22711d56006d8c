"""A programme's partners become links to organisations (they were names in a JSON list): each
name is matched to an organisation, or one is made; what was matched is printed and audited."""

from django.db import migrations, models

from sejahtera.workbench.stakeholders.linking import Linker


def link_partners(apps, schema_editor):
    linker = Linker(apps.get_model("stakeholders", "Organisation"))
    for programme in apps.get_model("programmes", "Programme").objects.order_by("code"):
        names = programme.partner_organisations
        if isinstance(names, list):
            programme.partners.set(
                linker.organisation(name, f"programme {programme.code}")
                for name in names
                if isinstance(name, str) and name.strip()
            )
    linker.record(apps.get_model("audit", "AuditEvent"), "programme_partners_linked")


def partner_names(apps, schema_editor):
    for programme in apps.get_model("programmes", "Programme").objects.all():
        programme.partner_organisations = sorted(o.name for o in programme.partners.all())
        programme.save(update_fields=["partner_organisations"])


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("programmes", "0002_cycles"),
        ("stakeholders", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="programme",
            name="partners",
            field=models.ManyToManyField(
                blank=True,
                help_text="Their accounts see this programme.",
                related_name="partner_programmes",
                to="stakeholders.organisation",
                verbose_name="partner organisations",
            ),
        ),
        migrations.RunPython(link_partners, partner_names),
    ]
