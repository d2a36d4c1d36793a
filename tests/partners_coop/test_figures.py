"""Financing partners see a consenting cooperative's aggregate figures, exact and nothing
personal; no consent, a revoked consent or another kind of partner: nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from koperasi.models import Event
from koperasi.money import format_rupiah
from members.actions import member_apply
from partners.actions import (
    PARTNERSHIP_FIGURES_GRANTED,
    PARTNERSHIP_FIGURES_REVOKED,
    partnership_accept,
    partnership_propose,
)
from partners.figures import CooperativeFigures, figures_for_partner
from partners.models import Partnership, PartnershipFigures
from services.loans.models import Loan, grade_for
from services.savings.actions import savings_deposit
from tests.conftest import english_client as english
from tests.factories import CooperativeFactory, RoleFactory, make_member, member_data
from tests.loans.conftest import make_product
from tests.partners_coop.conftest import TERMS, partnership_row

pytestmark = pytest.mark.django_db

NIKS = {"ani": "3273015403850001", "budi": "3273011203860002"}


def _deposit(member, kind, amount):
    savings_deposit(member=member, kind=kind, amount=amount, channel="cash", acting_user=None)


def _loan(member, product, *, outstanding, days, status=Loan.Status.ACTIVE):
    return Loan.objects.create(
        cooperative=member.cooperative,
        member=member,
        product=product,
        amount=max(outstanding, 1_000_000),
        term_months=12,
        annual_rate=product.annual_rate,
        method=product.method,
        purpose="Usaha",
        status=status,
        outstanding_principal=outstanding,
        days_past_due=days,
        grade=grade_for(days),
    )


@pytest.fixture
def book(cooperative):
    """Three active members and an applicant; savings by hand, two loans repaying.

    pokok 100.000 + 100.000 = 200.000; wajib 50.000 + 25.000 = 75.000;
    sukarela 1.000.000 + 250.000 = 1.250.000; all 1.525.000.
    Loans: 3.000.000 current + 1.000.000 at 45 days = 4.000.000; PAR30 1.000.000 / 4.000.000.
    """
    ani = make_member(
        cooperative,
        full_name="Ani Suryani",
        nik=NIKS["ani"],
        phone="+6281100000001",
        email="ani.suryani@example.test",
    )
    budi = make_member(
        cooperative, full_name="Budi Santoso", nik=NIKS["budi"], phone="+6281100000002"
    )
    make_member(cooperative, full_name="Citra Lestari", phone="+6281100000003")
    member_apply(cooperative=cooperative, data=member_data(full_name="Dedi Pelamar"))
    _deposit(ani, "pokok", 100_000)
    _deposit(ani, "wajib", 50_000)
    _deposit(ani, "sukarela", 1_000_000)
    _deposit(budi, "pokok", 100_000)
    _deposit(budi, "wajib", 25_000)
    _deposit(budi, "sukarela", 250_000)
    product = make_product(cooperative)
    _loan(ani, product, outstanding=3_000_000, days=0)
    _loan(budi, product, outstanding=1_000_000, days=45)
    _loan(ani, product, outstanding=0, days=0, status=Loan.Status.PAID_OFF)
    return {"ani": ani, "budi": budi}


def _active_partnership(cooperative, chair, partner, owner) -> Partnership:
    partnership = partnership_propose(
        cooperative=cooperative, partner=partner, acting_user=chair, data=TERMS
    )
    return partnership_accept(partnership=partnership, acting_user=owner)


@pytest.fixture
def shared(cooperative, chair, bank, bank_owner, book) -> Partnership:
    """The bank's active partnership, with the board's consent given on its page."""
    partnership = _active_partnership(cooperative, chair, bank, bank_owner)
    response = english(chair).post(
        f"/k/{cooperative.slug}/kelola/mitra/{partnership.pk}/angka/izinkan/"
    )
    assert response.status_code == 302
    return partnership


EXPECTED = {
    "active_members": 3,
    "savings_pokok": 200_000,
    "savings_wajib": 75_000,
    "savings_sukarela": 1_250_000,
    "loans_active": 2,
    "loans_outstanding": 4_000_000,
    "loans_at_risk": 1_000_000,
}


def test_the_bank_sees_exact_aggregate_figures_of_the_consenting_cooperative(
    cooperative, bank, bank_owner, shared
):
    figures = figures_for_partner(partner=bank)

    assert figures == [CooperativeFigures(name=cooperative.name, slug=cooperative.slug, **EXPECTED)]
    assert figures[0].savings_total == 1_525_000
    assert figures[0].par30_percent == Decimal("25.00")
    consent = PartnershipFigures.objects.get(partnership=shared)
    assert consent.revoked_at is None
    assert Event.objects.filter(kind=PARTNERSHIP_FIGURES_GRANTED).count() == 1

    page = english(bank_owner).get("/mitra/angka/")
    html = page.content.decode()
    assert page.status_code == 200
    assert cooperative.name in html
    for amount in (200_000, 75_000, 1_250_000, 1_525_000, 4_000_000, 1_000_000):
        assert format_rupiah(amount) in html
    assert '<dd data-figure="active_members">3</dd>' in html
    assert '<dd data-figure="par30">25.00%</dd>' in html


def test_no_person_appears_on_the_figures_page(cooperative, bank_owner, shared, book):
    page = english(bank_owner).get("/mitra/angka/").content.decode()
    html = page.split('id="main"', 1)[1]  # the header names the viewer's own account
    assert cooperative.name in html

    for member in book.values():
        assert member.full_name not in html
        assert member.nik not in html
        assert f"{member.nik[:4]}********{member.nik[-4:]}" not in html
        assert member.phone not in html
        assert member.phone[3:] not in html
    for text in ("Citra Lestari", "Dedi Pelamar", "ani.suryani@example.test", "@example.test"):
        assert text not in html


def test_only_consenting_cooperatives_are_listed(cooperative, chair, bank, bank_owner, shared):
    # another cooperative with an active partnership but no consent
    quiet = CooperativeFactory(name="Koperasi Tanpa Izin")
    quiet_chair = RoleFactory(cooperative=quiet, kind="board", title="chair").user
    _active_partnership(quiet, quiet_chair, bank, bank_owner)
    # and a third that consents under a partnership still only proposed: refused
    proposed_coop = CooperativeFactory(name="Koperasi Baru Usul")
    proposed_chair = RoleFactory(cooperative=proposed_coop, kind="board", title="chair").user
    proposed = partnership_propose(
        cooperative=proposed_coop, partner=bank, acting_user=proposed_chair, data=TERMS
    )
    english(proposed_chair).post(
        f"/k/{proposed_coop.slug}/kelola/mitra/{proposed.pk}/angka/izinkan/"
    )

    assert [f.slug for f in figures_for_partner(partner=bank)] == [cooperative.slug]
    html = english(bank_owner).get("/mitra/angka/").content.decode()
    assert "Koperasi Tanpa Izin" not in html
    assert "Koperasi Baru Usul" not in html
    assert not PartnershipFigures.objects.filter(partnership=proposed).exists()


def test_after_revoking_the_bank_sees_nothing(cooperative, chair, bank, bank_owner, shared):
    response = english(chair).post(f"/k/{cooperative.slug}/kelola/mitra/{shared.pk}/angka/cabut/")

    assert response.status_code == 302
    assert PartnershipFigures.objects.get(partnership=shared).revoked_at is not None
    assert Event.objects.filter(kind=PARTNERSHIP_FIGURES_REVOKED).count() == 1
    assert figures_for_partner(partner=bank) == []
    page = english(bank_owner).get("/mitra/angka/")
    html = page.content.decode()
    assert page.status_code == 200
    assert cooperative.name not in html
    assert format_rupiah(1_525_000) not in html
    assert 'id="no-figures"' in html


def test_consent_can_be_given_again_after_revoking(cooperative, chair, bank, shared):
    client = english(chair)
    client.post(f"/k/{cooperative.slug}/kelola/mitra/{shared.pk}/angka/cabut/")
    client.post(f"/k/{cooperative.slug}/kelola/mitra/{shared.pk}/angka/izinkan/")

    assert PartnershipFigures.objects.get(partnership=shared).revoked_at is None
    assert [f.slug for f in figures_for_partner(partner=bank)] == [cooperative.slug]


def test_ending_the_partnership_ends_the_consent(cooperative, chair, bank, shared):
    english(chair).post(
        f"/k/{cooperative.slug}/kelola/mitra/{shared.pk}/akhiri/", {"reason": "Loan repaid."}
    )

    assert PartnershipFigures.objects.get(partnership=shared).revoked_at is not None
    assert figures_for_partner(partner=bank) == []


def test_a_non_financing_partner_cannot_see_figures_nor_be_granted_them(
    cooperative, chair, partner, partner_owner, book
):
    partnership = _active_partnership(cooperative, chair, partner, partner_owner)

    response = english(chair).post(
        f"/k/{cooperative.slug}/kelola/mitra/{partnership.pk}/angka/izinkan/"
    )
    page = english(partner_owner).get("/mitra/angka/")

    assert response.status_code == 302
    assert not PartnershipFigures.objects.exists()
    assert page.status_code == 403
    html = page.content.decode()
    assert "only for financing partners" in html
    assert format_rupiah(1_250_000) not in html
    assert figures_for_partner(partner=partner) == []


def test_supervisor_cannot_grant_or_revoke(cooperative, chair, supervisor, bank, bank_owner, book):
    partnership = _active_partnership(cooperative, chair, bank, bank_owner)
    client = english(supervisor)

    granted = client.post(f"/k/{cooperative.slug}/kelola/mitra/{partnership.pk}/angka/izinkan/")
    assert granted.status_code == 403
    assert not PartnershipFigures.objects.exists()

    english(chair).post(f"/k/{cooperative.slug}/kelola/mitra/{partnership.pk}/angka/izinkan/")
    revoked = client.post(f"/k/{cooperative.slug}/kelola/mitra/{partnership.pk}/angka/cabut/")
    assert revoked.status_code == 403
    assert PartnershipFigures.objects.get().revoked_at is None
    assert partnership_row(partnership)[0] == Partnership.Status.ACTIVE


def test_the_bank_owner_cannot_grant_itself_the_figures(cooperative, chair, bank, bank_owner, book):
    partnership = _active_partnership(cooperative, chair, bank, bank_owner)

    response = english(bank_owner).post(
        f"/k/{cooperative.slug}/kelola/mitra/{partnership.pk}/angka/izinkan/"
    )

    assert response.status_code == 404
    assert not PartnershipFigures.objects.exists()
    assert figures_for_partner(partner=bank) == []


def test_people_outside_partners_get_404_on_the_figures_page(chair):
    assert english(chair).get("/mitra/angka/").status_code == 404


def test_the_board_page_offers_to_share_and_then_to_stop(cooperative, chair, bank, bank_owner):
    partnership = _active_partnership(cooperative, chair, bank, bank_owner)
    client = english(chair)
    url = f"/k/{cooperative.slug}/kelola/mitra/"

    before = client.get(url).content.decode()
    client.post(f"{url}{partnership.pk}/angka/izinkan/")
    after = client.get(url).content.decode()

    assert "Share aggregate figures" in before
    assert f'id="figures-shared-{partnership.pk}"' not in before
    assert "Stop sharing figures" in after
    assert f'id="figures-shared-{partnership.pk}"' in after
