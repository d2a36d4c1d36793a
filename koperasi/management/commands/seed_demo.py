"""Load a verified demo cooperative with one person in every role and months of member
history (savings, bills, ledger postings); safe to run again.

`manage.py seed_demo --members 50000 --months 24` builds a large cooperative for benchmarks; the
history is generated set-based by `services.savings.demo_history`.
"""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from koperasi.models import Cooperative, Role, User
from koperasi.security import has_second_factor
from services.savings import demo_history

DEMO_PASSWORD = "koperasi-demo-2026"  # noqa: S105 - published on purpose: demo logins only
#: The authenticator-app secret of the demo's board members and platform staff (base32).
DEMO_TOTP_SECRET = "KOPERASIDEMOKOPERASIDEMO"  # noqa: S105 - published on purpose, demo only
DEMO_SLUG = "ksp-sejahtera-bersama"

PEOPLE = [
    # email, name, role kind, board title
    ("staf@platform.demo", "Rina Fasilitator", None, ""),
    ("ketua@sejahtera.demo", "Budi Santoso", Role.Kind.BOARD, Role.Title.CHAIR),
    ("bendahara@sejahtera.demo", "Siti Rahmawati", Role.Kind.BOARD, Role.Title.TREASURER),
    ("pengawas@sejahtera.demo", "Agus Wibowo", Role.Kind.SUPERVISOR, ""),
    ("kasir@sejahtera.demo", "Dewi Lestari", Role.Kind.TELLER, ""),
    ("anggota1@sejahtera.demo", "Slamet Riyadi", Role.Kind.MEMBER, ""),
    ("anggota2@sejahtera.demo", "Nur Aini", Role.Kind.MEMBER, ""),
    ("anggota3@sejahtera.demo", "Joko Purnomo", Role.Kind.MEMBER, ""),
    ("mitra@tanimakmur.demo", "Hendra Wijaya", None, ""),
]
DEMO_PARTNER_OWNER = "mitra@tanimakmur.demo"


DEMO_MEMBERS = [email for email, _name, kind, _title in PEOPLE if kind == Role.Kind.MEMBER]


class Command(BaseCommand):
    help = (
        "Create (or refresh) the demo cooperative and its demo logins, give it members with "
        "months of savings history (once), then print the logins."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--members",
            type=int,
            default=25,
            help="members in total, the three demo logins included (default 25)",
        )
        parser.add_argument(
            "--months", type=int, default=12, help="months of history, ending last month"
        )
        parser.add_argument(
            "--end-month",
            metavar="YYYY-MM",
            help="the last month of history, one that has ended (default: last month)",
        )

    def handle(
        self, *args, members: int = 25, months: int = 12, end_month: str | None = None, **options
    ) -> None:
        if not len(DEMO_MEMBERS) <= members <= demo_history.MAX_MEMBERS:
            raise CommandError(
                f"--members must be between {len(DEMO_MEMBERS)} and {demo_history.MAX_MEMBERS}."
            )
        if not 1 <= months <= demo_history.MAX_MONTHS:
            raise CommandError(f"--months must be between 1 and {demo_history.MAX_MONTHS}.")
        last_month = None
        if end_month:
            try:
                year, number = (int(part) for part in end_month.split("-"))
                last_month = dt.date(year, number, 1)
            except ValueError as error:
                raise CommandError("--end-month takes YYYY-MM, for example 2026-10.") from error
            if last_month >= timezone.localdate().replace(day=1):
                raise CommandError("--end-month must be a month that has ended.")
        started = time.perf_counter()
        with transaction.atomic():
            cooperative, users = self._cooperative_and_logins()
            history = demo_history.demo_history_seed(
                cooperative=cooperative,
                acting_user=users["ketua@sejahtera.demo"],
                teller=users["kasir@sejahtera.demo"],
                members=members,
                months=months,
                last_month=last_month,
                member_users=[users[email] for email in DEMO_MEMBERS],
            )
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(f"Demo cooperative: /k/{cooperative.slug}/"))
        if history.created:
            self.stdout.write(
                f"History: {history.members:,} members x {history.months} months, "
                f"{history.entries:,} journal entries, {history.postings:,} postings, "
                f"{history.open_wajib_bills:,} unpaid wajib bills; took {elapsed:.1f} s."
            )
            if options.get("verbosity", 1) >= 2:
                for statement, seconds in history.steps:
                    self.stdout.write(f"  {seconds:6.1f} s  {statement}")
        else:
            self.stdout.write(
                f"History already there ({history.members:,} members, "
                f"{history.postings:,} postings): nothing added ({elapsed:.1f} s)."
            )
        self._partner(cooperative, users)
        self.stdout.write(f"Every demo login uses the password: {DEMO_PASSWORD}")
        self.stdout.write(
            "Board members and platform staff also need an authenticator code: add the secret "
            f"{DEMO_TOTP_SECRET} to an authenticator app, or run "
            "`.venv/bin/python manage.py demo_totp` for the current code."
        )
        for email, name, kind, title in PEOPLE:
            label = Role.Title(title).label if title else (Role.Kind(kind).label if kind else "")
            label = label or ("Partner owner" if email == DEMO_PARTNER_OWNER else "Platform staff")
            self.stdout.write(f"  {label:<24} {email:<28} {name}")

    def _cooperative_and_logins(self) -> tuple[Cooperative, dict[str, User]]:
        users = {email: self._user(email, name) for email, name, _kind, _title in PEOPLE}
        platform = users["staf@platform.demo"]
        if not platform.is_platform_staff:
            platform.is_platform_staff = True
            platform.save(update_fields=["is_platform_staff"])
        chair = users["ketua@sejahtera.demo"]
        cooperative, _ = Cooperative.objects.get_or_create(
            slug=DEMO_SLUG,
            defaults={
                "name": "Koperasi Simpan Pinjam Sejahtera Bersama",
                "legal_entity_number": "AHU-0001234.AH.01.26.TAHUN 2021",
                "nik_koperasi": "3273010000012021",
                "type": Cooperative.Type.KSP,
                "province_id": "32",
                "regency_id": "32.73",
                "address": "Jl. Merdeka No. 17, Bandung",
                "phone": "+62225551234",
                "email": "info@sejahtera.demo",
                "status": Cooperative.Status.VERIFIED,
                "decided_at": timezone.now(),
                "decided_by": platform,
                "created_by": chair,
            },
        )
        for email, _name, kind, title in PEOPLE:
            if kind:
                Role.objects.get_or_create(
                    cooperative=cooperative,
                    user=users[email],
                    kind=kind,
                    defaults={"title": title, "granted_by": chair},
                )
        for email, _name, kind, _title in PEOPLE:
            user = users[email]
            if (kind == Role.Kind.BOARD or user.is_platform_staff) and not has_second_factor(user):
                TOTP.activate(user, DEMO_TOTP_SECRET)
        return cooperative, users

    def _partner(self, cooperative: Cooperative, users: dict[str, User]) -> None:
        """A supplier with an active partnership and two offers, so /mitra/ has something."""
        from partners.models import Offer, Partner, Partnership, PartnerUser

        owner = users[DEMO_PARTNER_OWNER]
        partner, created = Partner.objects.get_or_create(
            npwp="012345678901234",
            defaults={
                "name": "Toko Tani Makmur",
                "kind": Partner.Kind.SUPPLIER,
                "address": "Jl. Raya Lembang No. 8, Bandung Barat",
                "phone": "+62227001234",
                "email": "toko@tanimakmur.demo",
            },
        )
        if not created:
            return
        PartnerUser.objects.create(partner=partner, user=owner, role=PartnerUser.Role.OWNER)
        now = timezone.now()
        Partnership.objects.create(
            cooperative=cooperative,
            partner=partner,
            terms="Diskon anggota untuk pupuk dan benih; biaya koperasi 2% dari pembelian.",
            member_discount_percent=Decimal("5"),
            commission_percent=Decimal("2"),
            valid_from=timezone.localdate().replace(day=1),
            status=Partnership.Status.ACTIVE,
            accepted_by_cooperative_at=now,
            accepted_by_cooperative_by=users["ketua@sejahtera.demo"],
            accepted_by_partner_at=now,
            accepted_by_partner_by=owner,
        )
        for title, unit, price, discount in [
            ("Pupuk NPK 50 kg", "sak", 450_000, Decimal("10")),
            ("Benih padi Inpari 32", "kg", 15_000, Decimal("5")),
        ]:
            Offer.objects.create(
                partner=partner,
                title=title,
                unit=unit,
                price=price,
                discount_percent=discount,
                valid_from=timezone.localdate(),
                created_by=owner,
            )

    def _user(self, email: str, name: str) -> User:
        user, created = User.objects.get_or_create(email=email, defaults={"full_name": name})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        return user
