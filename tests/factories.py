from __future__ import annotations

from decimal import Decimal

import factory
from allauth.account.models import EmailAddress

from koperasi.models import Cooperative, Role, User
from koperasi.security import has_second_factor

PASSWORD = "s3cret-Passw0rd!"
#: The authenticator-app secret of every test board member and platform staff (base32).
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def enrol_second_factor(user) -> None:
    """Give `user` a TOTP authenticator with `TOTP_SECRET`, as board members must have."""
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(user, TOTP_SECRET)


def totp_code(secret: str = TOTP_SECRET) -> str:
    """The code an authenticator app would show right now."""
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    full_name = factory.Faker("name", locale="id_ID")

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)
            if self.is_platform_staff or self.is_superuser:
                enrol_second_factor(self)


class CooperativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cooperative

    name = factory.Sequence(lambda n: f"Koperasi Simpan Pinjam Contoh {n}")
    slug = factory.Sequence(lambda n: f"koperasi-contoh-{n}")
    legal_entity_number = factory.Sequence(lambda n: f"AHU-{n:07d}.AH.01.26.TAHUN 2021")
    nik_koperasi = factory.Sequence(lambda n: f"3273{n:012d}")
    type = Cooperative.Type.KSP
    province_id = "32"
    regency_id = "32.73"
    address = "Jl. Asia Afrika No. 1, Bandung"
    phone = "+62225550000"
    email = factory.Sequence(lambda n: f"koperasi{n}@example.test")
    status = Cooperative.Status.VERIFIED
    created_by = factory.SubFactory(UserFactory)


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role
        skip_postgeneration_save = True

    cooperative = factory.SubFactory(CooperativeFactory)
    user = factory.SubFactory(UserFactory)
    kind = Role.Kind.MEMBER

    @factory.post_generation
    def second_factor(self, create, extracted, **kwargs):
        """Board members must have a second factor (koperasi/security.py)."""
        if create and self.kind == Role.Kind.BOARD and not has_second_factor(self.user):
            enrol_second_factor(self.user)


NIK_SERIAL = iter(range(1, 10_000))


def nik_for(birth_date, *, female: bool = False, region: str = "327301") -> str:
    """A valid NIK for a birth date: region code, DDMMYY (+40 on the day for women), serial."""
    day = birth_date.day + (40 if female else 0)
    return f"{region}{day:02d}{birth_date:%m%y}{next(NIK_SERIAL):04d}"


def member_data(**overrides) -> dict:
    import datetime as dt

    birth = overrides.pop("birth_date", dt.date(1985, 3, 14))
    female = overrides.pop("female", False)
    data = {
        "full_name": "Sri Wahyuni",
        "nik": nik_for(birth, female=female),
        "birth_date": birth,
        "gender": "f" if female else "m",
        "phone": "+6281234567890",
        "email": "",
        "address": "Jl. Cihampelas No. 5, Bandung",
        "heir_name": "Andi",
        "heir_relationship": "Anak",
    }
    data.update(overrides)
    return data


def make_member(cooperative, *, user=None, acting_user=None, **overrides):
    """An active member admitted through the real actions (accounts, pokok bill, role)."""
    from members.actions import member_apply, member_approve

    acting_user = acting_user or cooperative.created_by
    member = member_apply(cooperative=cooperative, data=member_data(**overrides), user=user)
    return member_approve(member=member, acting_user=acting_user)


PARTNER_NPWP = iter(f"0{n:014d}" for n in range(100_000, 200_000))


def make_partner(name: str = "PT Tani Makmur", *, npwp: str | None = None, kind: str = "supplier"):
    """A registered partner business (a fresh valid NPWP unless one is given)."""
    from partners.models import Partner

    return Partner.objects.create(
        name=name,
        npwp=npwp or next(PARTNER_NPWP),
        kind=kind,
        address="Jl. Raya Lembang No. 10",
        phone="+6281234567890",
        email="sales@example.test",
    )


def add_partner_user(partner, role: str = "owner", **user_fields):
    """A new person working for `partner` in `role` (owner or staff)."""
    from partners.models import PartnerUser

    user = UserFactory(**user_fields)
    PartnerUser.objects.create(partner=partner, user=user, role=role)
    return user


def make_loan_product(cooperative, **overrides):
    """Flat 12 % a year up to Rp 50.000.000 over 1 to 60 months, 1 % admin fee, 2 % a month
    late penalty after 3 grace days, no savings multiple: the tests' usual loan."""
    from services.loans.models import LoanProduct

    terms = {
        "name": "Pinjaman Umum",
        "method": "flat",
        "annual_rate": Decimal("12.00"),
        "max_amount": 50_000_000,
        "min_term": 1,
        "max_term": 60,
        "admin_fee_percent": Decimal("1.00"),
        "penalty_percent": Decimal("2.00"),
        "grace_days": 3,
        "savings_multiple": Decimal(0),
    }
    return LoanProduct.objects.create(cooperative=cooperative, **{**terms, **overrides})
