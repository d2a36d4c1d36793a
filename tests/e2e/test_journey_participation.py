"""A member's year of participation on a phone: RSVP to the meeting, check in online, vote,
see the result once the vote has closed, then, after the board publishes last year's SHU,
read their SHU (jasa modal / jasa usaha) and their participation score."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from koperasi.models import Role
from koperasi.money import format_rupiah
from members.models import Member
from services.participation.models import Meeting, ShuAllocation, Vote
from services.participation.score_views import fiscal_year_of
from services.participation.shu import fiscal_year_bounds, shu_publish, shu_year_save
from services.participation.votes import vote_create
from services.savings.actions import product_for, savings_deposit
from tests.e2e.helpers import log_in
from tests.factories import CooperativeFactory, RoleFactory, UserFactory, make_member

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    # the participation pages, whether or not koperasi/urls.py includes them yet
    pytest.mark.urls("tests.participation_score.urls"),
]


def _deposit(member: Member, kind: str, amount: int, on: dt.date) -> None:
    savings_deposit(
        member=member, kind=kind, amount=amount, channel="cash", acting_user=None, on=on
    )


def test_meeting_vote_result_shu_and_score(live_server, page: Page, screenshot):
    cooperative = CooperativeFactory(name="Koperasi Serba Usaha Tani Makmur")
    chair = RoleFactory(
        cooperative=cooperative,
        kind=Role.Kind.BOARD,
        title=Role.Title.CHAIR,
        user=UserFactory(email="ketua@tani.test", full_name="Made Ketua"),
    ).user
    wayan = make_member(
        cooperative, user=UserFactory(email="wayan@tani.test"), full_name="Wayan Sudarsa"
    )
    ketut = make_member(cooperative, full_name="Ketut Arsana")
    last_year = fiscal_year_of(cooperative, timezone.localdate()) - 1
    first, _last = fiscal_year_bounds(cooperative, last_year)
    Member.objects.filter(pk__in=[wayan.pk, ketut.pk]).update(joined_on=first)
    wayan.refresh_from_db()
    ketut.refresh_from_db()
    # Last year's savings, the basis of jasa modal: Wayan pokok and three months of wajib
    # (January to March, all bills of last year), Ketut pokok only.
    product = product_for(cooperative)
    _deposit(wayan, "pokok", product.pokok_amount, first)
    _deposit(wayan, "wajib", 3 * product.wajib_amount, first)
    _deposit(ketut, "pokok", product.pokok_amount, first)
    wayan_savings = product.pokok_amount + 3 * product.wajib_amount
    now = timezone.now()
    meeting = Meeting.objects.create(
        cooperative=cooperative,
        title="RAT Tahun Buku",
        starts_at=now - dt.timedelta(minutes=30),
        ends_at=now + dt.timedelta(hours=2),
        place="Balai Desa",
        online_link="https://meet.example.test/rat",
        agenda="1. Pembagian SHU",
        created_by=chair,
    )
    vote = vote_create(
        cooperative=cooperative,
        acting_user=chair,
        kind="motion",
        question="Setujukah pembagian SHU?",
        opens_at=now - dt.timedelta(minutes=10),
        closes_at=now + dt.timedelta(hours=1),
        meeting=meeting,
    )
    base, slug = live_server.url, cooperative.slug

    # RSVP and online check-in, in English.
    log_in(page, base, "wayan@tani.test")
    page.goto(f"{base}/k/{slug}/anggota/rapat/{meeting.pk}/")
    page.get_by_role("button", name="English").click()
    page.locator("#rsvp-yes").click()
    expect(page.locator("#rsvp-state")).to_have_attribute("data-rsvp", "yes")
    page.locator("#checkin-button").click()
    expect(page.locator("#checked-in")).to_be_visible()

    # The vote.
    page.locator("#open-votes a").click()
    page.get_by_label("Setuju", exact=True).check()
    page.get_by_role("button", name="Cast my vote").click()
    expect(page.locator("#vote-counted")).to_contain_text("Your vote was counted.")

    # The vote closes; the member sees the result.
    Vote.objects.filter(pk=vote.pk).update(closes_at=timezone.now() - dt.timedelta(seconds=1))
    page.reload()
    expect(page.locator("#results-casts")).to_have_text("1")
    expect(page.locator("#results-eligible")).to_have_text("2")
    setuju = vote.options.get(label="Setuju")
    expect(page.locator(f"#result-{setuju.pk} .result-count")).to_have_text("1")

    # The board publishes last year's SHU, approved by that vote.
    shu_year = shu_year_save(
        cooperative=cooperative,
        data={
            "year": last_year,
            "surplus": 10_000_000,
            "reserve_pct": Decimal(40),
            "jasa_modal_pct": Decimal(20),
            "jasa_usaha_pct": Decimal(25),
            "board_pct": Decimal(5),
            "staff_pct": Decimal(5),
            "education_pct": Decimal("2.5"),
            "social_pct": Decimal("2.5"),
            "include_sukarela": False,
            "credit_to_sukarela": False,
            "vote": vote,
        },
        acting_user=chair,
    )
    shu_publish(shu_year=shu_year, acting_user=chair)
    mine = ShuAllocation.objects.get(shu_year=shu_year, member=wayan)
    # the jasa modal pool is 20 % of 10.000.000, shared by savings
    assert mine.jasa_modal == 2_000_000 * wayan_savings // (wayan_savings + product.pokok_amount)

    page.goto(f"{base}/k/{slug}/anggota/shu/")
    row = page.locator(f"#year-{last_year}")
    expect(row.locator("td").nth(1)).to_have_text(format_rupiah(mine.jasa_modal))
    expect(row.locator("td").nth(2)).to_have_text(format_rupiah(mine.jasa_usaha))
    expect(row.locator("td").nth(3)).to_have_text(format_rupiah(mine.total))
    screenshot(page, "participation-shu")

    # This year's participation: 1 of 1 meeting, 1 of 1 vote, no wajib due yet, no loan:
    # (30 + 20) / (30 + 20 + 20) = 71.4 -> 71.
    page.goto(f"{base}/k/{slug}/anggota/partisipasi/")
    expect(page.locator("#score-value")).to_have_text("71")
    expect(page.locator("#part-attendance td").first).to_have_text("1 / 1")
    expect(page.locator("#part-votes td").first).to_have_text("1 / 1")
    expect(page.locator("#part-services td").first).to_have_text("No")
    expect(page.locator("#score-trend")).to_be_visible()
    screenshot(page, "participation-member")
