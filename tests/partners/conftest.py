from __future__ import annotations

import pytest

from partners.models import Partner, PartnerUser
from tests.factories import add_partner_user, make_partner

REGISTRATION = {
    "name": "PT Tani Makmur Sejahtera",
    "npwp": "01.234.567.8-901.000",
    "kind": "supplier",
    "address": "Jl. Raya Lembang No. 10, Bandung Barat",
    "phone": "0812 3456 7890",
    "email": "Sales@TaniMakmur.example",
}


def registration(**overrides) -> dict:
    return {**REGISTRATION, **overrides}


@pytest.fixture
def partner() -> Partner:
    return make_partner(npwp="012345678901000")


@pytest.fixture
def other_partner() -> Partner:
    return make_partner(npwp="029876543210000", name="CV Pasar Raya")


@pytest.fixture
def partner_owner(partner):
    return add_partner_user(partner)


@pytest.fixture
def partner_staff(partner):
    return add_partner_user(partner, PartnerUser.Role.STAFF)


@pytest.fixture
def other_partner_owner(other_partner):
    return add_partner_user(other_partner)
