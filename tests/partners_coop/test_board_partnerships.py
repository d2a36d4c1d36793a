"""The board's partnerships page: propose to a registered partner, accept, end; supervisors
read only; tellers, members, strangers, other cooperatives and partner users are kept out."""

from __future__ import annotations

from decimal import Decimal

import pytest

from koperasi.models import Event
from partners.actions import (
    PARTNERSHIP_ACTIVATED,
    PARTNERSHIP_ENDED,
    PARTNERSHIP_PROPOSED,
    partnership_accept,
    partnership_propose,
)
from partners.models import Partnership
from tests.conftest import english_client as english
from tests.partners_coop.conftest import TERMS, TERMS_POST, partnership_row

pytestmark = pytest.mark.django_db


def base(cooperative) -> str:
    return f"/k/{cooperative.slug}/kelola/mitra/"


def test_board_finds_a_partner_by_npwp_or_name(cooperative, chair, partner, other_cooperative):
    client = english(chair)

    by_npwp = client.get(base(cooperative) + "usul/", {"q": "01.234.567"})
    by_name = client.get(base(cooperative) + "usul/", {"q": "tani mak"})
    nothing = client.get(base(cooperative) + "usul/", {"q": "Nusantara"})

    assert [p.pk for p in by_npwp.context["results"]] == [partner.pk]
    assert [p.pk for p in by_name.context["results"]] == [partner.pk]
    assert list(nothing.context["results"]) == []
    assert "No registered partner matches" in nothing.content.decode()


def test_board_proposes_and_the_partner_accepts_then_it_is_active(
    cooperative, chair, partner, partner_owner
):
    # given the board proposes through its page, with the cooperative's fee
    response = english(chair).post(
        base(cooperative) + "usul/", {"partner": partner.pk, **TERMS_POST}
    )

    assert response.status_code == 302
    assert response["Location"] == base(cooperative)
    partnership = Partnership.objects.get()
    assert partnership.cooperative == cooperative
    assert partnership.status == Partnership.Status.PROPOSED
    assert partnership.accepted_by_cooperative_by == chair
    assert partnership.accepted_by_partner_at is None
    assert partnership.member_discount_percent == Decimal("7.50")
    assert partnership.commission_percent == Decimal("2.25")
    event = Event.objects.get(kind=PARTNERSHIP_PROPOSED)
    assert event.data["side"] == "cooperative"

    page = english(chair).get(base(cooperative)).content.decode()
    assert "Waiting for the partner" in page
    assert "2.25%" in page

    # when the partner's owner accepts in the partner portal
    english(partner_owner).post(f"/mitra/kemitraan/{partnership.pk}/terima/")

    # then it is active
    partnership.refresh_from_db()
    assert partnership.status == Partnership.Status.ACTIVE
    assert partnership.accepted_by_partner_by == partner_owner
    assert Event.objects.filter(kind=PARTNERSHIP_ACTIVATED).count() == 1


def test_partner_proposes_with_a_fee_and_the_board_accepts_on_its_page(
    cooperative, chair, partner, partner_owner
):
    response = english(partner_owner).post(
        "/mitra/kemitraan/", {"cooperative": cooperative.slug, **TERMS_POST}
    )
    assert response.status_code == 302
    partnership = Partnership.objects.get()
    assert partnership.commission_percent == Decimal("2.25")
    assert partnership.accepted_by_cooperative_at is None

    page = english(chair).get(base(cooperative))
    assert page.context["waiting_count"] == 1
    assert "Waiting for the board" in page.content.decode()

    response = english(chair).post(base(cooperative) + f"{partnership.pk}/terima/")

    assert response.status_code == 302
    partnership.refresh_from_db()
    assert partnership.status == Partnership.Status.ACTIVE
    assert partnership.accepted_by_cooperative_by == chair


def test_a_second_proposal_to_the_same_partner_is_refused(cooperative, chair, partner):
    partnership_propose(cooperative=cooperative, partner=partner, acting_user=chair, data=TERMS)

    response = english(chair).post(
        base(cooperative) + "usul/", {"partner": partner.pk, **TERMS_POST}
    )

    assert response.status_code == 200
    assert "already exists or is proposed" in response.content.decode()
    assert Partnership.objects.count() == 1


def test_a_fee_above_100_percent_is_refused(cooperative, chair, partner):
    response = english(chair).post(
        base(cooperative) + "usul/",
        {"partner": partner.pk, **TERMS_POST, "commission_percent": "100.01"},
    )

    assert response.status_code == 200
    assert "commission_percent" in response.context["form"].errors
    assert Partnership.objects.count() == 0


def test_the_board_ends_an_active_partnership_with_a_reason(
    cooperative, chair, partner, partner_owner
):
    partnership = partnership_propose(
        cooperative=cooperative, partner=partner, acting_user=chair, data=TERMS
    )
    partnership_accept(partnership=partnership, acting_user=partner_owner)

    response = english(chair).post(
        base(cooperative) + f"{partnership.pk}/akhiri/", {"reason": "Prices went up twice."}
    )

    assert response.status_code == 302
    partnership.refresh_from_db()
    assert partnership.status == Partnership.Status.ENDED
    event = Event.objects.get(kind=PARTNERSHIP_ENDED)
    assert event.data["reason"] == "Prices went up twice."
    assert event.data["side"] == "cooperative"
    assert event.cooperative == cooperative


def test_ending_without_a_reason_changes_nothing(cooperative, chair, partner, partner_owner):
    partnership = partnership_propose(
        cooperative=cooperative, partner=partner, acting_user=chair, data=TERMS
    )
    partnership_accept(partnership=partnership, acting_user=partner_owner)
    before = partnership_row(partnership)

    english(chair).post(base(cooperative) + f"{partnership.pk}/akhiri/", {"reason": "  "})

    assert partnership_row(partnership) == before
    assert not Event.objects.filter(kind=PARTNERSHIP_ENDED).exists()


def test_the_partner_owner_ends_it_from_the_portal(cooperative, chair, partner, partner_owner):
    partnership = partnership_propose(
        cooperative=cooperative, partner=partner, acting_user=chair, data=TERMS
    )

    response = english(partner_owner).post(
        f"/mitra/kemitraan/{partnership.pk}/akhiri/", {"reason": "Not for us."}
    )

    assert response.status_code == 302
    partnership.refresh_from_db()
    assert partnership.status == Partnership.Status.ENDED
    assert Event.objects.get(kind=PARTNERSHIP_ENDED).data["side"] == "partner"


def test_partner_staff_cannot_end(cooperative, chair, partner, partner_owner, partner_staff):
    partnership = partnership_propose(
        cooperative=cooperative, partner=partner, acting_user=chair, data=TERMS
    )
    before = partnership_row(partnership)

    response = english(partner_staff).post(
        f"/mitra/kemitraan/{partnership.pk}/akhiri/", {"reason": "Not for us."}
    )

    assert response.status_code == 403
    assert partnership_row(partnership) == before


def test_an_ended_partnership_cannot_be_accepted_or_ended_again(
    cooperative, chair, partner, partner_owner
):
    partnership = partnership_propose(
        cooperative=cooperative, partner=partner, acting_user=partner_owner, data=TERMS
    )
    english(chair).post(base(cooperative) + f"{partnership.pk}/akhiri/", {"reason": "No."})
    before = partnership_row(partnership)

    english(chair).post(base(cooperative) + f"{partnership.pk}/terima/")
    english(chair).post(base(cooperative) + f"{partnership.pk}/akhiri/", {"reason": "Again."})

    assert partnership_row(partnership) == (Partnership.Status.ENDED, *before[1:])
    assert Event.objects.filter(kind=PARTNERSHIP_ENDED).count() == 1


def test_supervisor_reads_the_page_but_changes_nothing(
    cooperative, chair, supervisor, partner, partner_owner
):
    partnership = partnership_propose(
        cooperative=cooperative, partner=partner, acting_user=partner_owner, data=TERMS
    )
    before = partnership_row(partnership)
    client = english(supervisor)

    page = client.get(base(cooperative))
    assert page.status_code == 200
    assert "PT Tani Makmur" in page.content.decode()
    assert 'action="' + base(cooperative) not in page.content.decode()  # no buttons

    for path, data in [
        (f"{partnership.pk}/terima/", {}),
        (f"{partnership.pk}/akhiri/", {"reason": "No."}),
        ("usul/", {"partner": partner.pk, **TERMS_POST}),
        ("undang/", {"business_name": "CV Baru", "email": "a@b.test", **TERMS_POST}),
    ]:
        assert client.post(base(cooperative) + path, data).status_code == 403
    assert client.get(base(cooperative) + "usul/").status_code == 403

    assert partnership_row(partnership) == before
    assert Partnership.objects.count() == 1
    assert not Event.objects.filter(actor=supervisor, kind__startswith="partner").exists()


@pytest.mark.parametrize("role", ["teller", "member"])
def test_teller_and_member_are_refused(request, cooperative, partner, partner_owner, role):
    user = request.getfixturevalue(role)
    partnership = partnership_propose(
        cooperative=cooperative, partner=partner, acting_user=partner_owner, data=TERMS
    )
    before = partnership_row(partnership)
    client = english(user)

    assert client.get(base(cooperative)).status_code == 403
    assert client.post(base(cooperative) + f"{partnership.pk}/terima/").status_code == 403

    assert partnership_row(partnership) == before


def test_another_cooperatives_board_gets_404(
    cooperative, other_cooperative, chair, other_chair, partner, partner_owner
):
    mine = partnership_propose(
        cooperative=cooperative, partner=partner, acting_user=partner_owner, data=TERMS
    )
    before = partnership_row(mine)
    stranger = english(other_chair)

    # this cooperative's pages
    assert stranger.get(base(cooperative)).status_code == 404
    assert stranger.post(base(cooperative) + f"{mine.pk}/terima/").status_code == 404
    # this cooperative's partnership, reached through the other cooperative's own pages
    other = base(other_cooperative)
    assert stranger.post(other + f"{mine.pk}/terima/").status_code == 404
    assert stranger.post(other + f"{mine.pk}/akhiri/", {"reason": "x"}).status_code == 404
    assert stranger.post(other + f"{mine.pk}/angka/izinkan/").status_code == 404

    assert partnership_row(mine) == before
    assert "PT Tani Makmur" not in stranger.get(other).content.decode()


def test_partner_users_get_404_on_the_board_pages(cooperative, partner, partner_owner):
    partnership = partnership_propose(
        cooperative=cooperative, partner=partner, acting_user=partner_owner, data=TERMS
    )
    before = partnership_row(partnership)
    client = english(partner_owner)

    assert client.get(base(cooperative)).status_code == 404
    assert client.get(base(cooperative) + "usul/").status_code == 404
    assert client.post(base(cooperative) + f"{partnership.pk}/terima/").status_code == 404

    assert partnership_row(partnership) == before


def test_anonymous_visitors_are_sent_to_log_in(client, cooperative):
    response = client.get(base(cooperative))

    assert response.status_code == 302
    assert "/akun/login/" in response["Location"]


def test_the_board_pages_render_for_the_board(cooperative, chair, partner, bank, bank_owner):
    partnership_propose(cooperative=cooperative, partner=bank, acting_user=chair, data=TERMS)
    client = english(chair)

    chosen = client.get(base(cooperative) + "usul/", {"mitra": partner.pk})
    invite = client.get(base(cooperative) + "undang/")
    listing = client.get(base(cooperative))

    assert chosen.status_code == 200
    assert chosen.context["chosen"] == partner
    assert "To PT Tani Makmur (NPWP 012345678901000)" in chosen.content.decode()
    assert invite.status_code == 200
    assert 'id="partner-invite-form"' in invite.content.decode()
    assert listing.status_code == 200
    row = listing.content.decode().split(f'id="partnership-{Partnership.objects.get().pk}"')[1]
    assert "Bank Perkreditan Rakyat Sejahtera" in row
    assert "Withdraw" in row
    # figures can be shared only once the partnership is active
    assert "Share aggregate figures" not in row
