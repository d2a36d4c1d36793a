from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from koperasi.errors import DomainError
from koperasi.models import Event
from partners.actions import (
    PARTNERSHIP_ACCEPTED,
    PARTNERSHIP_ACTIVATED,
    PARTNERSHIP_PROPOSED,
    partnership_accept,
    partnership_propose,
)
from partners.models import Partnership
from tests.conftest import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.partners.urls")]

TERMS = {
    "terms": "Fertiliser at the agreed price list; delivery within 7 days.",
    "member_discount_percent": Decimal("7.50"),
    "valid_from": date(2026, 1, 1),
    "valid_to": date(2026, 12, 31),
}


def test_partner_proposes_and_the_board_accepts_then_it_is_active(
    cooperative, chair, partner, partner_owner
):
    # given a proposal from the partner's owner
    client = client_for(partner_owner)
    response = client.post(
        "/mitra/kemitraan/",
        {
            "cooperative": cooperative.slug,
            "terms": TERMS["terms"],
            "member_discount_percent": "7.50",
            "valid_from": "2026-01-01",
            "valid_to": "2026-12-31",
        },
    )
    assert response.status_code == 302
    partnership = Partnership.objects.get()
    assert partnership.status == Partnership.Status.PROPOSED
    assert partnership.accepted_by_partner_by == partner_owner
    assert partnership.accepted_by_cooperative_at is None
    assert partnership.member_discount_percent == Decimal("7.50")
    assert Event.objects.filter(kind=PARTNERSHIP_PROPOSED, cooperative=cooperative).count() == 1

    # when the partner accepts again, nothing changes
    client.post(f"/mitra/kemitraan/{partnership.pk}/terima/")
    partnership.refresh_from_db()
    assert partnership.status == Partnership.Status.PROPOSED
    assert partnership.accepted_by_cooperative_at is None

    # when the cooperative's board accepts
    partnership_accept(partnership=partnership, acting_user=chair)

    # then it is active and both acceptances are recorded
    partnership.refresh_from_db()
    assert partnership.status == Partnership.Status.ACTIVE
    assert partnership.accepted_by_cooperative_by == chair
    assert Event.objects.filter(kind=PARTNERSHIP_ACTIVATED).count() == 1


def test_board_proposes_and_the_partner_accepts_in_the_portal(
    cooperative, chair, partner, partner_owner
):
    partnership = partnership_propose(
        cooperative=cooperative, partner=partner, acting_user=chair, data=TERMS
    )
    assert partnership.accepted_by_cooperative_by == chair

    response = client_for(partner_owner).post(f"/mitra/kemitraan/{partnership.pk}/terima/")

    assert response.status_code == 302
    partnership.refresh_from_db()
    assert partnership.status == Partnership.Status.ACTIVE
    assert partnership.accepted_by_partner_by == partner_owner


def test_the_same_side_accepting_twice_does_not_activate(cooperative, chair, partner):
    partnership = partnership_propose(
        cooperative=cooperative, partner=partner, acting_user=chair, data=TERMS
    )

    with pytest.raises(DomainError):
        partnership_accept(partnership=partnership, acting_user=chair)

    partnership.refresh_from_db()
    assert partnership.status == Partnership.Status.PROPOSED
    assert partnership.accepted_by_partner_at is None
    assert not Event.objects.filter(kind__in=[PARTNERSHIP_ACCEPTED, PARTNERSHIP_ACTIVATED]).exists()


def test_partner_staff_cannot_accept(cooperative, chair, partner, partner_staff):
    partnership = partnership_propose(
        cooperative=cooperative, partner=partner, acting_user=chair, data=TERMS
    )

    response = client_for(partner_staff).post(f"/mitra/kemitraan/{partnership.pk}/terima/")

    assert response.status_code == 403
    partnership.refresh_from_db()
    assert partnership.status == Partnership.Status.PROPOSED


@pytest.mark.parametrize("valid_to", ["2026-01-01", "2025-12-31"])
def test_valid_to_must_come_after_valid_from(cooperative, partner, partner_owner, valid_to):
    response = client_for(partner_owner).post(
        "/mitra/kemitraan/",
        {
            "cooperative": cooperative.slug,
            "terms": "Terms",
            "member_discount_percent": "5",
            "valid_from": "2026-01-01",
            "valid_to": valid_to,
        },
    )

    assert response.status_code == 200
    assert "valid_to" in response.context["form"].errors
    assert Partnership.objects.count() == 0


def test_the_action_refuses_valid_to_before_valid_from(cooperative, chair, partner):
    with pytest.raises(DomainError):
        partnership_propose(
            cooperative=cooperative,
            partner=partner,
            acting_user=chair,
            data={**TERMS, "valid_to": date(2025, 6, 1)},
        )
    assert Partnership.objects.count() == 0


def test_only_verified_cooperatives_can_be_proposed_to(pending_cooperative, partner, partner_owner):
    response = client_for(partner_owner).post(
        "/mitra/kemitraan/",
        {
            "cooperative": pending_cooperative.slug,
            "terms": "Terms",
            "member_discount_percent": "5",
            "valid_from": "2026-01-01",
        },
    )

    assert response.status_code == 200
    assert "cooperative" in response.context["form"].errors
    assert Partnership.objects.count() == 0


def test_a_second_live_partnership_for_the_same_pair_is_refused(cooperative, chair, partner):
    partnership_propose(cooperative=cooperative, partner=partner, acting_user=chair, data=TERMS)

    with pytest.raises(DomainError):
        partnership_propose(cooperative=cooperative, partner=partner, acting_user=chair, data=TERMS)

    assert Partnership.objects.count() == 1


def test_someone_outside_both_sides_cannot_propose(cooperative, member, partner):
    with pytest.raises(DomainError):
        partnership_propose(
            cooperative=cooperative, partner=partner, acting_user=member, data=TERMS
        )
    assert Partnership.objects.count() == 0
