"""Import a member list from the command line, with the same checks and writes as the page."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from koperasi.errors import DomainError
from koperasi.models import Cooperative
from members import imports


class Command(BaseCommand):
    help = (
        "Import members with opening balances from a CSV or XLSX file. A file with any "
        "problem is refused whole (each problem is printed, exit status 1)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE", help="the .csv or .xlsx member list")
        parser.add_argument(
            "--cooperative", metavar="SLUG", required=True, help="the cooperative's slug"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check and print the summary; write nothing"
        )

    def handle(self, *args, file: str, cooperative: str, dry_run: bool = False, **options):
        coop = Cooperative.objects.filter(slug=cooperative).first()
        if coop is None:
            raise CommandError(f"No cooperative with slug {cooperative!r}.")
        path = Path(file)
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from error
        if len(content) > imports.MAX_UPLOAD_BYTES:
            raise CommandError("The file is larger than 20 MB. Split it into several files.")
        result = imports.import_check(cooperative=coop, content=content, filename=path.name)
        if not result.ok:
            for problem in result.problems:
                row = "-" if problem.row is None else problem.row
                self.stdout.write(f"row {row}, {problem.column or '-'}: {problem.message}")
            if result.problem_count > len(result.problems):
                self.stdout.write(f"... and {result.problem_count - len(result.problems)} more")
            raise CommandError(f"{result.problem_count} problem(s); nothing was imported.")
        if dry_run:
            self._summary(result.summary)
            self.stdout.write(self.style.SUCCESS("Dry run: the file is clean; nothing written."))
            return
        try:
            summary = imports.members_import(cooperative=coop, rows=result.rows, acting_user=None)
        except DomainError as error:
            raise CommandError(error.message) from error
        self._summary(summary)
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {summary['members']} members, numbers "
                f"{summary['first_number']}-{summary['last_number']}."
            )
        )

    def _summary(self, summary: dict) -> None:
        self.stdout.write(f"members: {summary['members']}")
        for kind, amount in summary["totals"].items():
            self.stdout.write(f"opening {kind}: {amount}")
        self.stdout.write(f"opening total: {summary['total']}")
        self.stdout.write(f"pokok bills for the unpaid rest: {summary['pokok_bills']}")
        if summary.get("entry_id"):
            self.stdout.write(f"journal entry: #{summary['entry_id']}")
