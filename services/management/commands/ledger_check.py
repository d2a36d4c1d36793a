from django.core.management.base import BaseCommand, CommandError

from koperasi.models import Cooperative
from services.ledger.checks import ledger_violations


class Command(BaseCommand):
    help = "Check every ledger invariant; exit non-zero and list each violation."

    def add_arguments(self, parser):
        parser.add_argument("--cooperative", metavar="SLUG", help="only this cooperative")

    def handle(self, *args, cooperative=None, **options):
        coop = None
        if cooperative:
            coop = Cooperative.objects.filter(slug=cooperative).first()
            if coop is None:
                raise CommandError(f"No cooperative with slug {cooperative!r}.")
        violations = ledger_violations(cooperative=coop)
        for line in violations:
            self.stdout.write(line)
        if violations:
            raise CommandError(f"{len(violations)} ledger violation(s).")
        self.stdout.write(self.style.SUCCESS("Ledger OK: every invariant holds."))
