"""The bases come from real postings, and the preview is split_shu of them."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from koperasi.errors import DomainError
from services.participation.models import ShuAllocation, ShuYear
from services.participation.shu import shu_bases, shu_preview, shu_year_save
from services.shu import split_shu

pytestmark = pytest.mark.django_db


def bases_by_name(cooperative, **kwargs):
    return {
        b.full_name: (b.savings, b.transactions)
        for b in shu_bases(cooperative=cooperative, year=2025, **kwargs)
    }


def test_savings_at_year_end_exclude_later_deposits_and_sukarela(cooperative, trio):
    assert bases_by_name(cooperative) == {
        "Ani Lestari": (400_000, 24_000),
        "Budi Santoso": (200_000, 0),
        "Citra Dewi": (0, 0),
    }


def test_sukarela_counts_only_when_included(cooperative, trio):
    assert bases_by_name(cooperative, include_sukarela=True) == {
        "Ani Lestari": (900_000, 24_000),
        "Budi Santoso": (1_200_000, 0),
        "Citra Dewi": (0, 0),
    }


def test_transactions_are_the_loan_interest_paid_in_the_year(cooperative, trio):
    # 2026 so far: only the installment of 5 January 2026 (12.000 interest).
    in_2026 = {b.full_name: b.transactions for b in shu_bases(cooperative=cooperative, year=2026)}
    assert in_2026 == {"Ani Lestari": 12_000, "Budi Santoso": 0, "Citra Dewi": 0}


def test_bases_are_set_based(cooperative, trio, django_assert_num_queries):
    with django_assert_num_queries(1):
        shu_bases(cooperative=cooperative, year=2025, include_sukarela=True)


def test_another_cooperatives_members_are_not_counted(cooperative, other_cooperative, trio):
    assert shu_bases(cooperative=other_cooperative, year=2025) == []


def test_preview_equals_split_shu_of_the_bases(cooperative, trio, shu_year):
    preview = shu_preview(shu_year=shu_year)

    assert preview.pools == {
        "reserve": 4_000_000,
        "jasa_modal": 2_000_000,
        "jasa_usaha": 2_500_000,
        "board": 500_000,
        "staff": 500_000,
        "education": 250_000,
        "social": 250_000,
    }
    bases = shu_bases(cooperative=cooperative, year=2025)
    expected = split_shu(2_000_000, 2_500_000, bases)
    assert [(r.member_id, r.jasa_modal, r.jasa_usaha, r.total) for r in preview.rows] == [
        (s.member_id, s.jasa_modal, s.jasa_usaha, s.total) for s in expected
    ]
    assert [(r.full_name, r.jasa_modal, r.jasa_usaha, r.total) for r in preview.rows] == [
        ("Ani Lestari", 1_333_333, 2_500_000, 3_833_333),
        ("Budi Santoso", 666_666, 0, 666_666),
        ("Citra Dewi", 0, 0, 0),
    ]
    assert (preview.members_total, preview.remainder_to_reserve, preview.reserve_total) == (
        4_499_999,
        1,
        4_000_001,
    )


def test_preview_with_sukarela(cooperative, trio, shu_year):
    shu_year.include_sukarela = True
    shu_year.save()

    rows = [(r.full_name, r.jasa_modal, r.total) for r in shu_preview(shu_year=shu_year).rows]

    assert rows == [
        ("Ani Lestari", 857_142, 3_357_142),
        ("Budi Santoso", 1_142_857, 1_142_857),
        ("Citra Dewi", 0, 0),
    ]


def draft_data(**overrides) -> dict:
    data = {
        "year": 2025,
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
        "vote": None,
    }
    data.update(overrides)
    return data


def test_percentages_not_adding_to_100_are_refused(cooperative, chair):
    with pytest.raises(DomainError):
        shu_year_save(
            cooperative=cooperative, data=draft_data(social_pct=Decimal("2.49")), acting_user=chair
        )

    assert ShuYear.objects.count() == 0


def test_a_draft_is_saved_when_the_percentages_add_to_100(cooperative, chair):
    shu_year = shu_year_save(cooperative=cooperative, data=draft_data(), acting_user=chair)

    assert (shu_year.year, shu_year.surplus, shu_year.status) == (2025, 10_000_000, "draft")


def test_compute_shu_command_prints_the_totals_and_writes_the_csv(
    cooperative, trio, shu_year, tmp_path
):
    ani, budi, citra = trio
    path = tmp_path / "shu.csv"
    out = io.StringIO()

    call_command("compute_shu", cooperative=cooperative.slug, year=2025, csv=str(path), stdout=out)

    lines = out.getvalue().splitlines()
    assert lines == [
        f"SHU 2025 {cooperative.slug} (draft): surplus 10000000",
        "pool reserve: 4000000",
        "pool jasa_modal: 2000000",
        "pool jasa_usaha: 2500000",
        "pool board: 500000",
        "pool staff: 500000",
        "pool education: 250000",
        "pool social: 250000",
        "members: 3",
        "savings total: 600000",
        "transactions total: 24000",
        "jasa modal paid: 1999999",
        "jasa usaha paid: 2500000",
        "paid to members: 4499999",
        "remainder to reserve: 1",
        f"wrote 3 rows to {path}",
    ]
    assert path.read_text(encoding="utf-8").splitlines() == [
        "member_number,full_name,savings,transactions,jasa_modal,jasa_usaha,total",
        f"{ani.number},Ani Lestari,400000,24000,1333333,2500000,3833333",
        f"{budi.number},Budi Santoso,200000,0,666666,0,666666",
        f"{citra.number},Citra Dewi,0,0,0,0,0",
    ]
    assert ShuAllocation.objects.count() == 0  # the command writes nothing


def test_compute_shu_without_a_year_needs_a_surplus(cooperative, trio):
    with pytest.raises(CommandError):
        call_command("compute_shu", cooperative=cooperative.slug, year=2025, stdout=io.StringIO())

    out = io.StringIO()
    call_command(
        "compute_shu", cooperative=cooperative.slug, year=2025, surplus=1_000_000, stdout=out
    )
    assert "paid to members: 449999" in out.getvalue().splitlines()
    assert ShuYear.objects.count() == 0
