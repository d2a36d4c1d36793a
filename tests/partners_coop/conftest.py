"""The cooperative's side of partnerships: partners on both sides, English clients, terms."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from koperasi.models import Role
from partners.models import Partner, Partnership, PartnerUser
from tests.factories import RoleFactory, add_partner_user, make_partner

TERMS = {
    "terms": "Fertiliser at the agreed price list; delivery within 7 days.",
    "member_discount_percent": Decimal("7.50"),
    "commission_percent": Decimal("2.25"),
    "valid_from": date(2026, 1, 1),
    "valid_to": date(2026, 12, 31),
}

TERMS_POST = {
    "terms": TERMS["terms"],
    "member_discount_percent": "7.50",
    "commission_percent": "2.25",
    "valid_from": "2026-01-01",
    "valid_to": "2026-12-31",
}


def partnership_row(partnership: Partnership) -> tuple:
    """Everything a refused change must leave as it was."""
    partnership.refresh_from_db()
    return (
        partnership.status,
        partnership.accepted_by_cooperative_at,
        partnership.accepted_by_partner_at,
        partnership.member_discount_percent,
        partnership.commission_percent,
    )


@pytest.fixture
def partner() -> Partner:
    return make_partner(npwp="012345678901000", name="PT Tani Makmur")


@pytest.fixture
def partner_owner(partner):
    return add_partner_user(partner)


@pytest.fixture
def partner_staff(partner):
    return add_partner_user(partner, PartnerUser.Role.STAFF)


@pytest.fixture
def bank() -> Partner:
    return make_partner(
        npwp="023456789012000", name="Bank Perkreditan Rakyat Sejahtera", kind="bank_or_fund"
    )


@pytest.fixture
def bank_owner(bank):
    return add_partner_user(bank)


@pytest.fixture
def other_chair(other_cooperative):
    return RoleFactory(
        cooperative=other_cooperative, kind=Role.Kind.BOARD, title=Role.Title.CHAIR
    ).user


@pytest.fixture
def secretary(cooperative):
    return RoleFactory(
        cooperative=cooperative, kind=Role.Kind.BOARD, title=Role.Title.SECRETARY
    ).user
