"""Partner purchases count in the participation score (services part) and the SHU jasa
usaha base (transactions), by the purchase's local date.

The members are those of tests/participation_shu (fiscal year 2025): Ani paid 24.000 loan
interest in 2025 (and 12.000 on 5 January 2026); Budi and Citra paid none. Wajib bills
paid late, no meetings, no votes: only the wajib part (30) and the services part (20) count.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from partners.models import Purchase
from services.participation.models import ShuYear
from services.participation.score import participation_scores
from services.participation.shu import fiscal_year_bounds, shu_bases, shu_estimate, shu_preview
from tests.conftest import english_client
from tests.partners_purchases.conftest import record

pytestmark = pytest.mark.django_db

JAKARTA = ZoneInfo("Asia/Jakarta")
NOW = dt.datetime(2026, 1, 15, 9, 0, tzinfo=JAKARTA)


def bought(partner, member, amount, when) -> Purchase:
    return Purchase.objects.create(
        cooperative=member.cooperative,
        member=member,
        partner=partner,
        amount=amount,
        occurred_at=when,
    )


@pytest.fixture
def purchases(partner, trio, outsider):
    """Ani 150.000 on 31 Dec 2025 23:30 local; Budi 26.000 in June 2025 and 80.000 on
    1 Jan 2026 00:30 local (31 Dec 2025 in UTC); a member of another cooperative 999.000."""
    ani, budi, _citra = trio
    bought(partner, ani, 150_000, dt.datetime(2025, 12, 31, 23, 30, tzinfo=JAKARTA))
    bought(partner, budi, 26_000, dt.datetime(2025, 6, 1, 10, tzinfo=JAKARTA))
    bought(partner, budi, 80_000, dt.datetime(2026, 1, 1, 0, 30, tzinfo=JAKARTA))
    bought(partner, outsider, 999_000, dt.datetime(2025, 6, 1, 10, tzinfo=JAKARTA))
    return trio


def transactions(cooperative, year):
    return {b.full_name: b.transactions for b in shu_bases(cooperative=cooperative, year=year)}


def scores(cooperative):
    return {
        s.full_name: (s.used_services, s.score)
        for s in participation_scores(cooperative=cooperative, year=2025, now=NOW)
    }


def test_shu_transactions_add_purchases_to_interest(cooperative, purchases):
    assert transactions(cooperative, 2025) == {
        "Ani Lestari": 24_000 + 150_000,
        "Budi Santoso": 26_000,
        "Citra Dewi": 0,
    }
    assert transactions(cooperative, 2026) == {
        "Ani Lestari": 12_000,
        "Budi Santoso": 80_000,
        "Citra Dewi": 0,
    }


def test_bases_stay_one_query(cooperative, purchases, django_assert_num_queries):
    with django_assert_num_queries(1):
        shu_bases(cooperative=cooperative, year=2025)


def test_jasa_usaha_is_split_by_transactions_with_purchases(cooperative, purchases):
    shu_year = ShuYear.objects.create(cooperative=cooperative, year=2025, surplus=10_000_000)

    preview = shu_preview(shu_year=shu_year)

    # Jasa usaha pool 2.500.000 over 200.000 of transactions: Ani 174.000, Budi 26.000.
    assert preview.transactions_total == 200_000
    assert [(r.full_name, r.transactions, r.jasa_usaha) for r in preview.rows] == [
        ("Ani Lestari", 174_000, 2_175_000),
        ("Budi Santoso", 26_000, 325_000),
        ("Citra Dewi", 0, 0),
    ]
    ani = purchases[0]
    estimate = shu_estimate(shu_year=shu_year, member_id=ani.pk)
    assert (estimate.transactions, estimate.jasa_usaha) == (174_000, 2_175_000)


def test_a_purchase_counts_as_using_the_services(cooperative, partner, trio):
    ani, _budi, citra = trio
    before = scores(cooperative)
    bought(partner, citra, 5_000, dt.datetime(2026, 1, 1, 0, 30, tzinfo=JAKARTA))  # 2026
    after_2026_purchase = scores(cooperative)
    bought(partner, citra, 5_000, dt.datetime(2025, 12, 31, 23, 59, tzinfo=JAKARTA))
    bought(partner, ani, 5_000, dt.datetime(2025, 12, 31, 23, 59, tzinfo=JAKARTA))

    # Ani: loan interest already; wajib 0 of 30, services 20 of 20 -> 40. Budi: 0 of 50.
    # Citra: no bill due, so only services (20) counts: 0 without a purchase, 100 with one.
    assert before == {
        "Ani Lestari": (True, 40),
        "Budi Santoso": (False, 0),
        "Citra Dewi": (False, 0),
    }
    assert after_2026_purchase == before
    assert scores(cooperative) == {
        "Ani Lestari": (True, 40),
        "Budi Santoso": (False, 0),
        "Citra Dewi": (True, 100),
    }


def test_a_purchase_recorded_today_shows_on_the_participation_page(
    cooperative, partner, owner, buyer
):
    record(partner, owner, buyer, 35_000)
    year = fiscal_year_bounds(cooperative, timezone.localdate().year)[1].year

    score = next(
        s
        for s in participation_scores(cooperative=cooperative, year=year)
        if s.member_id == buyer.pk
    )
    page = english_client(buyer.user).get(f"/k/{cooperative.slug}/anggota/partisipasi/")

    assert score.used_services is True
    assert page.status_code == 200
    assert 'data-used="1"' in page.content.decode()
