"""An indicator may be linked to a programme's budget, to be shown beside its realisation by
quarter."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("monev", "0001_initial"),
        ("programmes", "0006_beneficiary_areas"),
    ]

    operations = [
        migrations.AddField(
            model_name="indicator",
            name="budget_programme",
            field=models.ForeignKey(
                blank=True,
                help_text="Shows this indicator beside that programme's budget realisation.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="linked_indicators",
                to="programmes.programme",
                verbose_name="budget of the programme",
            ),
        ),
    ]
