"""Cycle requests (maker-checker for generating, freezing and paying), and a programme's
ruleset named only by an installed ruleset: a value that is not one (a server path typed in
the old form) is blanked, so that the programme runs the default ruleset, and the migration
says which programme it blanked and what the value was."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def installed_rulesets_only(apps, schema_editor):
    from sejahtera.rules.ruleset import shipped_rulesets

    installed = set(shipped_rulesets())
    programmes = apps.get_model("programmes", "Programme")
    for programme in programmes.objects.exclude(ruleset="").exclude(ruleset__in=installed):
        print(
            f"\n  programme {programme.code}: ruleset {programme.ruleset!r} is not an installed "
            f"ruleset ({', '.join(sorted(installed))}); blanked, so it runs the default ruleset"
        )
        programmes.objects.filter(pk=programme.pk).update(ruleset="")


class Migration(migrations.Migration):
    dependencies = [
        ("programmes", "0007_sipd_codes_and_status"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CycleRequest",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("generate", "Generate the list"),
                            ("freeze", "Freeze the list"),
                            ("payment", "Record a payment"),
                        ],
                        max_length=8,
                        verbose_name="kind",
                    ),
                ),
                ("detail", models.JSONField(blank=True, default=dict)),
                ("cycle_version", models.PositiveIntegerField()),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Pending"),
                            ("approved", "Approved"),
                            ("rejected", "Rejected"),
                        ],
                        default="pending",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="made at")),
                (
                    "decided_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="decided at"),
                ),
                ("version", models.PositiveIntegerField(default=1)),
                (
                    "checker",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "cycle",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="requests",
                        to="programmes.cycle",
                    ),
                ),
                (
                    "maker",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ("-created_at", "-pk"),
            },
        ),
        migrations.RunPython(installed_rulesets_only, migrations.RunPython.noop),
    ]
