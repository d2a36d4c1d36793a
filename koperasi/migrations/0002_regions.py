"""Load the 38 provinces and 514 regencies and cities shipped in koperasi/data/regions.csv."""

from django.db import migrations

from koperasi.regions import regions_load


def load_regions(apps, schema_editor):
    regions_load(apps.get_model("koperasi", "Province"), apps.get_model("koperasi", "Regency"))


class Migration(migrations.Migration):
    dependencies = [("koperasi", "0001_initial")]

    operations = [migrations.RunPython(load_regions, migrations.RunPython.noop)]
