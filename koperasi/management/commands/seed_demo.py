"""Load a verified demo cooperative with one person in every role; safe to run again."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from koperasi.models import Cooperative, Role, User

DEMO_PASSWORD = "koperasi-demo-2026"  # noqa: S105 - published on purpose: demo logins only
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
]


class Command(BaseCommand):
    help = "Create (or refresh) the demo cooperative and its demo logins, then print them."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
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
        self.stdout.write(self.style.SUCCESS(f"Demo cooperative: /k/{cooperative.slug}/"))
        self.stdout.write(f"Every demo login uses the password: {DEMO_PASSWORD}")
        for email, name, kind, title in PEOPLE:
            label = Role.Title(title).label if title else (Role.Kind(kind).label if kind else "")
            label = label or "Platform staff"
            self.stdout.write(f"  {label:<24} {email:<28} {name}")

    def _user(self, email: str, name: str) -> User:
        user, created = User.objects.get_or_create(email=email, defaults={"full_name": name})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        return user
