"""`manage.py compute_shu --cooperative SLUG --year YYYY [--csv PATH] [--surplus N]`

Prints the year's pools and totals and, with --csv, writes each member's row. Reads the year's
ShuYear (draft: computed from the books; published: as written); with no ShuYear for the year,
--surplus computes an unsaved draft with the default percentages. Writes nothing to the
database."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from koperasi.models import Cooperative
from services.participation.models import ShuYear
from services.participation.shu import shu_preview
from services.participation.shu_views import write_csv


class Command(BaseCommand):
    help = "Compute a year's SHU split per member; print the pools and totals, write a CSV."

    def add_arguments(self, parser):
        parser.add_argument("--cooperative", metavar="SLUG", required=True)
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--csv", metavar="PATH", help="write each member's row here")
        parser.add_argument(
            "--surplus", type=int, help="when the year has no SHU yet: its surplus in Rupiah"
        )

    def handle(self, *args, cooperative: str, year: int, csv=None, surplus=None, **options):
        coop = Cooperative.objects.filter(slug=cooperative).first()
        if coop is None:
            raise CommandError(f"No cooperative with slug {cooperative!r}.")
        shu_year = ShuYear.objects.filter(cooperative=coop, year=year).first()
        if shu_year is None:
            if surplus is None or surplus < 0:
                raise CommandError(f"No SHU for {year}: create one, or give --surplus.")
            shu_year = ShuYear(cooperative=coop, year=year, surplus=surplus)
        shu_year.cooperative = coop
        preview = shu_preview(shu_year=shu_year)
        out = self.stdout.write
        out(f"SHU {year} {coop.slug} ({shu_year.status}): surplus {shu_year.surplus}")
        for name, amount in preview.pools.items():
            out(f"pool {name}: {amount}")
        out(f"members: {len(preview.rows)}")
        out(f"savings total: {preview.savings_total}")
        out(f"transactions total: {preview.transactions_total}")
        out(f"jasa modal paid: {preview.jasa_modal_paid}")
        out(f"jasa usaha paid: {preview.jasa_usaha_paid}")
        out(f"paid to members: {preview.members_total}")
        out(f"remainder to reserve: {preview.remainder_to_reserve}")
        if csv:
            with open(csv, "w", newline="", encoding="utf-8") as stream:
                write_csv(stream, preview.rows)
            out(f"wrote {len(preview.rows)} rows to {csv}")
