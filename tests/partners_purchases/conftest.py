"""Fixtures for members' purchases at partners: two partners, active partnerships with a fee,
members with logins, and a helper that records a purchase with a fresh code."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from koperasi.models import Role
from partners.models import Partner, Partnership, PartnerUser, Purchase
from partners.purchases import purchase_code_issue, purchase_record
from tests.factories import RoleFactory, UserFactory, make_member, make_partner
from tests.factories import add_partner_user as add_any_partner_user
from tests.participation_shu.conftest import ani_user, product, trio  # noqa: F401 (fixtures)


def add_partner_user(partner: Partner, role: str = PartnerUser.Role.OWNER):
    """A partner user who reads the portal in English."""
    return add_any_partner_user(partner, role, language="en")


def partnership(
    cooperative, partner, *, commission="2.50", status=Partnership.Status.ACTIVE
) -> Partnership:
    return Partnership.objects.create(
        cooperative=cooperative,
        partner=partner,
        terms="Harga khusus anggota",
        valid_from=dt.date(2025, 1, 1),
        status=status,
        commission_percent=Decimal(commission),
    )


def record(partner, acting_user, member, amount, **extra) -> Purchase:
    """A purchase recorded the real way: the member gets a code, the partner types it."""
    code = purchase_code_issue(member=member)
    return purchase_record(
        partner=partner,
        acting_user=acting_user,
        cooperative=member.cooperative,
        member_number=member.number,
        code=code.code,
        amount=amount,
        **extra,
    )


@pytest.fixture
def partner(cooperative) -> Partner:
    """A supplier with an ACTIVE partnership with `cooperative` (fee 2.5 %)."""
    partner = make_partner("PT Tani Makmur")
    partnership(cooperative, partner)
    return partner


@pytest.fixture
def other_partner(cooperative, other_cooperative) -> Partner:
    """A shop working with both cooperatives (fee 1 % with `cooperative`, none with the other)."""
    partner = make_partner("CV Pasar Raya")
    partnership(cooperative, partner, commission="1")
    partnership(other_cooperative, partner, commission="0")
    return partner


@pytest.fixture
def owner(partner):
    return add_partner_user(partner)


@pytest.fixture
def staff(partner):
    return add_partner_user(partner, PartnerUser.Role.STAFF)


@pytest.fixture
def other_owner(other_partner):
    return add_partner_user(other_partner)


@pytest.fixture
def buyer(cooperative):
    """An active member of `cooperative` with a login (English)."""
    return make_member(cooperative, user=UserFactory(language="en"), full_name="Sri Wahyuni")


@pytest.fixture
def other_buyer(cooperative):
    return make_member(cooperative, user=UserFactory(language="en"), full_name="Budi Santoso")


@pytest.fixture
def outsider(other_cooperative):
    """An active member of another cooperative."""
    return make_member(other_cooperative, user=UserFactory(language="en"), full_name="Dewi")


@pytest.fixture
def other_board(other_cooperative):
    return RoleFactory(
        cooperative=other_cooperative, kind=Role.Kind.BOARD, user=UserFactory(language="en")
    ).user


@pytest.fixture(autouse=True)
def _english_messages():
    """These tests read the actions' refusals in English (the tills' threads in the race test
    run in the default language, Indonesian)."""
    from django.utils import translation

    with translation.override("en"):
        yield
