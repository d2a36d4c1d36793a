import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from koperasi.errors import DomainError
from koperasi.models import Cooperative
from koperasi.money import format_rupiah
from services.savings.month_end import month_end_run


class Command(BaseCommand):
    help = "Month end for one cooperative: bill simpanan wajib, post sukarela interest. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--cooperative", metavar="SLUG", required=True)
        parser.add_argument("--month", metavar="YYYY-MM", required=True)

    def handle(self, *args, cooperative, month, **options):
        coop = Cooperative.objects.filter(slug=cooperative).first()
        if coop is None:
            raise CommandError(f"No cooperative with slug {cooperative!r}.")
        try:
            year, number = (int(part) for part in month.split("-"))
            first = dt.date(year, number, 1)
        except ValueError as error:
            raise CommandError("--month takes YYYY-MM, for example 2026-10.") from error
        try:
            result = month_end_run(cooperative=coop, month=first)
        except DomainError as error:
            raise CommandError(error.message) from error
        run = result.run
        if not result.created:
            self.stdout.write(
                f"{month} was already closed on {run.created_at:%Y-%m-%d}; nothing posted."
            )
            return
        self.stdout.write(
            f"{month}: {run.bills_created} wajib bills, "
            f"interest {format_rupiah(run.interest_total)} "
            f"to {run.interest_members} members."
        )
