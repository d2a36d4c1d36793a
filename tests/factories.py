from __future__ import annotations

import factory
from allauth.account.models import EmailAddress

from koperasi.models import Cooperative, Role, User

PASSWORD = "s3cret-Passw0rd!"


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

    cooperative = factory.SubFactory(CooperativeFactory)
    user = factory.SubFactory(UserFactory)
    kind = Role.Kind.MEMBER
