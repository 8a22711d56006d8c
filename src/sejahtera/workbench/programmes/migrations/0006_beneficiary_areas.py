"""A beneficiary's kecamatan and desa, so that a list can be searched and filtered by them (a
list generated before stays without them until it is generated again)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("programmes", "0005_payment_households")]

    operations = [
        migrations.AddField(
            model_name="beneficiary",
            name="district_code",
            field=models.CharField(blank=True, max_length=16, verbose_name="kecamatan"),
        ),
        migrations.AddField(
            model_name="beneficiary",
            name="village_code",
            field=models.CharField(blank=True, max_length=16, verbose_name="desa/kelurahan"),
        ),
        migrations.AddIndex(
            model_name="beneficiary",
            index=models.Index(fields=["cycle", "district_code"], name="beneficiary_by_kecamatan"),
        ),
        migrations.AddIndex(
            model_name="beneficiary",
            index=models.Index(fields=["cycle", "village_code"], name="beneficiary_by_desa"),
        ),
    ]
