"""A payment batch records how many households it reached (physical realisation)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("programmes", "0004_remove_programme_partner_organisations")]

    operations = [
        migrations.AddField(
            model_name="payment",
            name="households",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="How many households of the list this batch reached.",
                null=True,
                verbose_name="households paid",
            ),
        ),
    ]
