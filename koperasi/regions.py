"""Indonesia's 38 provinces and 514 regencies and cities (Kepmendagri 300.2.2-2138/2025).

The data ships with the code in koperasi/data/regions.csv (MIT, from cahyadsn/wilayah).
"""

from __future__ import annotations

import csv
from pathlib import Path

REGIONS_CSV = Path(__file__).resolve().parent / "data" / "regions.csv"


def regions_load(province_model, regency_model) -> None:
    """Insert every province and regency; rows already there are left alone."""
    with REGIONS_CSV.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    province_model.objects.bulk_create(
        [province_model(code=r["code"], name=r["name"]) for r in rows if len(r["code"]) == 2],
        ignore_conflicts=True,
    )
    regency_model.objects.bulk_create(
        [
            regency_model(code=r["code"], province_id=r["code"][:2], name=r["name"])
            for r in rows
            if len(r["code"]) == 5
        ],
        ignore_conflicts=True,
    )
