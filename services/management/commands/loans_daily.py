import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from koperasi.errors import DomainError
from koperasi.models import Cooperative
from koperasi.money import format_rupiah
from services.loans.daily import loans_daily_run


class Command(BaseCommand):
    help = (
        "The daily loan job: days past due, grades, late penalties and reminders. "
        "Idempotent per cooperative and date; reminders go out only for today."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--cooperative", metavar="SLUG", help="only this cooperative (default: every verified)"
        )
        parser.add_argument("--date", metavar="YYYY-MM-DD", help="the day to run (default: today)")

    def handle(self, *args, cooperative=None, date=None, **options):
        today = timezone.localdate()
        try:
            day = dt.date.fromisoformat(date) if date else today
        except ValueError as error:
            raise CommandError("--date takes YYYY-MM-DD, for example 2026-10-05.") from error
        if cooperative:
            coops = list(Cooperative.objects.filter(slug=cooperative))
            if not coops:
                raise CommandError(f"No cooperative with slug {cooperative!r}.")
        else:
            coops = list(Cooperative.objects.verified().order_by("slug"))
        failed = 0
        for coop in coops:
            try:
                result = loans_daily_run(cooperative=coop, date=day, remind=day == today)
            except DomainError as error:
                failed += 1
                self.stderr.write(f"{coop.slug} {day}: {error.message}")
                continue
            run = result.run
            if not result.created:
                self.stdout.write(
                    f"{coop.slug} {day}: already ran on {run.created_at:%Y-%m-%d %H:%M}; "
                    "nothing changed."
                )
                continue
            reminders = (
                ", ".join(f"{kind} {count}" for kind, count in result.reminders.items())
                if day == today
                else "none (only today's run sends them)"
            )
            self.stdout.write(
                f"{coop.slug} {day}: {run.loans_late} loans late, "
                f"penalties {format_rupiah(run.penalties)}; reminders: {reminders}."
            )
        if failed:
            raise CommandError(f"{failed} cooperative(s) not run.")
