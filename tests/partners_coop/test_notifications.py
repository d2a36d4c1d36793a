"""A proposal tells the other side; an activation tells both sides; an end, the other side."""

from __future__ import annotations

import pytest

from koperasi.notifications.models import Notification
from partners.actions import partnership_accept, partnership_end, partnership_propose
from tests.partners_coop.conftest import TERMS

pytestmark = pytest.mark.django_db


def _told(kind: str) -> set:
    return set(Notification.objects.filter(kind=kind).values_list("recipient", flat=True))


def test_a_partners_proposal_tells_the_board(
    cooperative, chair, secretary, supervisor, partner, partner_owner, partner_staff
):
    partnership_propose(
        cooperative=cooperative, partner=partner, acting_user=partner_owner, data=TERMS
    )

    assert _told("partnership.proposed") == {chair.pk, secretary.pk}
    notification = Notification.objects.filter(recipient=chair).get()
    assert notification.link == f"/k/{cooperative.slug}/kelola/mitra/"
    assert partner.name in notification.title


def test_the_boards_proposal_tells_the_partners_owners(
    cooperative, chair, partner, partner_owner, partner_staff
):
    partnership_propose(cooperative=cooperative, partner=partner, acting_user=chair, data=TERMS)

    assert _told("partnership.proposed") == {partner_owner.pk}
    assert Notification.objects.get().link == "/mitra/kemitraan/"


def test_activation_tells_both_sides(cooperative, chair, secretary, partner, partner_owner):
    partnership = partnership_propose(
        cooperative=cooperative, partner=partner, acting_user=chair, data=TERMS
    )
    partnership_accept(partnership=partnership, acting_user=partner_owner)

    assert _told("partnership.activated") == {chair.pk, secretary.pk, partner_owner.pk}
    links = dict(
        Notification.objects.filter(kind="partnership.activated").values_list("recipient", "link")
    )
    assert links[chair.pk] == f"/k/{cooperative.slug}/kelola/mitra/"
    assert links[partner_owner.pk] == "/mitra/kemitraan/"


def test_an_end_tells_the_other_side_why(cooperative, chair, secretary, partner, partner_owner):
    partnership = partnership_propose(
        cooperative=cooperative, partner=partner, acting_user=chair, data=TERMS
    )
    partnership_accept(partnership=partnership, acting_user=partner_owner)

    partnership_end(partnership=partnership, acting_user=partner_owner, reason="Toko tutup")

    assert _told("partnership.ended") == {chair.pk, secretary.pk}
    notification = Notification.objects.filter(kind="partnership.ended", recipient=chair).get()
    assert partner.name in notification.title
    assert "Toko tutup" in notification.body
    assert notification.link == f"/k/{cooperative.slug}/kelola/mitra/"


def test_the_board_ending_it_tells_the_partners_owners(
    cooperative, chair, partner, partner_owner, partner_staff
):
    partnership = partnership_propose(
        cooperative=cooperative, partner=partner, acting_user=chair, data=TERMS
    )

    partnership_end(partnership=partnership, acting_user=chair, reason="Salah ketik")

    assert _told("partnership.ended") == {partner_owner.pk}
