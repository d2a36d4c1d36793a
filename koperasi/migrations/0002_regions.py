"""Load the 38 provinces and 514 regencies and cities (Kepmendagri 300.2.2-2138/2025).

The data ships with the code in koperasi/data/regions.csv (MIT, from cahyadsn/wilayah).
"""

import csv
from pathlib import Path

from django.db import migrations

REGIONS_CSV = Path(__file__).resolve().parent.parent / "data" / "regions.csv"


def load_regions(apps, schema_editor):
    Province = apps.get_model("koperasi", "Province")
    Regency = apps.get_model("koperasi", "Regency")
    with REGIONS_CSV.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    Province.objects.bulk_create(
        [Province(code=r["code"], name=r["name"]) for r in rows if len(r["code"]) == 2],
        ignore_conflicts=True,
    )
    Regency.objects.bulk_create(
        [
            Regency(code=r["code"], province_id=r["code"][:2], name=r["name"])
            for r in rows
            if len(r["code"]) == 5
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("koperasi", "0001_initial")]

    operations = [migrations.RunPython(load_regions, migrations.RunPython.noop)]
